// Expected and current revisions, both ways between the port and @eventstore/db-client.
// The port's words are EventStoreDB's (docs/ARCHITECTURE.md, "Event store port"); only the spelling differs:
// 'exists' is STREAM_EXISTS, revisions are bigint, and a missing stream is NO_STREAM, which the
// port's append rules call -1 (noStream).
import { ANY, NO_STREAM, STREAM_EXISTS, type AppendExpectedRevision, type CurrentRevision } from '@eventstore/db-client'
import { StoreUnavailable } from '../../../domain/errors.ts'
import { noStream } from '../append-rules.ts'
import type { ExpectedRevision } from '../port.ts'

export const toEsdbExpected = (expected: ExpectedRevision): AppendExpectedRevision => {
  switch (expected) {
    case 'any':
      return ANY
    case 'no_stream':
      return NO_STREAM
    case 'exists':
      return STREAM_EXISTS
    default:
      return BigInt(expected)
  }
}

const toRevisionNumber = (revision: bigint): number => {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new StoreUnavailable(`stream revision ${revision} does not fit a safe integer`)
  }
  return Number(revision)
}

// The gRPC error metadata of older servers carries the legacy numeric codes of the TCP protocol.
const legacyExpected = new Map<bigint, ExpectedRevision>([[-1n, 'no_stream'], [-2n, 'any'], [-4n, 'exists']])

export const fromEsdbExpected = (expected: AppendExpectedRevision): ExpectedRevision => {
  if (typeof expected === 'bigint' && legacyExpected.has(expected)) return legacyExpected.get(expected)!
  switch (expected) {
    case ANY:
      return 'any'
    case NO_STREAM:
      return 'no_stream'
    case STREAM_EXISTS:
      return 'exists'
    default:
      return toRevisionNumber(expected)
  }
}

/** A stream's current revision as the port's append rules count it (noStream = -1). */
export const fromEsdbCurrent = (current: CurrentRevision): number =>
  current === NO_STREAM || current === -1n ? noStream : toRevisionNumber(current)

export const toEsdbCurrent = (current: number): CurrentRevision => (current === noStream ? NO_STREAM : BigInt(current))

/**
 * What the adapter sends with an append it has already checked against `current`: exactly the
 * revision its hash chain was computed on. 'no_stream' and n are sent as they are (after the
 * check they equal current); 'any' and 'exists' become that exact revision, so a concurrent
 * writer makes the server refuse the append instead of breaking the chain.
 */
export const chainedExpected = (expected: ExpectedRevision, current: number): AppendExpectedRevision =>
  expected === 'any' || expected === 'exists' ? toEsdbCurrent(current) : toEsdbExpected(expected)

/** The port's spelling of a revision in messages and ConcurrencyError fields. */
export const describeCurrent = (current: number): string => (current === noStream ? 'no_stream' : String(current))
