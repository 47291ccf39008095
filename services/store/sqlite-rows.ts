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

type EventRow = [number, number, number, string, string, string, string, string, string, string?]

/** The event id and the hash from the statements' one column for both (sqlite-schema.ts). */
const splitIdAndHash = (text: string): { id: string; hash: string } => {
  if (text.charCodeAt(0) === 58) return { hash: text.slice(1, 65).toLowerCase(), id: text.slice(65) }
  const hex = text.toLowerCase()
  return { id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`, hash: hex.slice(32) }
}

/**
 * A raw row in the column order of eventColumns; its stream name comes from a tenth column when
 * the query joined it, else from streamName.
 */
export const rowToEvent = (row: unknown[], streamName: (id: number) => string): RecordedEvent => {
  const [position, streamId, revision, type, occurredAt, recordedAt, data, meta, idAndHash, name] = row as EventRow
  const { id, hash } = splitIdAndHash(idAndHash)
  // meta holds prevHash; the hash lives only in its own column, so it is not stored twice.
  const parsedMeta = JSON.parse(meta) as EventMeta
  parsedMeta.hash = hash
  return {
    id,
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
