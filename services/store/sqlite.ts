// The SQLite store with group commit: appends made in one event-loop turn are written in one
// transaction (one fsync), each judged on its own, and resolve after COMMIT. An append needs no
// savepoint: the only refusal that can come from an insert (an id already recorded) undoes the
// append's own rows by hand (writeEvents), and anything else rolls back the whole group.
// The common append (new ids) costs one stream lookup and its inserts: the event-id index is
// read only when an insert collides with a recorded id, or the expected revision fails, which
// is when an append may be the retry of an earlier one.
import Database from 'better-sqlite3'
import { DomainError, IntegrityViolated, StoreUnavailable } from '../../domain/errors.ts'
import { isSqliteCorruption } from './sqlite-corruption.ts'
import {
  checkExpectedRevision,
  expectedRevisionHolds,
  judgeReplay,
  noStream,
  prepareAppend,
  stampRecordedAt,
  toIsoInstant,
  type PreparedEvent,
  type RecordedIdentity,
} from './append-rules.ts'
import { currentHashVersion, eventHashOfCanonicalData, genesisHash } from './hashing.ts'
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './port.ts'
import { openDatabase, prepareStatements } from './sqlite-schema.ts'
import { encodeEventId, isPackedEventId, namedRowToEvent, rowToEvent } from './sqlite-rows.ts'
import { createSubscriptions } from './subscription.ts'
import { encodeFold } from '../../projections/compact-facts.ts'
import { now as stageNow, profilingStages, record } from '../stage-profile.ts'

export interface SqliteStoreOptions {
  file: string
  clock?: () => Date
}

export interface SqliteStoreStats {
  /** Committed write transactions (one per group of appends). */
  transactions: number
  /** Appends judged inside those transactions (an append refused by a rule counts too). */
  appends: number
  /** Events written. */
  events: number
}

export type SqliteEventStore = EventStore & {
  stats(): SqliteStoreStats
  /** The connection, for diagnostics and tests (e.g. PRAGMAs); never write through it. */
  readonly database: Database.Database
}

interface PendingAppend {
  stream: string
  prepared: PreparedEvent[]
  expected: ExpectedRevision
  resolve: (result: AppendResult) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true; result: AppendResult; count: number } | { ok: false; error: DomainError }
type StreamRow = { id: number; revision: number; last_hash: string }

const pageSize = 1000

const isEventIdCollision = (error: unknown): boolean =>
  error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_UNIQUE' && error.message.includes('events.event_id')
// Conditions of the disk or the file, not of the request: the client may retry later (503).
const unavailableCodes = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|BUSY|LOCKED|NOMEM|CORRUPT|NOTADB|PROTOCOL)/

const toStoreError = (error: unknown, action: 'write' | 'read' | 'open', consequence: string): unknown => {
  // A damaged file is not a condition to wait out: README "Integrity".
  if (isSqliteCorruption(error))
    return new IntegrityViolated(
      `event store ${action} failed: the SQLite file is damaged (${(error as { code?: string }).code ?? 'SQLITE_CORRUPT'}: ${(error as Error).message}); run targetwatch verify`,
      { code: (error as { code?: string }).code ?? 'SQLITE_CORRUPT' },
    )
  if (error instanceof Database.SqliteError && unavailableCodes.test(error.code)) {
    return new StoreUnavailable(`event store ${action} failed (${error.code}: ${error.message}); ${consequence}`, { code: error.code })
  }
  return error
}

export const createSqliteStore = (options: SqliteStoreOptions): SqliteEventStore => {
  const clock = options.clock ?? (() => new Date())
  let db: Database.Database
  try {
    db = openDatabase(options.file)
  } catch (error) {
    throw toStoreError(error, 'open', `cannot open ${options.file}`)
  }
  const sql = prepareStatements(db)
  const counters: SqliteStoreStats = { transactions: 0, appends: 0, events: 0 }
  let queue: PendingAppend[] = []
  let scheduled: NodeJS.Immediate | undefined
  let state: 'open' | 'closing' | 'closed' = 'open'
  let closing: Promise<void> | undefined

  const readRows = <T>(query: () => T): T => {
    if (state === 'closed') throw new StoreUnavailable('event store is closed')
    try {
      return query()
    } catch (error) {
      throw toStoreError(error, 'read', 'try again later')
    }
  }

  /** What the log knows about an id, for judging a possible retry. */
  const recordedIdentity = (stream: string, row: StreamRow | undefined) => (id: string): RecordedIdentity | undefined => {
    const found = sql.eventById.get(encodeEventId(id))
    if (found === undefined) return undefined
    const owner = found.stream_id === row?.id ? stream : (sql.streamName.get(found.stream_id) as string)
    return { stream: owner, type: found.type, dataJson: found.data, revision: found.revision, position: found.position }
  }

  // No SAVEPOINT per append (10-13 ms per 1,000 appends, issue 18 item 2): when an insert collides
  // with a recorded id, the rows this append wrote are deleted before the collision is judged.
  const writeEvents = (item: PendingAppend, row: StreamRow | undefined, recordedAts: string[]): number[] => {
    const { stream, prepared } = item
    const current = row?.revision ?? noStream
    let prevHash = row?.last_hash ?? genesisHash
    const chained = prepared.map(({ event, dataJson }, index) => {
      const revision = current + 1 + index
      const { hashVersion = currentHashVersion, ...given } = event.meta
      const metaFields = { ...given, prevHash, hashVersion }
      const recordedAt = recordedAts[index]
      const hash = eventHashOfCanonicalData(prevHash, { id: event.id, type: event.type, stream, revision, occurredAt: event.occurredAt, recordedAt, meta: metaFields }, dataJson)
      prevHash = hash
      return { revision, hash, meta: JSON.stringify(metaFields) }
    })
    const nextRevision = current + prepared.length
    // A new stream's row is written once, already at its last revision and hash.
    const streamId = row?.id ?? Number(sql.insertStream.run(stream, nextRevision, prevHash).lastInsertRowid)
    const positions: number[] = []
    try {
      prepared.forEach(({ event, dataJson }, index) => {
        const { revision, hash, meta } = chained[index]
        const packed = isPackedEventId(event.id) ? 1 : 0
        const fold = encodeFold(event.type, event.data)
        const inserted = sql.insertEvent.run(streamId, revision, packed, event.id, event.id, event.type, event.occurredAt, recordedAts[index], dataJson, meta, hash, fold)
        positions.push(Number(inserted.lastInsertRowid))
      })
    } catch (error) {
      if (isEventIdCollision(error)) {
        if (positions.length > 0) sql.deleteEventsFrom.run(positions[0])
        if (row === undefined) sql.deleteStream.run(streamId)
      }
      throw error
    }
    if (row !== undefined) sql.updateStream.run(nextRevision, prevHash, row.id)
    return positions
  }

  const appendOne = (item: PendingAppend, now: string, last: string): { result: AppendResult; count: number; last: string } => {
    const { stream, prepared, expected } = item
    const row = sql.streamByName.get(stream)
    const current = row?.revision ?? noStream
    const retried = () => judgeReplay(stream, prepared, recordedIdentity(stream, row))
    // A retry carries the expectation it was first sent with: it is judged as a replay first.
    if (!expectedRevisionHolds(expected, current)) {
      const replay = retried()
      if (replay !== null) return { result: replay, count: 0, last }
      checkExpectedRevision(stream, expected, current)
    }
    if (prepared.length === 0) return { result: { nextRevision: current, positions: [], idempotent: false }, count: 0, last }
    let stamped = last
    const recordedAts = prepared.map(({ recordedAt, event }) => (stamped = stampRecordedAt(recordedAt, now, stamped, event.id)))
    try {
      const positions = writeEvents(item, row, recordedAts)
      return { result: { nextRevision: current + prepared.length, positions, idempotent: false }, count: prepared.length, last: stamped }
    } catch (error) {
      // An id is already recorded: the same append again (idempotent), or a conflict.
      const replay = isEventIdCollision(error) ? retried() : null
      if (replay !== null) return { result: replay, count: 0, last }
      throw error
    }
  }

  const writeBatch = db.transaction((batch: PendingAppend[]): Outcome[] => {
    const now = clock().toISOString()
    let last = sql.lastRecordedAt.get() ?? ''
    return batch.map((item): Outcome => {
      try {
        const written = appendOne(item, now, last)
        last = written.last
        return { ok: true, result: written.result, count: written.count }
      } catch (error) {
        // Rule violations belong to one append; anything else (disk, I/O) aborts the whole batch.
        if (error instanceof DomainError) return { ok: false, error }
        throw error
      }
    })
  })

  const flush = () => {
    scheduled = undefined
    const batch = queue
    queue = []
    if (batch.length === 0) return
    let outcomes: Outcome[]
    const since = profilingStages ? stageNow() : 0n
    try {
      // IMMEDIATE takes the write lock up front, so another process cannot deadlock the upgrade.
      outcomes = writeBatch.immediate(batch)
    } catch (error) {
      const failure = toStoreError(error, 'write', `the batch of ${batch.length} append(s) was rolled back, nothing was written`)
      for (const item of batch) item.reject(failure)
      return
    }
    if (profilingStages) record('store.commit (loop blocked, per append)', since, batch.length)
    counters.transactions += 1
    counters.appends += batch.length
    let written = 0
    outcomes.forEach((outcome, index) => {
      if (outcome.ok) {
        written += outcome.count
        batch[index].resolve(outcome.result)
      } else batch[index].reject(outcome.error)
    })
    counters.events += written
    if (written > 0) subscriptions.notify()
  }

  const append = (stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> =>
    new Promise<AppendResult>((resolve, reject) => {
      if (state !== 'open') throw new StoreUnavailable('event store is closed')
      // Validation and canonical JSON happen here, outside the write transaction.
      const since = profilingStages ? stageNow() : 0n
      const prepared = prepareAppend(stream, events, expected)
      if (profilingStages) record('store.prepare', since)
      queue.push({ stream, prepared, expected, resolve, reject })
      scheduled ??= setImmediate(flush)
    })

  async function* readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    const row = readRows(() => sql.streamByName.get(stream))
    if (row === undefined) return
    let revision = options.fromRevision ?? 0
    let remaining = options.limit ?? Infinity
    while (remaining > 0) {
      const want = Math.min(pageSize, remaining)
      const rows = readRows(() => sql.streamPage.all(row.id, revision, want))
      for (const stored of rows) yield rowToEvent(stored, () => stream)
      if (rows.length < want) return
      revision += rows.length
      remaining -= rows.length
    }
  }

  /** Events after `from` (exclusive), at most `limit`, each with its stream name (joined, not cached). */
  const readPage = (from: number, limit: number, to = Number.MAX_SAFE_INTEGER): RecordedEvent[] =>
    readRows(() => sql.allPageNamed.all(from, to, limit)).map(namedRowToEvent)

  async function* readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    let from = options.from ?? 0
    const to = options.to ?? Number.MAX_SAFE_INTEGER
    let remaining = options.limit ?? Infinity
    while (remaining > 0) {
      const want = Math.min(pageSize, remaining)
      const events = readPage(from, want, to)
      for (const event of events) yield event
      if (events.length < want) return
      from = events[events.length - 1].position
      remaining -= events.length
    }
  }

  const head = async () => readRows(() => sql.head.get() as number)

  const positionAt = async (instant: string) => {
    const limit = toIsoInstant(instant, 'instant')
    // recordedAt is non-decreasing in position order, so a binary search over the rowid needs no index.
    let low = 0
    let high = await head()
    while (low < high) {
      const middle = Math.ceil((low + high) / 2)
      if ((readRows(() => sql.recordedAtOf.get(middle)) ?? '') <= limit) low = middle
      else high = middle - 1
    }
    return low
  }

  const subscriptions = createSubscriptions({ readAll, head, readPage })

  const close = () =>
    (closing ??= (async () => {
      state = 'closing'
      if (scheduled !== undefined) {
        clearImmediate(scheduled)
        flush()
      }
      await subscriptions.close()
      state = 'closed'
      db.close()
    })())

  return {
    kind: 'sqlite',
    append,
    readStream,
    readAll,
    subscribeAll: subscriptions.subscribe,
    head,
    positionAt,
    close,
    stats: () => ({ ...counters }),
    database: db,
  }
}
