// The event store port (docs/ARCHITECTURE.md, "Event store port"). Every adapter (memory, sqlite,
// eventstoredb) returns an object satisfying `EventStore` and runs test/contract/.

export type { EventMeta, ExpectedRevision, NewEvent, Position, RecordedEvent } from '../../domain/envelope.ts'
import type { ExpectedRevision, NewEvent, Position, RecordedEvent } from '../../domain/envelope.ts'

export interface AppendResult {
  /** Revision of the last event of this append (or of the original, when idempotent). */
  nextRevision: number
  /** Positions of the appended (or originally appended) events, one per event, in order. */
  positions: Position[]
  /** True when every event was already recorded with the same content: nothing was written. */
  idempotent: boolean
}

export interface ReadStreamOptions {
  /** First revision to read (inclusive); default 0. */
  fromRevision?: number
  limit?: number
}

export interface ReadAllOptions {
  /** Read events with position > from (exclusive); default 0 = from the start. */
  from?: Position
  /** Stop after position <= to (inclusive). */
  to?: Position
  limit?: number
}

export type SubscriptionHandler = (event: RecordedEvent) => void | Promise<void>

export interface Subscription {
  /** Resolves when the subscription has caught up with the head it saw at start. */
  readonly caughtUp: Promise<void>
  /** Resolves when the subscription ends (aborted or failed); rejects on failure. */
  readonly done: Promise<void>
}

export interface EventStore {
  readonly kind: string
  append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult>
  readStream(stream: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>
  /**
   * Optional: the whole of each stream named, in revision order, in one round trip (a stream with
   * no events maps to []). The batch path reads the streams a batch touches with it; an adapter
   * without it is read stream by stream.
   */
  readStreams?(streams: readonly string[]): Promise<Map<string, RecordedEvent[]>>
  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>
  /** Catch-up from `from` (exclusive), then live, until `signal` aborts. Events arrive in position order. */
  subscribeAll(from: Position | 'start' | 'end', handler: SubscriptionHandler, signal: AbortSignal): Subscription
  /** Position of the last event, 0 when empty. */
  head(): Promise<Position>
  /** The last position recorded at or before `instant` (0 when none). */
  positionAt(instant: string): Promise<Position>
  close(): Promise<void>
}
