// One port event <-> one EventStoreDB record. The record keeps the event's data as JSON and an
// envelope in its metadata: the port's id (when it is not a uuid), occurredAt, an imported
// recordedAt, and the port's meta with the hash chain (prevHash, hash) computed here, exactly as
// the embedded stores compute it (hashing.ts), so an auditor verifies every backend alike.
import { createHash } from 'node:crypto'
import type { EventData, JSONType, RecordedEvent as EsdbRecord } from '@eventstore/db-client'
import { StoreUnavailable } from '../../../domain/errors.ts'
import type { PreparedEvent } from '../append-rules.ts'
import { eventHashOfCanonicalData } from '../hashing.ts'
import type { EventMeta, RecordedEvent } from '../port.ts'
import { encodePosition } from './positions.ts'

/** Streams that hold the event-id reservations (reservations.ts): never part of the log. */
export const reservationPrefix = 'tw~eventid-'

/** The log is every stream but EventStoreDB's own ($-prefixed) and the id reservations. */
export const isLogStream = (stream: string): boolean => !stream.startsWith('$') && !stream.startsWith(reservationPrefix)

/**
 * The same rule as a server-side stream-name filter for subscriptions to $all (.NET regex, so
 * the lookahead is supported); the adapter still checks isLogStream on what arrives.
 */
export const logStreamRegex = '^(?!\\$|tw~eventid-)'

const canonicalUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * EventStoreDB event ids are uuids. A lowercase canonical uuid is used as it is (so the server's
 * own duplicate check sees the caller's id); any other id maps to a name-based uuid (version 8,
 * RFC 9562) from its SHA-256, and the record keeps the original in its envelope.
 */
export const esdbEventId = (id: string): string => {
  if (canonicalUuid.test(id)) return id
  const bytes = createHash('sha256').update(`targetwatch event id\u0000${id}`, 'utf8').digest().subarray(0, 16)
  bytes[6] = (bytes[6] & 0x0f) | 0x80
  bytes[8] = (bytes[8] & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** The metadata of every record this adapter writes to the log. */
export interface Envelope {
  /** Layout version; a record without it was not written by targetwatch. */
  tw: 1
  /** The port's id, when it differs from the record's uuid. */
  id?: string
  occurredAt: string
  /** Kept from an import; otherwise the server's `created` is the recordedAt. */
  recordedAt?: string
  meta: EventMeta
  /** EventStoreDB's own correlation names, so its $by_correlation_id projection works too. */
  $correlationId?: string
  $causationId?: string
}

const isEnvelope = (value: unknown): value is Envelope =>
  typeof value === 'object' && value !== null && (value as Envelope).tw === 1 &&
  typeof (value as Envelope).occurredAt === 'string' && typeof (value as Envelope).meta === 'object' && (value as Envelope).meta !== null

export interface ChainedRecord {
  record: EventData
  hash: string
}

/** The record to append for `prepared` at `revision` of `stream`, chained to `prevHash`. */
export const toEsdbRecord = (prepared: PreparedEvent, stream: string, revision: number, prevHash: string): ChainedRecord => {
  const { event, dataJson, recordedAt } = prepared
  // Version 2 covers recordedAt, which EventStoreDB stamps (`created`) only after the hash is
  // made: records keep version 1 unless an import brings its own recordedAt.
  const { hashVersion: asked, ...given } = JSON.parse(JSON.stringify(event.meta)) as Omit<EventMeta, 'prevHash' | 'hash'>
  const hashVersion = recordedAt !== undefined ? (asked ?? 2) : 1
  const chained = { ...given, prevHash, hashVersion }
  const fields = { id: event.id, type: event.type, stream, revision, occurredAt: event.occurredAt, recordedAt, meta: chained }
  const hash = eventHashOfCanonicalData(prevHash, fields, dataJson)
  const meta: EventMeta = { ...chained, hash }
  const recordId = esdbEventId(event.id)
  const envelope: Envelope = { tw: 1, occurredAt: event.occurredAt, meta }
  if (recordId !== event.id) envelope.id = event.id
  if (recordedAt !== undefined) envelope.recordedAt = recordedAt
  if (meta.correlationId !== undefined) envelope.$correlationId = meta.correlationId
  if (meta.causationId !== undefined) envelope.$causationId = meta.causationId
  // Parsed from the canonical text, so the client's JSON.stringify writes exactly that text.
  // Any JSON value is stored (the client's JSONType is narrower than what it serialises).
  const data = JSON.parse(dataJson) as JSONType
  return { hash, record: { id: recordId, contentType: 'application/json', type: event.type, data, metadata: envelope } as unknown as EventData }
}

/**
 * The port's event for a record read from EventStoreDB, or null for what is not part of the log:
 * system and reservation streams, and records that targetwatch did not write.
 */
export const fromEsdbRecord = (record: EsdbRecord | undefined): RecordedEvent | null => {
  if (record === undefined || !isLogStream(record.streamId) || !record.isJson || !isEnvelope(record.metadata)) return null
  if (record.position === undefined) {
    throw new StoreUnavailable('EventStoreDB returned a record without its $all position: targetwatch needs server 22.10 or later')
  }
  const envelope = record.metadata
  return {
    id: envelope.id ?? record.id,
    type: record.type,
    stream: record.streamId,
    revision: Number(record.revision),
    position: encodePosition(record.position),
    occurredAt: envelope.occurredAt,
    recordedAt: envelope.recordedAt ?? record.created.toISOString(),
    data: record.data,
    meta: envelope.meta,
  }
}
