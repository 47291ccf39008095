// The ledger's Merkle tree over the global log in position order (leaf i = the event at
// position i + 1 on the embedded stores). It follows the log with its own catch-up
// subscription, appends in O(log n), writes what proofs need to the side file in batches, and
// answers roots and proofs for any size it has reached without rehashing the log.
import type { Logger } from 'pino'
import { ledgerCheckpointedType, LedgerCheckpointed } from '../../domain/attestation.ts'
import {
  appendLeaf,
  consistencyProof,
  emptyFrontier,
  frontierRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootAt,
  type Frontier,
  type Hash,
} from './merkle.ts'
import { StoreUnavailable } from '../../domain/errors.ts'
import type { EventStore, Position, RecordedEvent } from '../store/port.ts'
import { leavesPerBlock, nodeLevelStride, openTreeFile, type SignedHeadRow, type TreeWrites } from './tree-file.ts'

export interface TreeOptions {
  store: EventStore
  /** The side file, or ':memory:' (memory store). */
  file: string
  logger: Logger
  /** Write to the side file after this many leaves (and within `flushDelayMs` of the last one). */
  flushEvery?: number
  flushDelayMs?: number
}

const hashBytes = (hex: string): Buffer => {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a SHA-256 hex digest: ${hex.slice(0, 80)}`)
  return Buffer.from(hex, 'hex')
}

/** The leaf of an event: SHA-256(0x00 || the 32 bytes of meta.hash). */
export const eventLeaf = (event: Pick<RecordedEvent, 'meta'>): Hash => leafHash(hashBytes(event.meta.hash))

/** A signed head as the side file keeps it, when `event` is a well-formed LedgerCheckpointed. */
export const signedHeadOf = (event: RecordedEvent): SignedHeadRow | null => {
  if (event.type !== ledgerCheckpointedType) return null
  const parsed = LedgerCheckpointed.safeParse(event.data)
  if (!parsed.success) return null
  const { treeSize, keyId, signature, rootHash, publicKey, signedAt } = parsed.data
  return { treeSize, keyId, signature, rootHash, publicKey, signedAt, position: event.position }
}

export const createLedgerTree = ({ store, file, logger, flushEvery = 4096, flushDelayMs = 250 }: TreeOptions) => {
  const side = openTreeFile(file)
  let frontier: Frontier = emptyFrontier
  let tail: Buffer[] = []
  let anchor = ''
  let pending: TreeWrites = { blocks: [], nodes: [], heads: [], checkpoint: { frontier, tail, anchor } }
  // Unwritten blocks and nodes, so proofs never wait for the side file.
  const unwrittenBlocks = new Map<number, Buffer[]>()
  const unwrittenNodes = new Map<string, Buffer>()
  const waiters = new Set<{ size: number; resolve: () => void }>()
  const listeners = new Set<(size: number, event: RecordedEvent) => void>()
  let failure: Error | null = null
  let flushTimer: NodeJS.Timeout | undefined
  let abort: AbortController | null = null
  let done: Promise<void> | null = null

  const flush = () => {
    clearTimeout(flushTimer)
    flushTimer = undefined
    if (pending.checkpoint.frontier.size === frontier.size && pending.blocks.length === 0 && pending.heads.length === 0) return
    const checkpoint = { frontier, tail: [...tail], anchor }
    try {
      side.write({ ...pending, checkpoint })
    } catch (err) {
      // The side file is derived data (a disk can fill up): keep the writes in memory, proofs
      // still answer from them, and try again later rather than take the process down.
      logger.warn({ err }, 'could not write the Merkle side file; will retry')
      if (!flushTimer) flushTimer = setTimeout(flush, 5_000).unref()
      return
    }
    pending = { blocks: [], nodes: [], heads: [], checkpoint }
    unwrittenBlocks.clear()
    unwrittenNodes.clear()
  }

  const leafAt = (index: number): Hash | undefined => {
    if (index < 0 || index >= frontier.size) return undefined
    const block = Math.floor(index / leavesPerBlock)
    if (block === Math.floor(frontier.size / leavesPerBlock)) return tail[index % leavesPerBlock]
    const leaves = unwrittenBlocks.get(block) ?? side.block(block)
    return leaves?.[index % leavesPerBlock]
  }

  const storedNode = (level: number, index: number): Hash => {
    const hash = unwrittenNodes.get(`${level}/${index}`) ?? side.node(level, index)
    if (!hash) throw new Error(`Merkle side file lacks node ${level}/${index}; delete ${file} to rebuild it`)
    return hash
  }

  /** The perfect subtree (level, index), from at most 2^(stride-1) stored hashes. */
  const perfect = (level: number, index: number): Hash => {
    if (level === 0) {
      const leaf = leafAt(index)
      if (!leaf) throw new Error(`Merkle side file lacks leaf ${index}; delete ${file} to rebuild it`)
      return leaf
    }
    if (level % nodeLevelStride === 0) return storedNode(level, index)
    return nodeHash(perfect(level - 1, index * 2), perfect(level - 1, index * 2 + 1))
  }

  const append = (event: RecordedEvent) => {
    // Leaf i is the event at position i + 1: the embedded stores number the log densely.
    if (event.position !== frontier.size + 1)
      throw new Error(`the log is not dense: expected position ${frontier.size + 1}, got ${event.position}`)
    const leaf = eventLeaf(event)
    const step = appendLeaf(frontier, leaf)
    frontier = step.frontier
    tail.push(leaf)
    if (tail.length === leavesPerBlock) {
      const block = (frontier.size - leavesPerBlock) / leavesPerBlock
      unwrittenBlocks.set(block, tail)
      pending.blocks.push([block, Buffer.concat(tail)])
      tail = []
    }
    for (const { level, index, hash } of step.completed)
      if (level > 0 && level % nodeLevelStride === 0) {
        unwrittenNodes.set(`${level}/${index}`, hash)
        pending.nodes.push([level, index, hash])
      }
    const head = signedHeadOf(event)
    if (head) pending.heads.push(head)
    anchor = event.meta.hash
  }

  const onEvent = (event: RecordedEvent) => {
    if (failure) return
    try {
      append(event)
    } catch (error) {
      failure = error as Error
      logger.error({ err: error, position: event.position }, 'the Merkle tree stopped: proofs and checkpoints are unavailable')
      return
    }
    if (frontier.size - pending.checkpoint.frontier.size >= flushEvery) flush()
    else flushTimer ??= setTimeout(flush, flushDelayMs).unref()
    for (const waiter of waiters)
      if (waiter.size <= frontier.size) {
        waiters.delete(waiter)
        waiter.resolve()
      }
    for (const listener of listeners) listener(frontier.size, event)
  }

  /** Resume from the side file when it belongs to this log, else start over (keeping witnessed heads). */
  const load = async () => {
    const saved = side.checkpoint()
    if (!saved || saved.frontier.size === 0) return
    const head = await store.head()
    let atAnchor: string | undefined
    if (saved.frontier.size <= head)
      for await (const event of store.readAll({ from: saved.frontier.size - 1, to: saved.frontier.size })) atAnchor = event.meta.hash
    if (atAnchor === saved.anchor && saved.tail.length === saved.frontier.size % leavesPerBlock) {
      frontier = saved.frontier
      tail = saved.tail
      anchor = saved.anchor
      pending.checkpoint = saved
      return
    }
    logger.error(
      { treeSize: saved.frontier.size, head },
      saved.frontier.size > head
        ? 'the log is shorter than the Merkle tree built from it: events were removed; rebuilding the tree (run targetwatch verify)'
        : 'the Merkle side file does not match the log at its size; rebuilding the tree (run targetwatch verify)',
    )
    side.reset()
  }

  const start = async () => {
    await load()
    abort = new AbortController()
    const subscription = store.subscribeAll(frontier.size === 0 ? 'start' : frontier.size, onEvent, abort.signal)
    done = subscription.done.catch((err) => {
      failure ??= err
      logger.error({ err }, 'the Merkle tree subscription ended with an error')
    })
    // Not awaited: a long rebuild runs in the background; callers wait for the size they need.
    subscription.caughtUp.then(() => logger.info({ treeSize: frontier.size }, 'Merkle tree caught up'), () => {})
  }

  const stop = async () => {
    abort?.abort()
    await done
    flush()
    for (const waiter of waiters) waiter.resolve()
    waiters.clear()
    side.close()
  }

  const ensureUsable = () => {
    if (failure) throw new StoreUnavailable(`the Merkle tree is unavailable: ${failure.message}`)
  }

  /** Resolves once the tree has `size` leaves; rejects after `timeoutMs`. */
  const waitFor = (size: Position, timeoutMs = 10_000): Promise<void> => {
    ensureUsable()
    if (frontier.size >= size) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiter = { size, resolve: () => (clearTimeout(timer), resolve()) }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new StoreUnavailable(`the Merkle tree did not reach ${size} leaves within ${timeoutMs} ms (it has ${frontier.size})`))
      }, timeoutMs)
      waiters.add(waiter)
    })
  }

  const checkSize = (size: number) => {
    ensureUsable()
    if (!Number.isSafeInteger(size) || size < 0 || size > frontier.size)
      throw new RangeError(`tree size ${size} is beyond the tree (${frontier.size} leaves)`)
  }

  return {
    start,
    stop,
    waitFor,
    size: () => frontier.size,
    /** The root over the first `size` leaves (default: all). */
    root: (size = frontier.size): Hash => {
      checkSize(size)
      return size === frontier.size ? frontierRoot(frontier) : rootAt(size, perfect)
    },
    leafAt,
    inclusionProof: (index: number, size: number): Hash[] => {
      checkSize(size)
      return inclusionProof(index, size, perfect)
    },
    consistencyProof: (first: number, second: number): Hash[] => {
      checkSize(second)
      return consistencyProof(first, second, perfect)
    },
    /** Signed heads the side file has witnessed (they survive rebuilds), plus unwritten ones. */
    witnessedHeads: (): SignedHeadRow[] => [...side.signedHeads(), ...pending.heads],
    /** Called after each leaf, with the new size. */
    onAdvance: (listener: (size: number, event: RecordedEvent) => void) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export type LedgerTree = ReturnType<typeof createLedgerTree>
