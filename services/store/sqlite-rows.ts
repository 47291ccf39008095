// Conversions between RecordedEvent and the compact row layout of sqlite-schema.ts.
import type { EventMeta, RecordedEvent } from './port.ts'

const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Lowercase canonical uuids are stored as 16 bytes; any other id stays text. Text and blob never
 * compare equal in SQLite, and only the exact lowercase form is packed, so ids round-trip.
 */
export const isPackedEventId = (id: string): boolean => canonicalUuid.test(id)

/** The stored form of an id, for lookups. */
export const encodeEventId = (id: string): Buffer | string => (isPackedEventId(id) ? Buffer.from(id.replaceAll('-', ''), 'hex') : id)

export const hashToBlob = (hex: string): Buffer => Buffer.from(hex, 'hex')

/** An id as the statements read it (sqlite-schema.ts): 32 hex digits of a packed uuid, or ':' + a text id. */
const decodeEventId = (text: string): string =>
  text.charCodeAt(0) === 58
    ? text.slice(1)
    : `${text.slice(0, 8)}-${text.slice(8, 12)}-${text.slice(12, 16)}-${text.slice(16, 20)}-${text.slice(20)}`

type EventRow = [number, number, number, string, string, string, string, string, string, string, string?]

/**
 * A raw row in the column order of eventColumns (event id and hash already as text); its stream
 * name comes from an eleventh column when the query joined it, else from streamName.
 */
export const rowToEvent = (row: unknown[], streamName: (id: number) => string): RecordedEvent => {
  const [position, streamId, revision, eventId, type, occurredAt, recordedAt, data, meta, hash, name] = row as EventRow
  // meta holds prevHash; the hash lives only in its own column, so it is not stored twice.
  const parsedMeta = JSON.parse(meta) as EventMeta
  parsedMeta.hash = hash
  return {
    id: decodeEventId(eventId),
    type,
    stream: name ?? streamName(streamId),
    revision,
    position,
    occurredAt,
    recordedAt,
    data: JSON.parse(data),
    meta: parsedMeta,
  }
}

/** rowToEvent for rows that carry their stream's name (allPageNamed). */
export const namedRowToEvent = (row: unknown[]): RecordedEvent => rowToEvent(row, missingName)

const missingName = (id: number): string => {
  throw new Error(`stream id ${id}: the row carries no stream name`)
}
