// The event envelope: what every recorded event carries beside its data. Domain types, so that
// projections and the pure core name them without reaching into services/store; the store port
// re-exports them (docs/ARCHITECTURE.md, "Event store port").

/**
 * Global log position: an ordered number. Dense (1, 2, 3, ...) on the embedded stores;
 * on EventStoreDB it is derived from the $all position and only ordered, not dense.
 * 0 means "before the first event".
 */
export type Position = number

/** EventStoreDB's meanings: any; the stream must not exist; it must exist; its last revision is n. */
export type ExpectedRevision = 'any' | 'no_stream' | 'exists' | number

export interface EventMeta {
  principal: string
  requestId: string
  prevHash: string
  hash: string
  schemaVersion: number
  /** Which fields the hash covers (services/store/hashing.ts); absent: 1, logs written before version 2. */
  hashVersion?: 1 | 2
  correlationId?: string
  causationId?: string
}

export interface NewEvent {
  id: string
  type: string
  occurredAt: string
  data: unknown
  /** Caller-supplied metadata; the store adds prevHash and hash. */
  meta: Omit<EventMeta, 'prevHash' | 'hash'>
  /**
   * Optional: an explicit recordedAt (used by import to preserve history).
   * Normal appends leave it empty and the store stamps its own clock.
   */
  recordedAt?: string
}

export interface RecordedEvent<D = unknown> {
  id: string
  type: string
  stream: string
  /** 0-based revision within the stream. */
  revision: number
  position: Position
  occurredAt: string
  recordedAt: string
  data: D
  meta: EventMeta
}
