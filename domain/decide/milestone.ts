// Stream `milestone-{targetId}-{itemId}`: an item of a milestone target is achieved once per plan
// (two plans may share a target and item id: each records its own achievement in the stream).
import { InvariantViolation, ValidationError } from '../errors.ts'
import type { ClientEventDataOf } from '../events.ts'
import { planOfRecordedFact } from '../plans.ts'
import type { RegionId } from '../regions.ts'
import { assertDateNotFuture } from './business-dates.ts'
import type { Decider } from './decider.ts'

type MilestoneEvent = { type: 'MilestoneAchieved'; data: ClientEventDataOf<'MilestoneAchieved'> }

export interface MilestoneState {
  /** plan -> the day its achievement of this item was recorded for. */
  achievedOn: Record<string, string>
}

export const milestoneDecider: Decider<MilestoneState, MilestoneEvent> = {
  initialState: () => ({ achievedOn: {} }),
  evolve: (state, event) => {
    if (event.type !== 'MilestoneAchieved') return state
    const data = event.data as { achievedOn: string; plan?: unknown }
    return { achievedOn: { ...state.achievedOn, [planOfRecordedFact(data.plan)]: data.achievedOn } }
  },
  regionOf: (_state, event) => event.data.region ?? null,
  decide: (state, event, context) => {
    const { targetId, itemId, region } = event.data
    const target = context.plans.milestoneTarget(targetId, event.data.achievedOn, event.data.plan)
    if (target.items) {
      const item = target.items.find((i) => i.id === itemId)
      if (!item)
        throw new ValidationError(
          `data.itemId: '${itemId}' is not a named item of ${targetId}; expected one of ${target.items.map((i) => i.id).join(', ')}`,
          { field: 'data.itemId' },
        )
      if (item.region && region && item.region !== region)
        throw new ValidationError(`data.region: item ${itemId} belongs to ${item.region}, not ${region}`, { field: 'data.region' })
    }
    const already = Object.prototype.hasOwnProperty.call(state.achievedOn, target.plan) ? state.achievedOn[target.plan] : undefined
    if (already)
      throw new InvariantViolation('MILESTONE_ALREADY_ACHIEVED', `data.itemId: ${targetId}/${itemId} was already achieved on ${already}`, {
        targetId,
        itemId,
        plan: target.plan,
      })
    assertDateNotFuture('data.achievedOn', event.data.achievedOn, context.now)
    const itemRegion = target.items?.find((i) => i.id === itemId)?.region as RegionId | undefined
    const recordedRegion = region ?? itemRegion
    const data = { ...event.data, plan: target.plan }
    return { type: event.type, data: recordedRegion ? { ...data, region: recordedRegion } : data }
  },
}
