// A decider per stream kind: fold the stream's recorded events into a small state, then judge a
// submitted fact against it. Pure: time and catalog facts arrive in the context.
import type { ClientEvent, ClientEventType, RecordedClientData } from '../events.ts'
import type { RegionId } from '../regions.ts'

export interface StreamEvent {
  type: string
  data: unknown
}

/** What the decision may consult besides the stream: the catalog's ids and the current time. */
export interface DecisionContext {
  /** Current instant (ISO), used to reject business dates in the future. */
  now: string
  /** Ids of reading-based targets (IndicatorReported.indicator must be one). */
  readingIndicators: ReadonlySet<string>
  /** Milestone target ids, with their named items when the target has them. */
  milestoneTargets: ReadonlyMap<string, { items?: readonly { id: string; region?: string }[] }>
}

/** The event to record: the client's data plus any context the stream supplied. */
export type Decision = {
  [T in ClientEventType]: { type: T; data: RecordedClientData[T] }
}[ClientEventType]

export interface Decider<S, E extends ClientEvent = ClientEvent> {
  initialState: () => S
  /** Never throws; ignores events that do not fit. */
  evolve: (state: S, event: StreamEvent) => S
  /** The region the stream belongs to, for scope checks (null while unknown). */
  regionOf: (state: S, event: E) => RegionId | null
  /** Throws InvariantViolation or ValidationError when the fact cannot be recorded. */
  decide: (state: S, event: E, context: DecisionContext) => Decision
}

export const fold = <S>(decider: Pick<Decider<S, never>, 'initialState' | 'evolve'>, events: readonly StreamEvent[]): S =>
  events.reduce(decider.evolve, decider.initialState())
