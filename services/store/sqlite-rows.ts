// Conversions between RecordedEvent and the compact row layout of sqlite-schema.ts.
import type { EventMeta, RecordedEvent } from './port.ts'

const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * Lowercase canonical uuids become 16 bytes; any other id stays text. Text and blob never
 * compare equal in SQLite, and only the exact lowercase form is packed, so ids round-trip.
 */
export const encodeEventId = (id: string): Buffer | string =>
  canonicalUuid.test(id) ? Buffer.from(id.replaceAll('-', ''), 'hex') : id

export const hashToBlob = (hex: string): Buffer => Buffer.from(hex, 'hex')

type EventRow = [number, number, number, string, string, string, string, string, string, string]

/**
 * A raw row in the column order of eventColumns (event id and hash already as text);
 * streamName resolves the integer stream id.
 */
export const rowToEvent = (row: unknown[], streamName: (id: number) => string): RecordedEvent => {
  const [position, streamId, revision, eventId, type, occurredAt, recordedAt, data, meta, hash] = row as EventRow
  // meta holds prevHash; the hash lives only in its own column, so it is not stored twice.
  const parsedMeta = JSON.parse(meta) as EventMeta
  parsedMeta.hash = hash
  return {
    id: eventId,
    type,
    stream: streamName(streamId),
    revision,
    position,
    occurredAt,
    recordedAt,
    data: JSON.parse(data),
    meta: parsedMeta,
  }
}
