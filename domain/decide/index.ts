// Which decider judges which submitted fact. One entry per client event type.
import { ValidationError } from '../errors.ts'
import type { ClientEvent } from '../events.ts'
import type { RegionId } from '../regions.ts'
import type { Decider, DecisionContext, Decision, StreamEvent } from './decider.ts'
import { fold } from './decider.ts'
import { indicatorDecider } from './indicator.ts'
import { inspectionDecider } from './inspection.ts'
import { marketEntityDecider } from './market-entity.ts'
import { milestoneDecider } from './milestone.ts'
import { rescueDecider } from './rescue.ts'

export type { Decision, DecisionContext, StreamEvent } from './decider.ts'

const deciderFor = (event: ClientEvent): Decider<unknown, ClientEvent> => {
  switch (event.type) {
    case 'SamplingBatchTested':
    case 'SamplingResultCorrected':
    case 'InspectionBatchTested':
    case 'InspectionResultCorrected':
      return inspectionDecider as unknown as Decider<unknown, ClientEvent>
    case 'MarketEntityRegistered':
      return marketEntityDecider as unknown as Decider<unknown, ClientEvent>
    case 'RescueRequested':
    case 'RescuerArrived':
      return rescueDecider as unknown as Decider<unknown, ClientEvent>
    case 'IndicatorReported':
      return indicatorDecider as unknown as Decider<unknown, ClientEvent>
    case 'MilestoneAchieved':
      return milestoneDecider as unknown as Decider<unknown, ClientEvent>
    default: {
      const _exhaustive: never = event
      return _exhaustive
    }
  }
}

export interface Judgement {
  /** Region the stream belongs to before deciding (null when the stream does not know yet). */
  region: RegionId | null
  decide: () => Decision
}

/** A fact's region must be one a region set defines (the sets are data, so this is not the schema's). */
const assertKnownRegion = (event: ClientEvent, context: DecisionContext): void => {
  const region = (event.data as { region?: unknown }).region
  if (typeof region === 'string' && !context.plans.isKnownRegion(region))
    throw new ValidationError(`data.region: '${region}' is not a region of any region set; known: ${context.plans.knownRegions().join(', ')}`, {
      field: 'data.region',
    })
}

/** Fold the stream, then offer its region (for scope checks) and the decision. */
export const judge = (history: readonly StreamEvent[], event: ClientEvent, context: DecisionContext): Judgement => {
  const decider = deciderFor(event)
  const state = fold(decider, history)
  return { region: decider.regionOf(state, event), decide: () => (assertKnownRegion(event, context), decider.decide(state, event, context)) }
}
