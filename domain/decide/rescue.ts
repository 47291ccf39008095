// Stream `rescue-{incidentId}`: an elevator entrapment is requested once; a rescuer arrives once,
// after the request and not before it was reported.
import { InvariantViolation } from '../errors.ts'
import type { ClientEventDataOf } from '../events.ts'
import type { RegionId } from '../regions.ts'
import { assertInstantNotFuture } from './business-dates.ts'
import type { Decider, StreamEvent } from './decider.ts'

type RescueEvent =
  | { type: 'RescueRequested'; data: ClientEventDataOf<'RescueRequested'> }
  | { type: 'RescuerArrived'; data: ClientEventDataOf<'RescuerArrived'> }

export interface RescueState {
  requested: null | { region: RegionId; reportedAt: string }
  arrivedAt: string | null
}

const evolve = (state: RescueState, event: StreamEvent): RescueState => {
  const data = event.data as Record<string, unknown>
  switch (event.type) {
    case 'RescueRequested':
      return { ...state, requested: { region: data.region as RegionId, reportedAt: data.reportedAt as string } }
    case 'RescuerArrived':
      return { ...state, arrivedAt: data.arrivedAt as string }
    default:
      return state
  }
}

export const rescueDecider: Decider<RescueState, RescueEvent> = {
  initialState: () => ({ requested: null, arrivedAt: null }),
  evolve,
  regionOf: (state, event) => (event.type === 'RescueRequested' ? event.data.region : (state.requested?.region ?? null)),
  decide: (state, event, context) => {
    const incidentId = event.data.incidentId
    switch (event.type) {
      case 'RescueRequested':
        if (state.requested)
          throw new InvariantViolation('RESCUE_ALREADY_REQUESTED', `data.incidentId: incident ${incidentId} was already requested`, { incidentId })
        assertInstantNotFuture('data.reportedAt', event.data.reportedAt, context.now)
        return { type: event.type, data: event.data }
      case 'RescuerArrived': {
        if (!state.requested)
          throw new InvariantViolation('RESCUE_NOT_REQUESTED', `data.incidentId: incident ${incidentId} has no rescue request`, { incidentId })
        if (state.arrivedAt)
          throw new InvariantViolation('RESCUER_ALREADY_ARRIVED', `data.incidentId: a rescuer already arrived at ${state.arrivedAt}`, {
            incidentId,
          })
        const { region, reportedAt } = state.requested
        if (Date.parse(event.data.arrivedAt) < Date.parse(reportedAt))
          throw new InvariantViolation(
            'ARRIVAL_BEFORE_REPORT',
            `data.arrivedAt: ${event.data.arrivedAt} is before the incident was reported (${reportedAt})`,
            { incidentId, reportedAt },
          )
        assertInstantNotFuture('data.arrivedAt', event.data.arrivedAt, context.now)
        return { type: event.type, data: { ...event.data, region, reportedAt } }
      }
      default: {
        const _exhaustive: never = event
        return _exhaustive
      }
    }
  },
}
