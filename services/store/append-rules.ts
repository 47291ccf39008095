// The append rules of the embedded stores, in one place so that memory (the reference) and
// sqlite cannot drift apart: input checks, idempotent replay, expected revision, recordedAt.
import { ConcurrencyError, IdConflict, ValidationError } from '../../domain/errors.ts'
import { normalizeEventId } from './event-ids.ts'
import { isJsonValue } from '../../domain/canonical-json.ts'
import { canonicalJson, isHashVersion } from './hashing.ts'
import type { AppendResult, ExpectedRevision, NewEvent } from './port.ts'

/** Current revision of a stream that has no events. */
export const noStream = -1

/** A NewEvent with its data serialised once (canonical JSON is both stored and hashed). */
export interface PreparedEvent {
  event: NewEvent
  dataJson: string
  /** NewEvent.recordedAt normalised to ISO UTC, when the caller gave one (import). */
  recordedAt: string | undefined
}

/** What a store knows about an already recorded event id. */
export interface RecordedIdentity {
  stream: string
  type: string
  dataJson: string
  revision: number
  position: number
}

const isExpectedRevision = (expected: unknown): expected is ExpectedRevision =>
  expected === 'any' || expected === 'no_stream' || expected === 'exists' ||
  (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0)

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0

/** Normalises an instant so recorded_at compares correctly as text. */
export const toIsoInstant = (text: string, where: string): string => {
  const time = typeof text === 'string' ? Date.parse(text) : Number.NaN
  if (Number.isNaN(time)) throw new ValidationError(`${where}: ${String(text)} is not an ISO 8601 instant`)
  return new Date(time).toISOString()
}

/** canonicalJson's message for what JSON cannot hold in `value` ("meta.weight: NaN is not a finite number"). */
const jsonProblemOf = (value: unknown, path: string): string => {
  try {
    canonicalJson(value, path)
    return `${path}: cannot be encoded as JSON`
  } catch (error) {
    return (error as Error).message
  }
}

const encodeData = (data: unknown, where: string): string => {
  try {
    return canonicalJson(data)
  } catch (error) {
    throw new ValidationError(`${where}: ${(error as Error).message}`)
  }
}

/** Checks the arguments of append and serialises each event's data. */
export const prepareAppend = (stream: string, events: NewEvent[], expected: ExpectedRevision): PreparedEvent[] => {
  if (!isText(stream)) throw new ValidationError('stream: must be a non-empty string')
  if (!isExpectedRevision(expected)) {
    throw new ValidationError(`expected revision: ${String(expected)} is not 'any', 'no_stream', 'exists' or a revision >= 0`)
  }
  if (!Array.isArray(events)) throw new ValidationError('events: must be an array')
  const seen = new Set<string>()
  return events.map((given, index) => {
    const where = `${stream} events[${index}]`
    if (!isText(given?.id)) throw new ValidationError(`${where}.id: must be a non-empty string`)
    // The same uuid in upper and lower case is one event (docs/ARCHITECTURE.md §3, idempotency).
    const event = { ...given, id: normalizeEventId(given.id) }
    if (!isText(event.type)) throw new ValidationError(`${where}.type: must be a non-empty string`)
    if (typeof event.occurredAt !== 'string') throw new ValidationError(`${where}.occurredAt: must be a string`)
    if (typeof event.meta !== 'object' || event.meta === null) throw new ValidationError(`${where}.meta: must be an object`)
    // The meta is hashed and stored as canonical JSON when the writer writes it: what JSON cannot
    // hold (NaN, a function: only a caller in code can pass one) is refused here, before any write.
    if (!isJsonValue(event.meta)) throw new ValidationError(`${where}.${jsonProblemOf(event.meta, 'meta')}`)
    if (event.meta.hashVersion !== undefined && !isHashVersion(event.meta.hashVersion))
      throw new ValidationError(`${where}.meta.hashVersion: ${String(event.meta.hashVersion)} is not a hash version (1 or 2)`)
    if (seen.has(event.id)) throw new IdConflict(event.id, `event ${event.id} appears twice in one append to ${stream}`)
    seen.add(event.id)
    const recordedAt = event.recordedAt === undefined ? undefined : toIsoInstant(event.recordedAt, `${where}.recordedAt`)
    return { event, dataJson: encodeData(event.data, `${where}.data`), recordedAt }
  })
}

/**
 * Idempotent replay: when every id is already recorded in this stream with the same type and
 * data, the append is a retry (e.g. after a lost ack) and gets the original result. Runs before
 * the expected-revision check, because a retry carries the expectation it was first sent with.
 * Returns null when all ids are new; throws IdConflict for any other overlap.
 */
export const judgeReplay = (
  stream: string,
  prepared: PreparedEvent[],
  lookup: (id: string) => RecordedIdentity | undefined,
): AppendResult | null => {
  const found = prepared.map(({ event }) => lookup(event.id))
  if (found.every((identity) => identity === undefined)) return null
  prepared.forEach(({ event, dataJson }, index) => {
    const identity = found[index]
    if (identity === undefined) return
    if (identity.stream !== stream) {
      throw new IdConflict(event.id, `event ${event.id} is already recorded in stream ${identity.stream}, not ${stream}`)
    }
    if (identity.type !== event.type || identity.dataJson !== dataJson) {
      throw new IdConflict(event.id, `event ${event.id} is already recorded in ${stream} (revision ${identity.revision}) with other content`)
    }
  })
  const fresh = prepared.filter((_, index) => found[index] === undefined)
  if (fresh.length > 0) {
    throw new IdConflict(
      fresh[0].event.id,
      `append to ${stream} mixes ${prepared.length - fresh.length} already recorded event(s) with ${fresh.length} new one(s); retry with exactly the original events`,
    )
  }
  const recorded = found as RecordedIdentity[]
  return { nextRevision: recorded[recorded.length - 1].revision, positions: recorded.map((identity) => identity.position), idempotent: true }
}

/** EventStoreDB's meanings; `current` is the stream's last revision or noStream. */
export const expectedRevisionHolds = (expected: ExpectedRevision, current: number): boolean =>
  expected === 'any' ||
  (expected === 'no_stream' && current === noStream) ||
  (expected === 'exists' && current !== noStream) ||
  expected === current

export const checkExpectedRevision = (stream: string, expected: ExpectedRevision, current: number): void => {
  if (!expectedRevisionHolds(expected, current))
    throw new ConcurrencyError(stream, String(expected), current === noStream ? 'no_stream' : String(current))
}

/**
 * recordedAt never goes backwards (positionAt relies on it): the clock is clamped to the last
 * recorded instant, and an imported recordedAt earlier than it is refused rather than reordered.
 */
export const stampRecordedAt = (given: string | undefined, now: string, last: string, eventId: string): string => {
  if (given === undefined) return now > last ? now : last
  if (given < last) {
    throw new ValidationError(`event ${eventId}: recordedAt ${given} is earlier than the last recorded event (${last}); imports must be in order`)
  }
  return given
}
