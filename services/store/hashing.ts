// Per-stream hash chains (docs/ARCHITECTURE.md, "Event store port"). The hash input is canonical
// JSON so that every backend, and an auditor with nothing but the events, computes the same bytes.
import { createHash } from 'node:crypto'
import { canonicalJson } from '../../domain/canonical-json.ts'
import type { RecordedEvent } from './port.ts'

export { canonicalJson }

/** prevHash of the first event of every stream. */
export const genesisHash = '0'.repeat(64)

export interface HashedFields {
  id: string
  type: string
  stream: string
  revision: number
  occurredAt: string
  data: unknown
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex')

/**
 * The same hash as eventHash, for callers that already hold canonicalJson(data): the stores
 * serialise data once and use that text both for storage and for the chain.
 */
export const eventHashOfCanonicalData = (prevHash: string, fields: Omit<HashedFields, 'data'>, dataJson: string): string =>
  sha256Hex(
    `[${[prevHash, fields.id, fields.type, fields.stream].map((text) => JSON.stringify(text)).join(',')},` +
      `${canonicalJson(fields.revision, 'revision')},${JSON.stringify(fields.occurredAt)},${dataJson}]`,
  )

/** SHA-256 hex over canonicalJson([prevHash, id, type, stream, revision, occurredAt, data]). */
export const eventHash = (prevHash: string, fields: HashedFields): string =>
  eventHashOfCanonicalData(prevHash, fields, canonicalJson(fields.data))

type ChainedEvent = Pick<RecordedEvent, 'id' | 'type' | 'stream' | 'revision' | 'occurredAt' | 'data' | 'meta'>

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
