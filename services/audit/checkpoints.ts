// Signed tree heads, appended to the log as LedgerCheckpointed events (stream `ledger`) every
// N events or T seconds. A head signs the tree of the first `treeSize` events; its own event
// lands later, so it is a leaf of the next head. Checkpoint events do not count as new events:
// an idle log gets one final head, not one every T seconds forever.
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import {
  LedgerCheckpointed,
  ledgerCheckpointedType,
  ledgerStream,
  treeHeadMessage,
  type LedgerCheckpointedData,
} from '../../domain/attestation.ts'
import { ConcurrencyError } from '../../domain/errors.ts'
import type { EventStore } from '../store/port.ts'
import type { LedgerKey } from './ledger-key.ts'
import type { LedgerTree } from './tree.ts'

export interface Checkpoint extends LedgerCheckpointedData {
  /** Where the checkpoint event itself was recorded. */
  position: number
}

export interface CheckpointerOptions {
  store: EventStore
  tree: LedgerTree
  key: LedgerKey
  /** Sign once this many events are unsigned. */
  every: number
  /** Also sign this often while any event is unsigned; 0 = only by count. */
  intervalMs: number
  clock: () => Date
  logger: Logger
  /** True once the log failed an integrity check: no head is signed over it (README "Integrity"). */
  violated?: () => boolean
}

interface LedgerPosition {
  /** Last revision of the ledger stream (-1: none). */
  revision: number
  /** treeSize of the last head, and where its event was recorded (0: none). */
  signedSize: number
  recordedAt: number
  latest: Checkpoint | null
}

export const readLedger = async (store: EventStore): Promise<LedgerPosition> => {
  const state: LedgerPosition = { revision: -1, signedSize: 0, recordedAt: 0, latest: null }
  for await (const event of store.readStream(ledgerStream)) {
    state.revision = event.revision
    const parsed = LedgerCheckpointed.safeParse(event.data)
    if (event.type !== ledgerCheckpointedType || !parsed.success) continue
    state.signedSize = parsed.data.treeSize
    state.recordedAt = event.position
    state.latest = { ...parsed.data, position: event.position }
  }
  return state
}

export const createCheckpointer = ({ store, tree, key, every, intervalMs, clock, logger, violated = () => false }: CheckpointerOptions) => {
  let ledger: LedgerPosition = { revision: -1, signedSize: 0, recordedAt: 0, latest: null }
  let signing: Promise<Checkpoint | null> | null = null
  let timer: NodeJS.Timeout | undefined
  let unsubscribe: (() => void) | undefined
  let stopped = false

  /** Events in the tree beyond the last head, not counting that head's own event. */
  const unsigned = (size = tree.size()): number => {
    // recordedAt is a store position (a byte offset on EventStoreDB): compare it with the tree's.
    if (tree.lastPosition() < ledger.recordedAt) return 0
    return size - ledger.signedSize - (ledger.recordedAt > 0 ? 1 : 0)
  }

  const appendHead = async (): Promise<Checkpoint | null> => {
    // The previous head's event must be in the tree before the next head is counted from it.
    await tree.waitForPosition(ledger.recordedAt)
    const treeSize = tree.size()
    if (unsigned(treeSize) <= 0 || violated()) return null
    const head = { treeSize, rootHash: tree.root(treeSize).toString('hex'), keyId: key.keyId, signedAt: clock().toISOString() }
    const data: LedgerCheckpointedData = { ...head, signature: key.sign(treeHeadMessage(head)), publicKey: key.publicKey }
    const result = await store.append(
      ledgerStream,
      [{ id: randomUUID(), type: ledgerCheckpointedType, occurredAt: head.signedAt, data, meta: { principal: 'ledger', requestId: 'checkpoint', schemaVersion: 1 } }],
      ledger.revision < 0 ? 'no_stream' : ledger.revision,
    )
    const checkpoint = { ...data, position: result.positions[0]! }
    ledger = { revision: result.nextRevision, signedSize: treeSize, recordedAt: checkpoint.position, latest: checkpoint }
    logger.info({ treeSize, position: checkpoint.position }, 'signed tree head recorded')
    return checkpoint
  }

  /** Signs the tree as it is now, unless every event is already covered (then null). */
  const checkpoint = (): Promise<Checkpoint | null> =>
    (signing ??= (async () => {
      try {
        return await appendHead()
      } catch (error) {
        // Another writer (e.g. a second process on the same data dir) moved the ledger: re-read, retry once.
        if (!(error instanceof ConcurrencyError)) throw error
        ledger = await readLedger(store)
        return appendHead()
      }
    })().finally(() => (signing = null)))

  const signQuietly = () => {
    if (stopped || signing) return
    checkpoint().catch((err) => logger.error({ err }, 'could not record a signed tree head'))
  }

  const start = async () => {
    ledger = await readLedger(store)
    unsubscribe = tree.onAdvance((size) => {
      if (unsigned(size) >= every) signQuietly()
    })
    if (intervalMs > 0)
      timer = setInterval(() => {
        if (unsigned() > 0) signQuietly()
      }, intervalMs).unref()
  }

  const stop = async () => {
    stopped = true
    clearInterval(timer)
    unsubscribe?.()
    await signing?.catch(() => null)
  }

  return { start, stop, checkpoint, latest: () => ledger.latest, unsigned: () => unsigned() }
}

export type Checkpointer = ReturnType<typeof createCheckpointer>
