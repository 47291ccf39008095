// Per-stream hash chains (docs/ARCHITECTURE.md, "Event store port"). The hash input is canonical
// JSON so that every backend, and an auditor with nothing but the events, computes the same bytes.
// Two versions (README, "Hash versions"): v1 covers id, type, stream, revision, occurredAt and
// data; v2 covers every recorded field: also recordedAt and the whole meta (principal, requestId,
// schemaVersion, correlation, prevHash, hashVersion). Each event's meta.hashVersion names its
// version (absent: 1, logs written before v2), so old logs still verify under the rules they used.
import { hash } from 'node:crypto'
import { canonicalJson, canonicalJsonMerged } from '../../domain/canonical-json.ts'
import type { EventMeta, RecordedEvent } from './port.ts'

export { canonicalJson }

/** prevHash of the first event of every stream. */
export const genesisHash = '0'.repeat(64)

export type HashVersion = 1 | 2

/** The version the embedded stores write. */
export const currentHashVersion: HashVersion = 2

/** The version an event's hash was computed with: meta.hashVersion, 1 when absent. */
export const hashVersionOf = (meta: Pick<EventMeta, 'hashVersion'> | undefined): HashVersion => (meta?.hashVersion === 2 ? 2 : 1)

/** Checks a requested version (e.g. carried by an import): 1, 2 or absent. */
export const isHashVersion = (value: unknown): value is HashVersion => value === 1 || value === 2

export interface HashedFields {
  id: string
  type: string
  stream: string
  revision: number
  occurredAt: string
  data: unknown
  /** v2 only. */
  recordedAt?: string
  /** v2 only: the event's meta; its `hash` is left out of the hash. */
  meta?: Partial<EventMeta>
}

// crypto.hash: one call, no Hash object (about half the time of createHash for inputs this size).
const sha256Hex = (text: string): string => hash('sha256', text, 'hex')

/**
 * canonicalJson of an event's meta as it is recorded: every field of `given` but its hash, with
 * `prevHash` and `hashVersion` set. This is the meta a v2 hash covers, and the text the SQLite store
 * keeps; it is encoded from `given` directly (canonicalJsonMerged), not from a copy.
 */
export const canonicalMeta = (given: Partial<EventMeta> | undefined, prevHash: string, hashVersion: HashVersion): string =>
  canonicalJsonMerged(given ?? {}, { hash: undefined, prevHash, hashVersion }, 'meta')

const hashHead = (prevHash: string, fields: Omit<HashedFields, 'data' | 'meta'>): string =>
  `${JSON.stringify(prevHash)},${JSON.stringify(fields.id)},${JSON.stringify(fields.type)},${JSON.stringify(fields.stream)},${canonicalJson(fields.revision, 'revision')},${JSON.stringify(fields.occurredAt)}`

/**
 * The hash, for callers that hold both canonicalJson(data) and canonicalMeta(meta, prevHash,
 * hashVersion) (the SQLite writer stores both texts): the same bytes as eventHashOfCanonicalData.
 */
export const eventHashOfCanonicalParts = (
  prevHash: string,
  fields: Omit<HashedFields, 'data' | 'meta'>,
  hashVersion: HashVersion,
  metaJson: string,
  dataJson: string,
): string => {
  if (hashVersion === 1) return sha256Hex(`[${hashHead(prevHash, fields)},${dataJson}]`)
  if (typeof fields.recordedAt !== 'string') throw new TypeError('recordedAt: a v2 hash needs the recorded time')
  return sha256Hex(`[2,${hashHead(prevHash, fields)},${JSON.stringify(fields.recordedAt)},${metaJson},${dataJson}]`)
}

/**
 * The same hash as eventHash, for callers that already hold canonicalJson(data): the stores
 * serialise data once and use that text both for storage and for the chain. The version is
 * fields.meta.hashVersion (1 when absent).
 */
export const eventHashOfCanonicalData = (prevHash: string, fields: Omit<HashedFields, 'data'>, dataJson: string): string => {
  const version = hashVersionOf(fields.meta)
  return eventHashOfCanonicalParts(prevHash, fields, version, version === 1 ? '' : canonicalMeta(fields.meta, prevHash, 2), dataJson)
}

/**
 * SHA-256 hex of the event's content, by its meta.hashVersion:
 * v1: canonicalJson([prevHash, id, type, stream, revision, occurredAt, data]);
 * v2: canonicalJson([2, prevHash, id, type, stream, revision, occurredAt, recordedAt, meta without hash, data]).
 */
export const eventHash = (prevHash: string, fields: HashedFields): string =>
  eventHashOfCanonicalData(prevHash, fields, canonicalJson(fields.data))

type ChainedEvent = Pick<RecordedEvent, 'id' | 'type' | 'stream' | 'revision' | 'occurredAt' | 'recordedAt' | 'data' | 'meta'>

/**
 * Checks a whole stream, read from revision 0: revisions run 0, 1, 2, ..., each prevHash is
 * the previous event's hash (genesis first) and each hash matches the content.
 * Returns the first revision that breaks the chain, or null when it holds.
 */
export const verifyStreamChain = (events: Iterable<ChainedEvent>): number | null => {
  let prevHash = genesisHash
  let expectedRevision = 0
  for (const event of events) {
    if (event.revision !== expectedRevision) return expectedRevision
    if (event.meta.prevHash !== prevHash || event.meta.hash !== eventHash(prevHash, event)) return event.revision
    prevHash = event.meta.hash
    expectedRevision += 1
  }
  return null
}
