// The SQLite store with group commit: appends made in one event-loop turn are written in one
// transaction (one fsync), each judged on its own inside a savepoint, and resolve after COMMIT.
import Database from 'better-sqlite3'
import { DomainError, StoreUnavailable } from '../../domain/errors.ts'
import { checkExpectedRevision, judgeReplay, noStream, prepareAppend, stampRecordedAt, toIsoInstant, type PreparedEvent } from './append-rules.ts'
import { eventHashOfCanonicalData, genesisHash } from './hashing.ts'
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './port.ts'
import { openDatabase, prepareStatements } from './sqlite-schema.ts'
import { encodeEventId, hashToBlob, rowToEvent } from './sqlite-rows.ts'
import { createSubscriptions } from './subscription.ts'

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

const pageSize = 1000
const genesisBlob = hashToBlob(genesisHash)
// Conditions of the disk or the file, not of the request: the client may retry later (503).
const unavailableCodes = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|BUSY|LOCKED|NOMEM|CORRUPT|NOTADB|PROTOCOL)/

const toStoreError = (error: unknown, action: 'write' | 'read' | 'open', consequence: string): unknown => {
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
  // Filled only from committed rows (reads never run inside a write), so a rolled-back stream id cannot linger.
  const streamNames = new Map<number, string>()
  let queue: PendingAppend[] = []
  let scheduled: NodeJS.Immediate | undefined
  let state: 'open' | 'closing' | 'closed' = 'open'
  let closing: Promise<void> | undefined

  const streamName = (id: number): string => {
    let name = streamNames.get(id)
    if (name === undefined) {
      name = sql.streamName.get(id) as string
      streamNames.set(id, name)
    }
    return name
  }

  const readRows = <T>(query: () => T): T => {
    if (state === 'closed') throw new StoreUnavailable('event store is closed')
    try {
      return query()
    } catch (error) {
      throw toStoreError(error, 'read', 'try again later')
    }
  }

  // A nested db.transaction is a SAVEPOINT: an append that throws is undone alone.
  const appendOne = db.transaction((item: PendingAppend, now: string, last: string) => {
    const { stream, prepared, expected } = item
    const row = sql.streamByName.get(stream)
    const replay = judgeReplay(stream, prepared, (id) => {
      const found = sql.eventById.get(encodeEventId(id))
      if (found === undefined) return undefined
      const owner = found.stream_id === row?.id ? stream : (sql.streamName.get(found.stream_id) as string)
      return { stream: owner, type: found.type, dataJson: found.data, revision: found.revision, position: found.position }
    })
    if (replay !== null) return { result: replay, count: 0, last }
    const current = row?.revision ?? noStream
    checkExpectedRevision(stream, expected, current)
    if (prepared.length === 0) return { result: { nextRevision: current, positions: [], idempotent: false }, count: 0, last }
    const recordedAts = prepared.map(({ recordedAt, event }) => (last = stampRecordedAt(recordedAt, now, last, event.id)))
    const streamId = row?.id ?? Number(sql.insertStream.run(stream, genesisBlob).lastInsertRowid)
    let prevHash = row === undefined ? genesisHash : row.last_hash.toString('hex')
    const positions = prepared.map(({ event, dataJson }, index) => {
      const revision = current + 1 + index
      const fields = { id: event.id, type: event.type, stream, revision, occurredAt: event.occurredAt }
      const hash = eventHashOfCanonicalData(prevHash, fields, dataJson)
      const meta = JSON.stringify({ ...event.meta, prevHash })
      const inserted = sql.insertEvent.run(streamId, revision, encodeEventId(event.id), event.type, event.occurredAt, recordedAts[index], dataJson, meta, hashToBlob(hash))
      prevHash = hash
      return Number(inserted.lastInsertRowid)
    })
    const nextRevision = current + prepared.length
    sql.updateStream.run(nextRevision, hashToBlob(prevHash), streamId)
    return { result: { nextRevision, positions, idempotent: false }, count: prepared.length, last }
  })

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
    try {
      // IMMEDIATE takes the write lock up front, so another process cannot deadlock the upgrade.
      outcomes = writeBatch.immediate(batch)
    } catch (error) {
      const failure = toStoreError(error, 'write', `the batch of ${batch.length} append(s) was rolled back, nothing was written`)
      for (const item of batch) item.reject(failure)
      return
    }
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
      queue.push({ stream, prepared: prepareAppend(stream, events, expected), expected, resolve, reject })
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

  async function* readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    let from = options.from ?? 0
    const to = options.to ?? Number.MAX_SAFE_INTEGER
    let remaining = options.limit ?? Infinity
    while (remaining > 0) {
      const want = Math.min(pageSize, remaining)
      const rows = readRows(() => sql.allPage.all(from, to, want))
      for (const stored of rows) yield rowToEvent(stored, streamName)
      if (rows.length < want) return
      from = rows[rows.length - 1][0] as number
      remaining -= rows.length
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

  const subscriptions = createSubscriptions({ readAll, head })

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
