// A decider per stream kind: fold the stream's recorded events into a small state, then judge a
// submitted fact against it. Pure: time and catalog facts arrive in the context.
import type { ClientEvent, ClientEventType, RecordedClientData } from '../events.ts'
import type { PlanDirectory } from '../plan-directory.ts'
import type { RegionId } from '../regions.ts'

export interface StreamEvent {
  type: string
  data: unknown
}

/** What the decision may consult besides the stream: the plans that exist and the current time. */
export interface DecisionContext {
  /** Current instant (ISO), used to reject business dates in the future. */
  now: string
  /** Which plan a reading or milestone is for, a milestone target's items, the regions that exist. */
  plans: PlanDirectory
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
