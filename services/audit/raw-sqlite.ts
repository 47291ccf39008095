// Read-only access to the SQLite log file itself, for verify, export and replay: a connection
// of our own (never the store's), small page cache, and a bounded cache of stream names, so
// memory stays flat however long the log. A read transaction per page, not one for the whole
// read, so that a long read beside a live writer does not hold the WAL back (docs/ARCHITECTURE.md,
// section 3, "Reading beside the writer").
// Statements and row decoding come from the store's own modules (sqlite-schema.ts,
// sqlite-rows.ts), so a change of layout there reaches here.
import Database from 'better-sqlite3'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { StoreUnavailable } from '../../domain/errors.ts'
import type { Position, RecordedEvent } from '../store/port.ts'
import { rowToEvent } from '../store/sqlite-rows.ts'
import { encodeFold } from '../../projections/compact-facts.ts'
import { isSqliteCorruption } from '../store/sqlite-corruption.ts'
import { tailKeyOfStored } from '../store/sqlite-id-tail.ts'
import { prepareStatements, schemaVersion } from '../store/sqlite-schema.ts'

// Small on purpose: what is alive at a scavenge gets promoted, and promoted garbage is what made
// peak RSS grow with the log (a 10,000-name cache churned by a million streams: 193 MiB at 1M
// events; these sizes: 142 MiB, about the process's own 116 MiB plus the pages in flight).
const pageSize = 200
const streamNameCacheSize = 512

/** One stored row in position order: its event, or why it cannot be decoded. */
export interface RawItem {
  position: Position
  event: RecordedEvent | null
  problem?: string
  /** The stored fold is not encode(data): the derived column was edited (docs/ARCHITECTURE.md, "The fold column"). */
  foldProblem?: string
}

export interface StreamRow {
  id: number
  name: string
  revision: number
  lastHash: string
}

/** What a chain link needs of one stored event. */
export interface ChainRow {
  position: Position
  streamId: number
  revision: number
  /** meta.prevHash, or null when the row's meta cannot be read. */
  prevHash: string | null
  hash: string
  /** Whether the event-id index (event_ids, or the tail) finds this row (what idempotent appends rely on). */
  indexed: boolean
}

/** The UNIQUE constraint's index on streams.name (SQLite names it after the table and the constraint's place). */
const streamNameIndex = 'sqlite_autoindex_streams_1'
const namePage = 2000
// 52 bits, so a running sum of two stays below 2^53 and exact whatever the order it is added in.
const pairHashModulus = 2 ** 52

/** cyrb53 (a public-domain string hash) of the pair, cut to 52 bits: detects damage, not an adversary (the chains and the tree do that). */
const pairHash = (name: string, id: number): number => {
  const text = `${id}:${name}`
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return 4294967296 * (1048575 & h2) + (h1 >>> 0)
}

/** SQLite's BINARY order of two texts: their UTF-8 bytes compared (UTF-16 code units order them alike below U+D800). */
const compareUtf8 = (a: string, b: string): number => {
  if (/[\ud800-\uffff]/.test(a) || /[\ud800-\uffff]/.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b))
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * A page of the chains (chainPages), read in one transaction with what it is compared against:
 * `streams`, the streams rows of every id from the previous page's last stream (exclusive) up to
 * this page's last one; `carried`, the previous page's last stream again, as this transaction sees
 * it (its rows may go on in this page, and its revision with them).
 */
export interface ChainPage {
  rows: ChainRow[]
  streams: StreamRow[]
  carried?: StreamRow
}

/**
 * Opens the log read-only. Each page is read in a transaction of its own: no checkpoint can pass
 * a reader's snapshot, so a read of minutes in one snapshot beside a live writer grew the WAL by
 * every page written meanwhile (~40 MB a second under full ingest). Rows up to a head once read
 * never change, so reads bounded by a head (by default the head at open) return what one
 * snapshot would; what moves (a stream's revision and last hash, the event-id tail) is read in
 * the same transaction as the rows it is compared with (chainPages).
 */
export const openRawLog = (file: string) => {
  let db: Database.Database
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
  } catch (error) {
    throw new StoreUnavailable(`cannot open ${file} read-only: ${(error as Error).message}`)
  }
  const version = db.pragma('user_version', { simple: true }) as number
  if (version !== schemaVersion) {
    db.close()
    const upgrade =
      version < schemaVersion
        ? ': the service upgrades a file in place when it opens it (`targetwatch serve` on its data dir, once), and this read-only reader does not'
        : ': it was written by a newer build'
    throw new StoreUnavailable(`${file} has layout version ${version}; this build reads version ${schemaVersion}${upgrade}`)
  }
  db.pragma('cache_size = -8192')
  const sql = prepareStatements(db)
  const streamColumns = 'id, name, revision, lower(hex(last_hash)) AS lastHash'
  const streamsBetween = db.prepare<[number, number], StreamRow>(`SELECT ${streamColumns} FROM streams WHERE id > ? AND id <= ? ORDER BY id`)
  const streamById = db.prepare<[number], StreamRow>(`SELECT ${streamColumns} FROM streams WHERE id = ?`)
  const lastStreamId = db.prepare<[], number>('SELECT coalesce(max(id), 0) FROM streams').pluck()
  // The chains in (stream_id, revision) order, one keyset-paged scan of the UNIQUE (stream_id,
  // revision) index: a query per page, not per stream. Only what linkage needs: no data.
  const chainPage = db
    .prepare<[number, number, number], [number, number, number, string, string, Buffer | string]>(
      'SELECT position, stream_id, revision, meta, lower(hex(hash)), event_id FROM events WHERE (stream_id, revision) > (?, ?) ORDER BY stream_id, revision LIMIT ?',
    )
    .raw()
  // Idempotency looks ids up in event_ids: a damaged table would let a duplicate in. The rows not
  // merged into it yet (the tail, after event_ids_merged; services/store/sqlite-id-tail.ts) are
  // found by the writer in memory: their ids must not be in event_ids already, nor twice in the tail.
  const tailIds = new Map<string, number>()
  const idFound = (eventId: Buffer | string, position: number, merged: boolean): boolean => {
    const found = sql.mergedPositionOf.get(eventId)
    if (merged) return found === position
    const key = tailKeyOfStored(eventId)
    const earlier = tailIds.get(key)
    tailIds.set(key, position)
    return found === undefined && (earlier === undefined || earlier === position)
  }
  // The derived fold column of a page of positions, compared with encode(data) of each row.
  const foldPage = db.prepare<[number, number], [number, string | null]>('SELECT position, fold FROM events WHERE position > ? AND position <= ?').raw()
  const checkFolds = (items: RawItem[]): RawItem[] => {
    if (items.length === 0) return items
    const stored = new Map(foldPage.all(items[0]!.position - 1, items[items.length - 1]!.position))
    for (const item of items) {
      if (!item.event) continue
      const expected = encodeFold(item.event.type, item.event.data)
      const fold = stored.get(item.position) ?? null
      if (fold !== expected) item.foldProblem = `the stored fold ${JSON.stringify(fold)} is not the one its data gives (${JSON.stringify(expected)}): the derived fold column was changed`
    }
    return items
  }
  /** One page's read transaction, for a page that runs more than one statement (a single statement is a transaction of its own). */
  const read = <T>(page: () => T): T => {
    // A read transaction takes its snapshot at its first read, inside `page`; ending it writes
    // nothing, so ROLLBACK ends it alike whether the page was read or met a damaged part.
    db.exec('BEGIN')
    try {
      return page()
    } finally {
      try {
        db.exec('ROLLBACK')
      } catch (error) {
        if (!isSqliteCorruption(error)) throw error
      }
    }
  }

  // The head a read without a bound stops at: the first such read's (the log as of then).
  let firstHead: Position | undefined
  const defaultTo = (): Position => (firstHead ??= sql.head.get() as number)

  const names = new Map<number, string>()
  const streamName = (id: number): string => {
    let name = names.get(id)
    if (name === undefined) {
      name = sql.streamName.get(id) as string | undefined
      if (name === undefined) throw new Error(`stream id ${id} has no row in the streams table`)
      if (names.size >= streamNameCacheSize) names.clear()
      names.set(id, name)
    }
    return name
  }

  const decode = (row: unknown[], name: (id: number) => string): RawItem => {
    const position = row[0] as number
    try {
      return { position, event: rowToEvent(row, name) }
    } catch (error) {
      return { position, event: null, problem: `the stored row cannot be read: ${(error as Error).message}` }
    }
  }

  /**
   * A window of positions read one at a time, after a page of them met a damaged part of the
   * file: every position that cannot be read is named, the readable ones around it are kept.
   */
  function* probe(after: Position, to: Position, cause: Error): Generator<RawItem> {
    for (let position = after + 1; position <= Math.min(after + pageSize, to); position += 1) {
      let decoded: RawItem[]
      try {
        decoded = read(() => sql.allPage.all(position - 1, position, 1).map((row) => decode(row, streamName)))
      } catch (error) {
        if (!isSqliteCorruption(error)) throw error
        yield { position, event: null, problem: `the SQLite page holding it is damaged (${cause.message})` }
        continue
      }
      yield* decoded
    }
  }

  /** Rows with from < position <= to, in position order; yields to the event loop between pages. */
  async function* items(from: Position = 0, to: Position = defaultTo()): AsyncGenerator<RawItem> {
    let after = from
    for (;;) {
      let page: RawItem[]
      try {
        page = read(() => checkFolds(sql.allPage.all(after, to, pageSize).map((row) => decode(row, streamName))))
      } catch (error) {
        if (!isSqliteCorruption(error)) throw error
        yield* probe(after, to, error as Error)
        after = Math.min(after + pageSize, to)
        if (after >= to) return
        await yieldToLoop()
        continue
      }
      yield* page
      if (page.length < pageSize) return
      after = page[page.length - 1].position
      await yieldToLoop()
    }
  }

  /**
   * Decodable events a page at a time (export): one await per page, not per event, stream names
   * joined by the store's own query. (Verify keeps allPage: a join would hide an event whose
   * streams row was removed.)
   */
  async function* readPages(options: { from?: Position; to?: Position } = {}): AsyncGenerator<RecordedEvent[]> {
    let after = options.from ?? 0
    const to = options.to ?? defaultTo()
    for (;;) {
      const events = read(() =>
        sql.allPageNamed.all(after, to, pageSize).map((row) => {
          const item = decode(row, streamName)
          if (!item.event) throw new StoreUnavailable(`position ${item.position}: ${item.problem}`)
          return item.event
        }),
      )
      yield events
      if (events.length < pageSize) return
      after = events[events.length - 1].position
      await yieldToLoop()
    }
  }

  /** Decodable events only (export, replay): a row that cannot be read stops the read. */
  async function* readAll(options: { from?: Position; to?: Position } = {}): AsyncGenerator<RecordedEvent> {
    for await (const item of items(options.from, options.to)) {
      if (!item.event) throw new StoreUnavailable(`position ${item.position}: ${item.problem}`)
      yield item.event
    }
  }

  /** One stream by revision (the UNIQUE (stream_id, revision) index), up to the position `to`. */
  async function* streamItems(streamId: number, name: string, to: Position): AsyncGenerator<RawItem> {
    let revision = 0
    for (;;) {
      const rows = sql.streamPage.all(streamId, revision, pageSize)
      for (const row of rows) {
        // Positions rise with revisions: the rows after `to` were appended after it.
        if ((row[0] as number) > to) return
        yield decode(row, () => name)
      }
      if (rows.length < pageSize) return
      revision = (rows[rows.length - 1][2] as number) + 1
      await yieldToLoop()
    }
  }

  /**
   * Every event's link fields in (stream, revision) order, a page at a time, each page with the
   * streams rows it is compared against, read in the same transaction (ChainPage). The last
   * stream of a page may go on in the next one, so its row comes again there as `carried`: the
   * row a stream is finished against is always read with the page that shows where it ends.
   */
  async function* chainPages(): AsyncGenerator<ChainPage> {
    let after: [number, number] = [0, -1]
    // Streams rows are given for ids up to here; the last page's stream may go on.
    let covered = 0
    for (;;) {
      const page = read((): ChainPage & { last: boolean } => {
        const mergedThrough = sql.mergedThrough.get() as number
        const found = chainPage.all(after[0], after[1], pageSize)
        const rows = found.map(([position, streamId, revision, meta, hash, eventId]): ChainRow => {
          let prevHash: string | null = null
          try {
            prevHash = (JSON.parse(meta) as { prevHash?: string }).prevHash ?? null
          } catch {
            // an unreadable row is reported by the position-order pass
          }
          return { position, streamId, revision, prevHash, hash, indexed: idFound(eventId, position, position <= mergedThrough) }
        })
        const last = found.length < pageSize
        const carried = covered > 0 ? streamById.get(covered) : undefined
        const through = last ? (lastStreamId.get() as number) : rows[rows.length - 1].streamId
        const streams = through > covered ? streamsBetween.all(covered, through) : []
        covered = Math.max(covered, through)
        return { rows, streams, ...(carried ? { carried } : {}), last }
      })
      yield page
      if (page.last) return
      const last = page.rows[page.rows.length - 1]
      after = [last.streamId, last.revision]
      await yieldToLoop()
    }
  }

  async function* readStream(name: string): AsyncGenerator<RecordedEvent> {
    const to = defaultTo()
    const row = sql.streamByName.get(name)
    if (!row) return
    for await (const item of streamItems(row.id, name, to)) if (item.event) yield item.event
  }

  const head = (): Position => sql.head.get() as number

  /** The highest stream id: streams rows are never renamed nor renumbered, so those up to it stay as they are. */
  const streamIdsThrough = (): number => lastStreamId.get() as number

  /** The stream id the stream-name index finds for `name` (what every read by stream goes through). */
  const streamIdByName = (name: string): number | undefined => (sql.streamByName.get(name) as { id: number } | undefined)?.id

  /**
   * Whether the stream-name index finds every stream, from two scans instead of a lookup per
   * stream (a lookup per stream was a fifth of a scrub): the index's entries, in its own order,
   * must rise strictly by name (a search down a b-tree whose in-order entries are sorted finds
   * every entry) and be the streams table's (name, id) pairs, compared as a count and an
   * order-free sum of a 52-bit hash of each pair. False also when the index cannot be read; then
   * the caller looks each stream up to say which one it does not find. Both scans count the
   * streams up to the highest id at their start, so that streams created meanwhile (each page is
   * read in a snapshot of its own) are in neither sum.
   */
  const streamNameIndexSound = async (): Promise<boolean> => {
    try {
      const through = streamIdsThrough()
      const byName = db
        .prepare<[string, number], [string, number]>(`SELECT name, id FROM streams INDEXED BY ${streamNameIndex} WHERE name > ? ORDER BY name LIMIT ?`)
        .raw()
      const byId = db.prepare<[number, number, number], [number, string]>('SELECT id, name FROM streams WHERE id > ? AND id <= ? ORDER BY id LIMIT ?').raw()
      let indexSum = 0
      let indexCount = 0
      // From '': streams have non-empty names (an empty one in the table alone would fail the sums).
      let previous = ''
      for (;;) {
        const rows = byName.all(previous, namePage)
        for (const [name, id] of rows) {
          if (compareUtf8(previous, name) >= 0) return false
          previous = name
          if (id > through) continue
          indexSum = (indexSum + pairHash(name, id)) % pairHashModulus
          indexCount += 1
        }
        if (rows.length < namePage) break
        await yieldToLoop()
      }
      let tableSum = 0
      let tableCount = 0
      for (let after = 0; ; ) {
        const rows = byId.all(after, through, namePage)
        for (const [id, name] of rows) {
          tableSum = (tableSum + pairHash(name, id)) % pairHashModulus
          tableCount += 1
        }
        if (rows.length < namePage) break
        after = rows[rows.length - 1][0]
        await yieldToLoop()
      }
      return indexSum === tableSum && indexCount === tableCount
    } catch (error) {
      if (isSqliteCorruption(error) || /no such index/.test((error as Error).message)) return false
      throw error
    }
  }

  /** Whether the row at `position` exists and can be read (throws SQLITE_CORRUPT when its page is damaged). */
  const readable = (position: Position): boolean => sql.allPage.all(position - 1, position, 1).length === 1

  /** Last position recorded at or before `instant` (recordedAt never decreases along the log). */
  const positionAt = (instant: string): Position =>
    read(() => {
      const limit = new Date(instant).toISOString()
      let low = 0
      let high = sql.head.get() as number
      while (low < high) {
        const middle = Math.ceil((low + high) / 2)
        if ((sql.recordedAtOf.get(middle) ?? '') <= limit) low = middle
        else high = middle - 1
      }
      return low
    })

  return {
    file,
    items,
    readAll,
    readPages,
    chainPages,
    readStream,
    head,
    streamIdsThrough,
    readable,
    streamIdByName,
    streamNameIndexSound,
    positionAt,
    close: () => {
      if (!db.open) return
      db.close()
    },
  }
}

export type RawLog = ReturnType<typeof openRawLog>
