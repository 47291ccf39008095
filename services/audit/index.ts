// The audit services, composed for openServices: the Merkle tree that follows the log, the
// ledger key, the signed-head checkpointer, attestations, verification of the live store, the
// start-up check of the log's tail and the background scrub (README "Integrity").
import path from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import type { EventStore } from '../store/port.ts'
import { createAttestor } from './attest.ts'
import { createCheckpointer, readLedger } from './checkpoints.ts'
import { integrityStream, integrityEventId, integrityViolatedType } from '../../domain/integrity.ts'
import type { Metrics } from '../http/plugins/metrics.ts'
import { IdConflict } from '../../domain/errors.ts'
import type { FindingSource, IntegrityFinding, IntegrityGuard } from './integrity.ts'
import { createScrub } from './scrub.ts'
import { checkTailAtStart } from './startup-check.ts'
import { loadLedgerKey } from './ledger-key.ts'
import { createLedgerTree } from './tree.ts'
import { verifyLog, type VerifyReport } from './verify.ts'
import { eventsFileName, storeSource, treeFileName } from './verify-sources.ts'
import { verifyDataDir } from './verify-data-dir.ts'
import { createVerifyThreads } from './verify-thread.ts'
import type { ExportReader } from './export.ts'
import { openRawLog } from './raw-sqlite.ts'

export interface AuditDeps {
  config: Config
  store: EventStore
  logger: Logger
  clock: () => Date
  integrity: IntegrityGuard
  metrics: Metrics
}

export const createAudit = async ({ config, store, logger, clock, integrity, metrics }: AuditDeps) => {
  const persistent = config.store !== 'memory'
  const log = logger.child({ component: 'ledger' })
  const key = loadLedgerKey({ configured: config.ledger.key, dataDir: persistent ? config.dataDir : null, logger: log })
  const tree = createLedgerTree({ store, file: persistent ? path.join(config.dataDir, treeFileName) : ':memory:', logger: log })
  const checkpoints = createCheckpointer({
    store,
    tree,
    key,
    every: config.ledger.checkpointEvery,
    intervalMs: config.ledger.checkpointIntervalMs,
    clock,
    logger: log,
    violated: () => integrity.finding() !== null,
  })
  metrics.integrityIntact.set(integrity.finding() ? 0 : 1)
  const eventsFile = config.store === 'sqlite' ? path.join(config.dataDir, eventsFileName) : null

  // Each finding is counted, and recorded once in the log as IntegrityViolated (stream
  // `integrity`), which the webhook outbox delivers as integrity.violated. On a file too damaged
  // to take the append, the log line and the metric remain.
  const record = (finding: IntegrityFinding, isFirst: boolean) => {
    metrics.integrityFindings.inc({ source: finding.source, check: finding.check })
    metrics.integrityIntact.set(0)
    if (!isFirst) return
    const { source, check, position, message, file, detectedAt } = finding
    const data = { source, check, position, message: message.slice(0, 2000), file, detectedAt }
    store
      .append(integrityStream, [{ id: integrityEventId(data), type: integrityViolatedType, occurredAt: detectedAt, data, meta: { principal: 'integrity', requestId: source, schemaVersion: 1 } }], 'any')
      .catch((err) => {
        // The same damage found at an earlier start is recorded already (same id).
        if (err instanceof IdConflict) return
        log.error({ err }, 'could not record the integrity finding in the log; no integrity.violated webhook is sent')
      })
  }
  integrity.onFinding(record)
  // The file check ran before the store opened.
  const early = integrity.finding()
  if (early) record(early, true)

  await tree.start()
  if (eventsFile && !integrity.finding())
    await checkTailAtStart({ dataDir: config.dataDir, tree, latest: (await readLedger(store)).latest, guard: integrity })
  await checkpoints.start()

  let running: Promise<VerifyReport> | null = null
  const threads = createVerifyThreads()
  const verifyStore = async (): Promise<VerifyReport> => {
    const witnesses = () => tree.witnessedHeads().map((head) => ({ ...head, source: 'witness' as const }))
    if (config.store === 'sqlite') {
      // A large log on a thread of its own (verify-thread.ts), with the heads witnessed so far.
      if ((await store.head()) >= config.ledger.verifyThreadFrom) return threads.verify({ dataDir: config.dataDir, witnesses: witnesses() })
      return verifyDataDir(config.dataDir, witnesses)
    }
    return verifyLog(await storeSource(store, { hint: tree.leafAt, witnesses }), { trustedKeys: null })
  }
  /**
   * Verifies the store: the SQLite file itself when there is one, else through the port.
   * Heads are believed on their own signatures (an imported log carries heads of an earlier
   * key); an auditor pins keys with `targetwatch verify --public-key`. Concurrent calls share one
   * run. A problem found is an integrity finding (README "Integrity").
   */
  const verify = (by: FindingSource = 'request'): Promise<VerifyReport> =>
    (running ??= verifyStore()
      .then((report) => {
        if (!report.ok)
          integrity.report({
            source: by,
            check: report.problems[0]?.check ?? 'verify',
            position: report.firstBadPosition ?? null,
            message: report.problem ?? 'verification failed',
            file: eventsFile,
          })
        return report
      })
      .finally(() => (running = null)))

  const scrub = createScrub({
    verify: () => verify('scrub'),
    // Nothing outside the process can change the memory store's log: no scrub there.
    intervalMs: persistent ? config.ledger.scrubIntervalMs : 0,
    logger: log.child({ component: 'scrub' }),
    clock,
    onRun: (run) => {
      metrics.scrubLastRun.set({ field: 'timestamp_seconds' }, Date.parse(run.finishedAt) / 1000)
      metrics.scrubLastRun.set({ field: 'duration_seconds' }, run.durationMs / 1000)
      metrics.scrubLastRun.set({ field: 'events' }, run.checked)
      metrics.scrubLastRun.set({ field: 'ok' }, run.ok ? 1 : 0)
    },
  })
  scrub.start()

  /** A reader for one export: the SQLite file itself (a snapshot per page, flat memory), else the store. */
  const openExportReader = (): ExportReader & { close: () => void } =>
    config.store === 'sqlite' ? openRawLog(path.join(config.dataDir, eventsFileName)) : { ...store, head: () => store.head(), close: () => undefined }

  return {
    key,
    openExportReader,
    tree,
    checkpoints,
    attestor: createAttestor({ tree, key, clock }),
    verify,
    /** The verifications run on threads of their own (large SQLite logs). */
    verifyThreads: threads,
    scrub,
    close: async () => {
      // A verification under way on its thread is cancelled, not waited for.
      const scrubStopped = scrub.stop()
      await threads.cancel()
      await scrubStopped
      await checkpoints.stop()
      await tree.stop()
    },
  }
}

export type Audit = Awaited<ReturnType<typeof createAudit>>
