// Stream `indicator-{indicator}-{region}`: periodic readings of a reading-based target. Any
// number may arrive, in any order; the fold keeps the latest asOf per region and plan. A reading
// records the plan it counts for: the client's, or the only plan whose target has the indicator.
import type { ClientEventDataOf } from '../events.ts'
import { assertDateNotFuture } from './business-dates.ts'
import type { Decider } from './decider.ts'

type IndicatorEvent = { type: 'IndicatorReported'; data: ClientEventDataOf<'IndicatorReported'> }

export interface IndicatorState {
  readings: number
}

export const indicatorDecider: Decider<IndicatorState, IndicatorEvent> = {
  initialState: () => ({ readings: 0 }),
  evolve: (state, event) => (event.type === 'IndicatorReported' ? { readings: state.readings + 1 } : state),
  regionOf: (_state, event) => event.data.region,
  decide: (_state, event, context) => {
    const plan = context.plans.readingPlan(event.data.indicator, event.data.asOf, event.data.plan)
    assertDateNotFuture('data.asOf', event.data.asOf, context.now)
    return { type: event.type, data: { ...event.data, plan } }
  },
}
