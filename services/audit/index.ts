// The audit services, composed for openServices: the Merkle tree that follows the log, the
// ledger key, the signed-head checkpointer, attestations, and verification of the live store.
import path from 'node:path'
import type { Logger } from 'pino'
import type { Config } from '../config.ts'
import type { EventStore } from '../store/port.ts'
import { createAttestor } from './attest.ts'
import { createCheckpointer } from './checkpoints.ts'
import { loadLedgerKey } from './ledger-key.ts'
import { createLedgerTree } from './tree.ts'
import { verifyLog, type VerifyReport } from './verify.ts'
import { dataDirSource, eventsFileName, storeSource, treeFileName } from './verify-sources.ts'
import type { ExportReader } from './export.ts'
import { openRawLog } from './raw-sqlite.ts'

export interface AuditDeps {
  config: Config
  store: EventStore
  logger: Logger
  clock: () => Date
}

export const createAudit = async ({ config, store, logger, clock }: AuditDeps) => {
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
  })
  await tree.start()
  await checkpoints.start()

  let running: Promise<VerifyReport> | null = null
  /**
   * Verifies the store: the SQLite file itself when there is one, else through the port.
   * Heads are believed on their own signatures (an imported log carries heads of an earlier
   * key); an auditor pins keys with `targetwatch verify --public-key`. Concurrent calls share one run.
   */
  const verify = (): Promise<VerifyReport> =>
    (running ??= (async () => {
      const witnesses = () => tree.witnessedHeads().map((head) => ({ ...head, source: 'witness' as const }))
      if (config.store === 'sqlite') {
        const source = dataDirSource(config.dataDir)
        try {
          return await verifyLog({ ...source, witnesses }, { trustedKeys: null })
        } finally {
          source.close()
        }
      }
      return verifyLog(await storeSource(store, { hint: tree.leafAt, witnesses }), { trustedKeys: null })
    })().finally(() => (running = null)))

  /** A reader for one export: the SQLite file itself (one snapshot, flat memory), else the store. */
  const openExportReader = (): ExportReader & { close: () => void } =>
    config.store === 'sqlite' ? openRawLog(path.join(config.dataDir, eventsFileName)) : { ...store, head: () => store.head(), close: () => undefined }

  return {
    key,
    openExportReader,
    tree,
    checkpoints,
    attestor: createAttestor({ tree, key, clock }),
    verify,
    close: async () => {
      await checkpoints.stop()
      await tree.stop()
    },
  }
}

export type Audit = Awaited<ReturnType<typeof createAudit>>
