// Where a verification reads from: the SQLite file of a data dir (raw, read-only, with the
// stream index for chains), any EventStore through the port, or an NDJSON export.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { LedgerCheckpointed, ledgerCheckpointedType, ledgerStream } from '../../domain/attestation.ts'
import { genesisHash } from '../store/hashing.ts'
import { isSqliteCorruption, sqliteIntegrityCheck } from '../store/sqlite-corruption.ts'
import type { EventStore, RecordedEvent } from '../store/port.ts'
import { inputLines } from './input-lines.ts'
import { openRawLog, type RawItem, type RawLog, type StreamRow } from './raw-sqlite.ts'
import { leavesPerBlock, openTreeFileReadOnly, type SignedHeadRow } from './tree-file.ts'
import type { HeadCandidate, Problem } from './verify-heads.ts'
import type { VerifySource } from './verify.ts'

export const eventsFileName = 'events.db'
export const treeFileName = 'merkle.db'

const headsFrom = async (events: AsyncIterable<RecordedEvent>) => {
  const heads: HeadCandidate[] = []
  const problems: Problem[] = []
  for await (const event of events) {
    if (event.type !== ledgerCheckpointedType) continue
    const parsed = LedgerCheckpointed.safeParse(event.data)
    if (!parsed.success) {
      problems.push({ position: event.position, check: 'checkpoint', message: `the LedgerCheckpointed event is malformed: ${parsed.error.issues[0]?.message}` })
      continue
    }
    heads.push({ ...parsed.data, position: event.position, source: 'log' })
  }
  return { heads, problems }
}

const witnessesFrom = (rows: SignedHeadRow[]): HeadCandidate[] => rows.map((row) => ({ ...row, source: 'witness' as const }))

/**
 * Per-stream chains in (stream, revision) order, merged with the streams table: revisions run
 * 0, 1, 2, ..., each prevHash is the hash before it, positions rise with revisions, and the
 * table's record of each stream's last revision and hash matches the stored events. Read a page
 * at a time (RawLog.chainPages): a stream is finished against its row as read with the page that
 * shows where its events end, so streams a live writer appends to meanwhile still match.
 */
const walkChains = async (raw: RawLog, report: (problem: Problem) => void, head: number) => {
  const queue: StreamRow[] = []
  let stream: StreamRow | undefined
  let expected = 0
  let prevHash = genesisHash
  let lastPosition = 0
  let readable = true
  // Reads by stream go through the stream-name index: a damaged one answers "no such stream".
  // One pass over the index for all streams; a lookup per stream only when it fails, to name them.
  const nameIndexSound = await raw.streamNameIndexSound()
  let indexed = true
  let firstPosition: number | null = null

  const finish = (done: StreamRow) => {
    if (!indexed)
      report({
        position: firstPosition,
        check: 'sqlite',
        message: `stream ${done.name}: the stream-name index does not find it (the SQLite index is damaged): reads of the stream answer that it has no events`,
      })
    if (readable && (expected - 1 !== done.revision || (done.revision >= 0 && prevHash !== done.lastHash)))
      report({
        position: head + 1,
        check: 'streams',
        message: `stream ${done.name}: the streams table records revision ${done.revision} but the stored events end at revision ${expected - 1}: events are missing`,
      })
  }
  const advance = () => {
    if (stream) finish(stream)
    stream = queue.shift()
    indexed = stream === undefined || nameIndexSound || raw.streamIdByName(stream.name) === stream.id
    firstPosition = null
    expected = 0
    prevHash = genesisHash
    lastPosition = 0
    readable = true
  }

  for await (const page of raw.chainPages()) {
    // The stream the last page ended in, as this page's transaction sees it.
    if (page.carried && stream?.id === page.carried.id) stream = page.carried
    queue.push(...page.streams)
    if (stream === undefined) advance()
    for (const row of page.rows) {
      while (stream && stream.id < row.streamId) advance()
      // An event of a stream id with no row is reported by the position-order pass.
      if (!stream || stream.id !== row.streamId || !readable) continue
      if (row.prevHash === null) {
        readable = false
        continue
      }
      const where = `stream ${stream.name} revision ${row.revision}`
      if (!row.indexed)
        report({ position: row.position, check: 'sqlite', message: `${where}: the event-id index does not find it (its SQLite table, event_ids, is damaged): a duplicate of it would be appended` })
      if (row.revision !== expected)
        report({ position: row.position, check: 'chain', message: `stream ${stream.name}: revision ${expected} is missing (the next stored is ${row.revision})` })
      else if (row.prevHash !== prevHash) report({ position: row.position, check: 'chain', message: `${where}: prevHash does not link to the previous event` })
      if (row.position <= lastPosition)
        report({ position: row.position, check: 'order', message: `${where} is at position ${row.position}, before revision ${expected - 1} at ${lastPosition}` })
      firstPosition ??= row.position
      expected = row.revision + 1
      prevHash = row.hash
      lastPosition = row.position
    }
  }
  while (stream) advance()
}

/** A leaf-hash lookup over the side file's 16-leaf blocks, one block cached. */
const blockHints = (block: (index: number) => Buffer[] | undefined, tail: Buffer[], tailStart: number) => {
  let cached: { index: number; leaves: Buffer[] | undefined } | null = null
  return (leaf: number): Buffer | undefined => {
    if (leaf >= tailStart) return tail[leaf - tailStart]
    const index = Math.floor(leaf / leavesPerBlock)
    if (cached?.index !== index) cached = { index, leaves: block(index) }
    return cached.leaves?.[leaf % leavesPerBlock]
  }
}

/** SQLite's integrity_check of the file, as problems (README "Integrity"). */
const structureProblems = (file: string): Problem[] =>
  sqliteIntegrityCheck(file).problems.map((line) => ({ position: null, check: 'sqlite' as const, message: `${path.basename(file)}: SQLite integrity_check: ${line}` }))

/**
 * A data dir's SQLite log, read raw a page at a time (the service may be writing it: openRawLog)
 * up to the head read here; merkle.db (if any) only as hints and witnesses.
 * `sqliteCheck` adds SQLite's structural check of the file (synchronous, O(file): the CLI).
 */
export const dataDirSource = (dataDir: string, options: { sqliteCheck?: boolean } = {}): VerifySource & { close: () => void } => {
  const file = path.join(dataDir, eventsFileName)
  const structure = options.sqliteCheck ? structureProblems(file) : []
  const raw = openRawLog(file)
  const side = openTreeFileReadOnly(path.join(dataDir, treeFileName))
  const saved = side?.checkpoint() ?? null
  let head: number
  try {
    head = raw.head()
  } catch (error) {
    side?.close()
    raw.close()
    throw error
  }
  return {
    dense: true,
    heads: async () => {
      try {
        const found = await headsFrom(raw.readStream(ledgerStream))
        return { heads: found.heads, problems: [...structure, ...found.problems] }
      } catch (error) {
        if (!isSqliteCorruption(error)) throw error
        const unreadable: Problem = { position: null, check: 'sqlite', message: `the signed heads (stream ledger) cannot be read: ${(error as Error).message}` }
        return { heads: [], problems: [...structure, unreadable] }
      }
    },
    items: () => raw.items(0, head),
    chains: (report, last) => walkChains(raw, report, last),
    currentHead: () => raw.head(),
    ...(side && saved ? { hint: blockHints(side.block, saved.tail, saved.frontier.size - saved.tail.length) } : {}),
    witnesses: () => witnessesFrom(side?.signedHeads() ?? []),
    notes: side ? [] : [`no ${treeFileName} in ${dataDir}: a reordering can be located only to the range between two signed heads`],
    close: () => {
      side?.close()
      raw.close()
    },
  }
}

export const dataDirHasLog = (dataDir: string) => existsSync(path.join(dataDir, eventsFileName))

/** Any EventStore through the port; links are checked in position order (memory grows with the number of streams). */
export const storeSource = async (
  store: EventStore,
  extras: { hint?: (index: number) => Buffer | undefined; witnesses?: () => HeadCandidate[] } = {},
): Promise<VerifySource> => {
  const head = await store.head()
  const dense = store.kind !== 'eventstoredb'
  return {
    dense,
    heads: () => headsFrom(store.readStream(ledgerStream)),
    // A tree size counts events; only dense positions do too (EventStoreDB's are commit positions).
    ...(dense ? { currentHead: () => store.head() } : {}),
    items: async function* () {
      for await (const event of store.readAll({ to: head })) yield { position: event.position, event }
    },
    ...extras,
  }
}

/** An NDJSON export (one RecordedEvent per line, in position order). */
export const fileSource = (file: string): VerifySource => ({
  dense: true,
  heads: async () => {
    async function* checkpoints() {
      for await (const line of inputLines(file)) {
        if (!line.includes(ledgerCheckpointedType)) continue
        try {
          yield JSON.parse(line) as RecordedEvent
        } catch {
          // an unreadable line is reported by the main pass
        }
      }
    }
    return headsFrom(checkpoints())
  },
  items: async function* (): AsyncGenerator<RawItem> {
    let lineNumber = 0
    let position = 0
    for await (const line of inputLines(file)) {
      lineNumber += 1
      if (line.trim() === '') continue
      try {
        const event = JSON.parse(line) as RecordedEvent
        if (!Number.isSafeInteger(event?.position) || typeof event.meta?.hash !== 'string') throw new Error('not an exported event')
        position = event.position
        yield { position, event }
      } catch (error) {
        position += 1
        yield { position, event: null, problem: `line ${lineNumber}: ${(error as Error).message}` }
      }
    }
  },
})
