// Reads of the PostgreSQL store: pages of the log in position order, a stream in revision order,
// the head (the one-row log_head, committed with the events), and positionAt by binary search.
import type pg from 'pg'
import { toIsoInstant } from '../append-rules.ts'
import type { EventMeta, Position, ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../port.ts'
import { toStoreError } from './errors.ts'
import { sql } from './schema.ts'

const pageSize = 1000

interface EventRow {
  position: string
  revision: string
  event_id: string
  type: string
  occurred_at: string
  recorded_at: string
  data: string
  meta: string
  hash: string
  stream: string
}

const rowToEvent = (row: EventRow): RecordedEvent => {
  // meta holds prevHash; the hash lives only in its own column, so it is not stored twice.
  const meta = JSON.parse(row.meta) as EventMeta
  meta.hash = row.hash
  return {
    id: row.event_id,
    type: row.type,
    stream: row.stream,
    revision: Number(row.revision),
    position: Number(row.position),
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    data: JSON.parse(row.data),
    meta,
  }
}

export type Queryable = Pick<pg.Pool, 'query'>

const query = async <T extends pg.QueryResultRow>(db: Queryable, text: string, values: unknown[]): Promise<T[]> => {
  try {
    return (await db.query<T>(text, values)).rows
  } catch (error) {
    throw toStoreError(error, 'read', 'try again later')
  }
}

/** Events after `from` (exclusive) up to `to` (inclusive), at most `limit`. */
export const readPage = async (db: Queryable, from: Position, limit: number, to = Number.MAX_SAFE_INTEGER): Promise<RecordedEvent[]> =>
  (await query<EventRow>(db, sql.allPage, [from, to, limit])).map(rowToEvent)

export async function* readAllEvents(db: Queryable, options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
  let from = options.from ?? 0
  const to = options.to ?? Number.MAX_SAFE_INTEGER
  let remaining = options.limit ?? Infinity
  while (remaining > 0) {
    const want = Math.min(pageSize, remaining)
    const events = await readPage(db, from, want, to)
    for (const event of events) yield event
    if (events.length < want) return
    from = events[events.length - 1].position
    remaining -= events.length
  }
}

/** Every event of each stream named, in one query (streams without events map to []). */
export const readStreamsWhole = async (db: Queryable, streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> => {
  const histories = new Map<string, RecordedEvent[]>(streams.map((stream) => [stream, []]))
  if (streams.length === 0) return histories
  for (const row of await query<EventRow>(db, sql.streamsWhole, [streams])) histories.get(row.stream)?.push(rowToEvent(row))
  return histories
}

export async function* readStreamEvents(db: Queryable, stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
  let revision = options.fromRevision ?? 0
  let remaining = options.limit ?? Infinity
  while (remaining > 0) {
    const want = Math.min(pageSize, remaining)
    const rows = await query<EventRow>(db, sql.streamPage, [stream, revision, want])
    for (const row of rows) yield rowToEvent(row)
    if (rows.length < want) return
    revision += rows.length
    remaining -= rows.length
  }
}

export const readHead = async (db: Queryable): Promise<Position> => Number((await query<{ position: string }>(db, sql.head, []))[0]?.position ?? 0)

/** recordedAt never decreases along the log, so the last position at or before an instant is a partition point. */
export const readPositionAt = async (db: Queryable, instant: string): Promise<Position> => {
  const limit = toIsoInstant(instant, 'instant')
  let low = 0
  let high = await readHead(db)
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    const [row] = await query<{ recorded_at: string }>(db, sql.recordedAtOf, [middle])
    if ((row?.recorded_at ?? '') <= limit) low = middle
    else high = middle - 1
  }
  return low
}
