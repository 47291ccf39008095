// The SQLite store with group commit: appends made while a group is being written are queued and
// written next as one transaction (one fsync), each judged on its own (sqlite-writer.ts), and
// resolve after COMMIT. The writer runs inline, on this thread, or on a thread of its own that
// owns the write connection (sqlite-writer-thread.ts); reads always use this thread's connection.
import type Database from 'better-sqlite3'
import { StoreUnavailable } from '../../domain/errors.ts'
import { prepareAppend, toIsoInstant } from './append-rules.ts'
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './port.ts'
import { toStoreError } from './sqlite-errors.ts'
import { mergeIdTail } from './sqlite-id-tail.ts'
import { openDatabase, prepareStatements } from './sqlite-schema.ts'
import { namedRowToEvent, rowToEvent } from './sqlite-rows.ts'
import { inlineWriter, type GroupResult, type SqliteWriter, type WriteRequest } from './sqlite-writer.ts'
import { threadWriter } from './sqlite-writer-thread.ts'
import { createSubscriptions } from './subscription.ts'
import { now as stageNow, profilingStages, record } from '../stage-profile.ts'

export interface SqliteStoreOptions {
  file: string
  clock?: () => Date
  /**
   * 'thread': the write connection and every COMMIT on a worker thread (the service's default,
   * TARGETWATCH_SQLITE_WRITER); 'inline' (the default here): on this thread. ':memory:' is inline.
   */
  writer?: 'inline' | 'thread'
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
  /** The read connection, for diagnostics and tests; never write through it. */
  readonly database: Database.Database
  /** Where writes run. */
  readonly writer: 'inline' | 'thread'
  /** Resolves once the write connection is open: at once inline; when the writer thread has opened the file. */
  writerReady(): Promise<void>
  /** A PRAGMA on the write connection (max_page_count, synchronous, cache_size), kept while the store is open. */
  writerPragma(source: string): Promise<unknown>
}

interface PendingAppend extends WriteRequest {
  resolve: (result: AppendResult) => void
  reject: (error: unknown) => void
}

const pageSize = 1000

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
  const writer: SqliteWriter = options.writer === 'thread' && options.file !== ':memory:' ? threadWriter(options.file) : inlineWriter(db)
  /** A group is with the writer; `drained` is called each time one is answered. */
  let writing = false
  let drained: (() => void) | undefined

  const readRows = <T>(query: () => T): T => {
    if (state === 'closed') throw new StoreUnavailable('event store is closed')
    try {
      return query()
    } catch (error) {
      throw toStoreError(error, 'read', 'try again later')
    }
  }

  /** Answers a written group's appends; one group is in flight at a time. */
  const settle = (group: PendingAppend[], result: GroupResult, since: bigint) => {
    if (profilingStages)
      if (writer.where === 'inline') record('store.commit (loop blocked, per append)', since, group.length)
      else record('store.commit (wait: writer thread, per group)', since)
    if ('failure' in result) {
      for (const item of group) item.reject(result.failure)
      return
    }
    counters.transactions += 1
    counters.appends += group.length
    let written = 0
    result.outcomes.forEach((outcome, index) => {
      if (outcome.ok) {
        written += outcome.count
        group[index].resolve(outcome.result)
      } else group[index].reject(outcome.error)
    })
    counters.events += written
    if (written > 0) subscriptions.notify()
  }

  const flush = () => {
    scheduled = undefined
    if (writing) return // the group in flight flushes again when it is answered
    const group = queue
    queue = []
    if (group.length === 0) return
    writing = true
    const since = profilingStages ? stageNow() : 0n
    writer.write(group, clock().toISOString(), (result) => {
      writing = false
      settle(group, result, since)
      if (queue.length > 0) flush()
      drained?.()
    })
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
      // Every append accepted before close is answered: the group in flight, then what queued behind it.
      while (writing || queue.length > 0) {
        await new Promise<void>((resolve) => (drained = resolve))
        drained = undefined
      }
      await writer.close()
      // At rest every id is in event_ids (the tail merged), so a later opening has no tail to
      // rebuild. A file this connection cannot write (read-only, busy) keeps its tail.
      try {
        mergeIdTail(db, sql)
      } catch {}
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
    writer: writer.where,
    writerReady: () => writer.ready(),
    writerPragma: (source) => {
      if (state === 'closed') return Promise.reject(new StoreUnavailable('event store is closed'))
      return writer.pragma(source)
    },
  }
}
