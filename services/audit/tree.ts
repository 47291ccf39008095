// The ledger's Merkle tree over the global log in position order: leaf i is the i-th event of
// the log, what an auditor replays (docs/ARCHITECTURE.md, "Audit"). On the dense stores that is
// the event at position i + 1; on EventStoreDB, whose positions are byte offsets, the side file
// records each leaf's position, so position <-> leaf answers without reading the log. It follows
// the log with its own catch-up subscription, appends in O(log n), writes what proofs need to
// the side file in batches, and answers roots and proofs for any size it has reached without
// rehashing the log.
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

/** How many of the sorted `positions` are <= `position`. */
const countUpTo = (positions: readonly number[], position: number): number => {
  let low = 0
  let high = positions.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (positions[middle]! <= position) low = middle + 1
    else high = middle
  }
  return low
}

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
  // The embedded stores and PostgreSQL number the log 1, 2, 3, ...: leaf i is at position i + 1.
  const dense = store.kind !== 'eventstoredb'
  let frontier: Frontier = emptyFrontier
  let tail: Buffer[] = []
  let tailPositions: number[] = []
  /** The position of the last leaf (0: none). */
  let lastPosition = 0
  let anchor = ''
  let pending: TreeWrites = { blocks: [], nodes: [], heads: [], checkpoint: { frontier, tail, tailPositions, anchor } }
  // Unwritten blocks and nodes, so proofs never wait for the side file.
  const unwrittenBlocks = new Map<number, Buffer[]>()
  const unwrittenPositions = new Map<number, number[]>()
  const unwrittenNodes = new Map<string, Buffer>()
  const waiters = new Set<{ reached: () => boolean; resolve: () => void }>()
  const listeners = new Set<(size: number, event: RecordedEvent) => void>()
  let failure: Error | null = null
  let flushTimer: NodeJS.Timeout | undefined
  let abort: AbortController | null = null
  let done: Promise<void> | null = null

  const flush = () => {
    clearTimeout(flushTimer)
    flushTimer = undefined
    if (pending.checkpoint.frontier.size === frontier.size && pending.blocks.length === 0 && pending.heads.length === 0) return
    const checkpoint = { frontier, tail: [...tail], tailPositions: [...tailPositions], anchor }
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
    unwrittenPositions.clear()
    unwrittenNodes.clear()
  }

  const leafAt = (index: number): Hash | undefined => {
    if (index < 0 || index >= frontier.size) return undefined
    const block = Math.floor(index / leavesPerBlock)
    if (block === Math.floor(frontier.size / leavesPerBlock)) return tail[index % leavesPerBlock]
    const leaves = unwrittenBlocks.get(block) ?? side.block(block)
    return leaves?.[index % leavesPerBlock]
  }

  /** The store positions of block `block`'s leaves (the tail's for the unfinished block). */
  const positionsOf = (block: number): number[] | undefined =>
    block === Math.floor(frontier.size / leavesPerBlock) ? tailPositions : (unwrittenPositions.get(block) ?? side.blockPositions(block))

  /** The store position of leaf `index`. */
  const positionOf = (index: number): Position | undefined => {
    if (!Number.isSafeInteger(index) || index < 0 || index >= frontier.size) return undefined
    if (dense) return index + 1
    return positionsOf(Math.floor(index / leavesPerBlock))?.[index % leavesPerBlock]
  }

  /** How many leaves are at positions <= `position`: the tree size the log had at `position`. */
  const sizeAt = (position: Position): number => {
    if (position >= lastPosition) return frontier.size
    if (position < 1) return 0
    if (dense) return Math.floor(position)
    const tailStart = frontier.size - tail.length
    if (tailPositions.length > 0 && tailPositions[0]! <= position) return tailStart + countUpTo(tailPositions, position)
    // The last block starting at or before `position`: unwritten ones are the newest.
    let found: { block: number; positions: number[] } | undefined
    for (const [block, positions] of unwrittenPositions)
      if (positions[0]! <= position && (!found || block > found.block)) found = { block, positions }
    found ??= side.blockAtOrBefore(position)
    return found ? found.block * leavesPerBlock + countUpTo(found.positions, position) : 0
  }

  /** The leaf of the event at `position`, when the tree holds one there. */
  const leafIndexOf = (position: Position): number | undefined => {
    if (!Number.isSafeInteger(position) || position < 1 || position > lastPosition) return undefined
    const index = sizeAt(position) - 1
    return index >= 0 && positionOf(index) === position ? index : undefined
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
    // Leaf i is the event at position i + 1 where the store numbers the log densely; elsewhere
    // positions only rise, and the side file records them.
    if (dense && event.position !== frontier.size + 1)
      throw new Error(`the log is not dense: expected position ${frontier.size + 1}, got ${event.position}`)
    if (!Number.isSafeInteger(event.position) || event.position <= lastPosition)
      throw new Error(`the log's positions do not rise: position ${event.position} after ${lastPosition}`)
    const leaf = eventLeaf(event)
    const step = appendLeaf(frontier, leaf)
    frontier = step.frontier
    tail.push(leaf)
    tailPositions.push(event.position)
    lastPosition = event.position
    if (tail.length === leavesPerBlock) {
      const block = (frontier.size - leavesPerBlock) / leavesPerBlock
      unwrittenBlocks.set(block, tail)
      unwrittenPositions.set(block, tailPositions)
      pending.blocks.push([block, Buffer.concat(tail), tailPositions])
      tail = []
      tailPositions = []
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
      if (waiter.reached()) {
        waiters.delete(waiter)
        waiter.resolve()
      }
    for (const listener of listeners) listener(frontier.size, event)
  }

  /** Resume from the side file when it belongs to this log, else start over (keeping witnessed heads). */
  const load = async () => {
    const saved = side.checkpoint()
    if (!saved || saved.frontier.size === 0) return
    const size = saved.frontier.size
    const shaped = saved.tail.length === size % leavesPerBlock && saved.tailPositions.length === saved.tail.length
    const tailStart = size - saved.tail.length
    const savedPosition = (index: number): number | undefined =>
      index < 0 ? 0 : index >= tailStart ? saved.tailPositions[index - tailStart] : side.blockPositions(Math.floor(index / leavesPerBlock))?.[index % leavesPerBlock]
    // The anchor is the event of the last leaf, read by its recorded position; the read starts
    // just after the leaf before it (a position of the log, where EventStoreDB can start).
    const last = shaped ? savedPosition(size - 1) : undefined
    const before = shaped ? savedPosition(size - 2) : undefined
    const head = await store.head()
    let atAnchor: string | undefined
    if (last !== undefined && before !== undefined && last <= head && (!dense || last === size))
      for await (const event of store.readAll({ from: dense ? last - 1 : before, to: last })) if (event.position === last) atAnchor = event.meta.hash
    if (atAnchor === saved.anchor) {
      frontier = saved.frontier
      tail = saved.tail
      tailPositions = saved.tailPositions
      lastPosition = last!
      anchor = saved.anchor
      pending.checkpoint = saved
      return
    }
    logger.error(
      { treeSize: size, head },
      (last ?? size) > head
        ? 'the log is shorter than the Merkle tree built from it: events were removed; rebuilding the tree (run targetwatch verify)'
        : 'the Merkle side file does not match the log at its size; rebuilding the tree (run targetwatch verify)',
    )
    side.reset()
  }

  const start = async () => {
    await load()
    abort = new AbortController()
    const subscription = store.subscribeAll(lastPosition === 0 ? 'start' : lastPosition, onEvent, abort.signal)
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

  const waitUntil = (reached: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    ensureUsable()
    if (reached()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiter = { reached, resolve: () => (clearTimeout(timer), resolve()) }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new StoreUnavailable(`the Merkle tree did not reach ${what} within ${timeoutMs} ms (it has ${frontier.size} leaves)`))
      }, timeoutMs)
      waiters.add(waiter)
    })
  }

  /** Resolves once the tree has `size` leaves; rejects after `timeoutMs`. */
  const waitFor = (size: number, timeoutMs = 10_000): Promise<void> => waitUntil(() => frontier.size >= size, `${size} leaves`, timeoutMs)

  /** Resolves once the tree holds every event up to `position` (e.g. the store's head). */
  const waitForPosition = (position: Position, timeoutMs = 10_000): Promise<void> =>
    waitUntil(() => lastPosition >= position, `position ${position}`, timeoutMs)

  const checkSize = (size: number) => {
    ensureUsable()
    if (!Number.isSafeInteger(size) || size < 0 || size > frontier.size)
      throw new RangeError(`tree size ${size} is beyond the tree (${frontier.size} leaves)`)
  }

  return {
    start,
    stop,
    waitFor,
    waitForPosition,
    size: () => frontier.size,
    /** Whether leaf i is always the event at position i + 1 (every store but EventStoreDB). */
    dense,
    /** The position of the last leaf (0: empty). */
    lastPosition: () => lastPosition,
    positionOf,
    leafIndexOf,
    sizeAt,
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
