// The composition root: opens the store, the projection runner, the plans and the services
// built on them. The HTTP server and the CLI both start from here.
import { accessSync, constants, mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { alertsProjection } from '../projections/alerts.ts'
import { apiKeysProjection } from '../projections/api-keys.ts'
import { complianceProjection } from '../projections/compliance.ts'
import type { Projection } from '../projections/projection.ts'
import { rescuesProjection } from '../projections/rescues.ts'
import { plansProjection } from '../projections/plans.ts'
import { webhooksProjection } from '../projections/webhooks.ts'
import { createAudit, type Audit } from './audit/index.ts'
import { createIntegrityGuard, type IntegrityGuard } from './audit/integrity.ts'
import { checkFileAtStart } from './audit/startup-check.ts'
import { createAlerts, type Alerts } from './alerts/alerts.ts'
import { createKeyService, type KeyService } from './auth/keys.ts'
import { ConfigError, type Config } from './config.ts'
import { createMetrics, instrumentSnapshots, type Metrics } from './http/plugins/metrics.ts'
import { createIngest, type Ingest } from './ingest/submit.ts'
import { createPlans, type Plans } from './plans/plans.ts'
import { createComplianceReader, type ComplianceReader } from './read/compliance-reader.ts'
import { createRunner, type Runner } from './runner/runner.ts'
import { createMemorySnapshotStore, createSqliteSnapshotStore } from './runner/snapshots.ts'
import { createMemoryStore } from './store/memory.ts'
import type { EventStore } from './store/port.ts'
import { createSqliteStore } from './store/sqlite.ts'

export interface Services {
  config: Config
  /** Plans as data: publish, revise, read (services/plans). */
  plans: Plans
  /** Compliance of a plan at `at` as of a position: every read of the read side (services/read). */
  reader: ComplianceReader
  store: EventStore
  runner: Runner
  ingest: Ingest
  keys: KeyService
  /** Alert derivation, webhook subscriptions and the delivery dispatcher (services/alerts); started by the HTTP app. */
  alerts: Alerts
  /** Merkle tree, signed tree heads, attestations, verification, the scrub (services/audit). */
  audit: Audit
  /** Clean, or the first integrity finding: then read-only and not ready (README "Integrity"). */
  integrity: IntegrityGuard
  clock: () => Date
  /** Prometheus registry and counters (GET /metrics); components count into it. */
  metrics: Metrics
  close: () => Promise<void>
}

export const projections: readonly Projection<any>[] = [
  complianceProjection as Projection<any>,
  apiKeysProjection as Projection<any>,
  alertsProjection as Projection<any>,
  webhooksProjection as Projection<any>,
  rescuesProjection as Projection<any>,
  plansProjection as Projection<any>,
]

/** The log, snapshots and keys live in the data directory: one that cannot be written fails start naming it. */
const assertWritableDataDir = (dataDir: string): void => {
  try {
    mkdirSync(dataDir, { recursive: true })
    accessSync(dataDir, constants.W_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error'
    throw new ConfigError('TARGETWATCH_DATA_DIR', `${dataDir} is not a writable directory (${code}); the service keeps its event log, snapshots and keys there`)
  }
}

export const openStore = async (config: Config, clock: () => Date, logger?: Logger): Promise<EventStore> => {
  switch (config.store) {
    case 'memory':
      return createMemoryStore({ clock })
    case 'sqlite': {
      assertWritableDataDir(config.dataDir)
      const store = createSqliteStore({ file: path.join(config.dataDir, 'events.db'), clock, writer: config.sqliteWriter })
      // The service starts once it can write: a writer thread that cannot open the file fails the start.
      await store.writerReady().catch(async (error) => {
        await store.close()
        throw error
      })
      if (config.sqliteMaxPages !== null) await store.writerPragma(`max_page_count = ${config.sqliteMaxPages}`)
      return store
    }
    case 'eventstoredb': {
      const adapter = './store/eventstoredb.ts'
      const { createEventStoreDbStore } = await import(adapter)
      return createEventStoreDbStore({
        url: config.eventstoreUrl,
        keepAliveIntervalMs: config.eventstoreKeepAliveMs,
        deadlineMs: config.eventstoreDeadlineMs,
        logger: logger?.child({ component: 'eventstoredb' }),
      })
    }
    case 'postgres': {
      // The log is on the server; snapshots, the Merkle side file and keys stay in the data dir.
      mkdirSync(config.dataDir, { recursive: true })
      const { createPostgresStore } = await import('./store/postgres.ts')
      return createPostgresStore({ connectionString: config.databaseUrl!, clock, logger: logger?.child({ component: 'postgres' }) })
    }
    default: {
      const _exhaustive: never = config.store
      return _exhaustive
    }
  }
}

/**
 * The services over the configured store, or over `opened` (a store the caller made: the tests
 * run the audit suite on the EventStoreDB adapter over its stand-in server this way).
 */
export const openServices = async (config: Config, logger: Logger, clock: () => Date = () => new Date(), opened?: EventStore): Promise<Services> => {
  const metrics = createMetrics()
  const integrity = createIntegrityGuard({ logger: logger.child({ component: 'integrity' }), clock })
  if (config.store === 'sqlite') checkFileAtStart(config.dataDir, integrity)
  const store = opened ?? (await openStore(config, clock, logger))
  const snapshots = instrumentSnapshots(
    config.store === 'memory' ? createMemorySnapshotStore() : createSqliteSnapshotStore(path.join(config.dataDir, 'snapshots.db')),
    metrics,
    clock,
  )
  const runner = createRunner({ store, projections, snapshots, logger: logger.child({ component: 'runner' }), snapshotEvery: config.snapshotEvery })
  await runner.start().catch((error) => {
    // A damaged log the start-up check found: start anyway, read-only and not ready.
    if (!integrity.finding()) throw error
    logger.error({ err: error }, 'the read models could not catch up with the damaged log')
  })
  const plans = createPlans({ store, runner, clock })
  if (!integrity.finding()) await plans.seed()
  const reader = createComplianceReader({ store, runner, plans, clock, readWaitMs: config.readWaitMs })
  const keys = createKeyService({ store, runner, environmentAdminKey: config.adminKey, clock, isReportingRegion: plans.isReportingRegion })
  const ingest = createIngest({ store, plans: plans.decisionDirectory, clock })
  const alerts = createAlerts({ config, plans, reader, store, runner, logger, clock, halted: () => integrity.finding() !== null })
  const audit = await createAudit({ config, store, logger, clock, integrity, metrics })
  return {
    config,
    plans,
    reader,
    store,
    runner,
    ingest,
    keys,
    alerts,
    audit,
    integrity,
    clock,
    metrics,
    close: async () => {
      await alerts.stop()
      await audit.close()
      await runner.stop()
      await store.close()
      snapshots.close()
    },
  }
}
