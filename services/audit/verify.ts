// Verification of a whole log from what is stored, trusting no derived file: every event's
// hash over its content, the per-stream chains, dense positions, recordedAt order, the Merkle
// tree recomputed leaf by leaf, and every signed head against it. The first bad position is
// named exactly where the evidence allows (a gap, a broken hash or link); a reordering that
// only a signed root reveals is located by the leaf hashes of the side file when present
// (untrusted hints: they only say where to look), else to the range between two heads.
import { appendLeaf, emptyFrontier, frontierRoot, type Frontier } from './merkle.ts'
import { eventHash, genesisHash, hashVersionOf } from '../store/hashing.ts'
import type { RecordedEvent } from '../store/port.ts'
import { isSqliteCorruption } from '../store/sqlite-corruption.ts'
import type { RawItem } from './raw-sqlite.ts'
import { eventLeaf } from './tree.ts'
import { acceptHeads, type HeadCandidate, type KeyUse, type Problem } from './verify-heads.ts'

export type { Problem } from './verify-heads.ts'

export interface VerifyReport {
  ok: boolean
  /** Events read. */
  checked: number
  /** Last position read. */
  head: number
  firstBadPosition?: number
  /** What is wrong at firstBadPosition (or the first problem without a position). */
  problem?: string
  /** The first problems by position (at most 100). */
  problems: Problem[]
  signedHeads: { checked: number; latest: { treeSize: number; rootHash: string; keyId: string; signedAt: string } | null }
  keys: KeyUse[]
  /** Events by the hash version they were written with (services/store/hashing.ts). */
  hashVersions: { '1': number; '2': number }
  notes: string[]
}

/** What a verification reads; every source gives events in position order. */
export interface VerifySource {
  /** Positions are 1, 2, 3, ... (the embedded stores): a missing number is a missing event. */
  dense: boolean
  /** Signed heads recorded in the log, read before the main pass. */
  heads: () => Promise<{ heads: HeadCandidate[]; problems: Problem[] }>
  items: () => AsyncIterable<RawItem>
  /** Per-stream chains walked by revision with O(1) memory; when absent, links are checked in the main pass. */
  chains?: (report: (problem: Problem) => void, head: number) => Promise<void>
  /** Leaf hash recorded for an index by the side file, if any (hints for locating a reordering). */
  hint?: (index: number) => Buffer | undefined
  /** Signed heads kept outside the log (side file witnesses). */
  witnesses?: () => HeadCandidate[]
  /**
   * The log's head now, for a source read beside a live writer: `items` ends at the head read at
   * its start, and a head signed meanwhile may cover more. Such a head is not a truncation.
   */
  currentHead?: () => number | Promise<number>
  notes?: string[]
}

export interface VerifyOptions {
  trustedKeys: ReadonlySet<string> | null
  /** Heads the auditor holds (e.g. saved from /v1/audit/checkpoints). */
  given?: HeadCandidate[]
}

const maxProblems = 100
const zeroLeaf = Buffer.alloc(32)

const problemList = () => {
  const list: Problem[] = []
  const rank = (p: Problem) => p.position ?? Number.MAX_SAFE_INTEGER
  return {
    add: (problem: Problem) => {
      list.push(problem)
      if (list.length > maxProblems * 2) {
        list.sort((a, b) => rank(a) - rank(b))
        list.length = maxProblems
      }
    },
    sorted: () => list.sort((a, b) => rank(a) - rank(b)).slice(0, maxProblems),
  }
}

/** Links in position order with a map of stream -> last (revision, hash): for sources without a stream index. */
const linkChecker = () => {
  const streams = new Map<string, { revision: number; hash: string }>()
  return (event: RecordedEvent): Problem | null => {
    const last = streams.get(event.stream)
    streams.set(event.stream, { revision: event.revision, hash: event.meta.hash })
    const expected = last ? last.revision + 1 : 0
    if (event.revision !== expected)
      return { position: event.position, check: 'chain', message: `stream ${event.stream}: revision ${event.revision} where ${expected} was due` }
    if (event.meta.prevHash !== (last?.hash ?? genesisHash))
      return { position: event.position, check: 'chain', message: `stream ${event.stream} revision ${event.revision}: prevHash does not link to the previous event` }
    return null
  }
}

export const contentProblem = (event: RecordedEvent): string | null => {
  try {
    return eventHash(event.meta.prevHash, event) === event.meta.hash ? null : `its content does not match its hash (hash version ${hashVersionOf(event.meta)})`
  } catch (error) {
    return `its content cannot be hashed: ${(error as Error).message}`
  }
}

/** A damaged SQLite file met while reading: a problem of the report, not a thrown error (README "Integrity"). */
const damaged = (error: unknown, where: string, position: number | null): Problem => {
  if (!isSqliteCorruption(error)) throw error
  return { position, check: 'sqlite', message: `${where}: the SQLite file is damaged (${(error as Error).message})` }
}

/** The report when the log cannot even be opened or measured (e.g. a damaged first page). */
export const unreadableReport = (error: unknown, file: string): VerifyReport => {
  const problem = damaged(error, `${file} cannot be read`, null)
  return {
    ok: false,
    checked: 0,
    head: 0,
    problem: problem.message,
    problems: [problem],
    signedHeads: { checked: 0, latest: null },
    keys: [],
    hashVersions: { '1': 0, '2': 0 },
    notes: [],
  }
}

export const verifyLog = async (source: VerifySource, options: VerifyOptions): Promise<VerifyReport> => {
  const problems = problemList()
  const recorded = await source.heads().catch((error) => ({ heads: [], problems: [damaged(error, 'the signed heads (stream ledger) cannot be read', null)] }))
  recorded.problems.forEach(problems.add)
  const accepted = acceptHeads([...recorded.heads, ...(source.witnesses?.() ?? []), ...(options.given ?? [])], options.trustedKeys)
  accepted.problems.forEach(problems.add)
  const notes = [...(source.notes ?? []), ...accepted.notes]
  const heads = accepted.heads
  const links = source.chains ? null : linkChecker()

  let frontier: Frontier = emptyFrontier
  let lastPosition = 0
  let lastRecordedAt = ''
  let nextHead = 0
  let matchedSize = 0
  let firstHintMismatch: number | null = null
  let hintsMissing = false
  const hashVersions = { '1': 0, '2': 0 }

  const checkHeads = () => {
    while (nextHead < heads.length && heads[nextHead].treeSize === frontier.size) {
      const head = heads[nextHead++]
      if (frontierRoot(frontier).toString('hex') === head.rootHash) {
        matchedSize = head.treeSize
        continue
      }
      const located = firstHintMismatch !== null && firstHintMismatch <= head.treeSize
      problems.add({
        position: located ? firstHintMismatch : matchedSize + 1,
        check: 'tree',
        message: located
          ? `the log differs from the signed head of ${head.treeSize} events (${head.source}) from position ${firstHintMismatch}: events were changed, removed or reordered there`
          : `the log differs from the signed head of ${head.treeSize} events (${head.source}) somewhere in positions ${matchedSize + 1}..${head.treeSize}: events were changed, removed or reordered`,
      })
    }
  }

  checkHeads()
  let readFailed = false
  try {
    for await (const item of source.items()) {
      if (source.dense && item.position !== lastPosition + 1 && item.position > lastPosition)
        problems.add({
          position: lastPosition + 1,
          check: 'position',
          message: item.position === lastPosition + 2 ? `position ${lastPosition + 1} is missing` : `positions ${lastPosition + 1}..${item.position - 1} are missing`,
        })
      lastPosition = item.position
      let leaf: Buffer = zeroLeaf
      const event = item.event
      if (!event) problems.add({ position: item.position, check: 'decode', message: item.problem ?? 'the stored row cannot be read' })
      else {
        hashVersions[`${hashVersionOf(event.meta)}`] += 1
        const content = contentProblem(event)
        if (content) problems.add({ position: item.position, check: 'hash', message: `event ${event.id} (stream ${event.stream} revision ${event.revision}): ${content}` })
        // A fold that differs from intact data is a forged fold (edited data is a hash finding).
        else if (item.foldProblem) problems.add({ position: item.position, check: 'fold', message: item.foldProblem })
        const link = links?.(event)
        if (link) problems.add(link)
        if (event.recordedAt < lastRecordedAt)
          problems.add({ position: item.position, check: 'recorded-at', message: `recordedAt ${event.recordedAt} is earlier than the event before it (${lastRecordedAt})` })
        lastRecordedAt = event.recordedAt
        try {
          leaf = eventLeaf(event)
        } catch (error) {
          problems.add({ position: item.position, check: 'hash', message: (error as Error).message })
        }
      }
      if (source.hint && firstHintMismatch === null && !hintsMissing) {
        const hinted = source.hint(frontier.size)
        if (hinted === undefined) hintsMissing = true
        else if (!hinted.equals(leaf)) firstHintMismatch = item.position
      }
      frontier = appendLeaf(frontier, leaf).frontier
      checkHeads()
    }
  } catch (error) {
    readFailed = true
    problems.add(damaged(error, `the log cannot be read after position ${lastPosition}`, lastPosition + 1))
  }

  const size = frontier.size
  // A read that failed has its own finding: the heads beyond it say nothing more.
  const beyond = readFailed ? [] : heads.slice(nextHead).filter((head) => head.treeSize > size)
  const now = beyond.length > 0 && source.currentHead ? await source.currentHead() : size
  const later = beyond.filter((head) => head.treeSize <= now)
  if (later.length > 0)
    notes.push(`${later.length} signed head(s) cover events appended after this verification read the log's head (${lastPosition}): not checked by it`)
  for (const head of beyond)
    if (head.treeSize > now)
      problems.add({
        position: source.dense ? size + 1 : null,
        check: 'truncation',
        message: `a signed head (${head.source}, ${head.signedAt}) covers ${head.treeSize} events but the log has ${size}: events ${size + 1}..${head.treeSize} are missing`,
      })
  if (source.chains)
    await source.chains(problems.add, lastPosition).catch((error) => problems.add(damaged(error, 'the per-stream chains (the (stream, revision) index and the streams table) cannot be read', null)))

  const latest = heads.filter((h) => h.treeSize <= size).at(-1)
  if (latest && latest.treeSize < size) notes.push(`positions ${latest.treeSize + 1}..${lastPosition} are not yet covered by a signed head`)
  if (heads.length === 0) notes.push('no signed head to check the tree against: order and completeness rest on the per-stream chains only')
  if (firstHintMismatch !== null && !problems.sorted().some((p) => p.check === 'tree'))
    notes.push(`the Merkle side file disagrees with the log from position ${firstHintMismatch}, beyond what any signed head covers`)

  const sorted = problems.sorted()
  const first = sorted[0]
  return {
    ok: sorted.length === 0,
    checked: size,
    head: lastPosition,
    ...(first?.position != null ? { firstBadPosition: first.position } : {}),
    ...(first ? { problem: first.message } : {}),
    problems: sorted,
    signedHeads: {
      checked: heads.length,
      latest: latest ? { treeSize: latest.treeSize, rootHash: latest.rootHash, keyId: latest.keyId, signedAt: latest.signedAt } : null,
    },
    keys: accepted.keys,
    hashVersions,
    notes,
  }
}
