// Stream `milestone-{targetId}-{itemId}`: an item of a milestone target is achieved once.
import { InvariantViolation, ValidationError } from '../errors.ts'
import type { ClientEventDataOf } from '../events.ts'
import type { RegionId } from '../regions.ts'
import { assertDateNotFuture } from './business-dates.ts'
import type { Decider } from './decider.ts'

type MilestoneEvent = { type: 'MilestoneAchieved'; data: ClientEventDataOf<'MilestoneAchieved'> }

export interface MilestoneState {
  achievedOn: string | null
}

export const milestoneDecider: Decider<MilestoneState, MilestoneEvent> = {
  initialState: () => ({ achievedOn: null }),
  evolve: (state, event) =>
    event.type === 'MilestoneAchieved' ? { achievedOn: (event.data as { achievedOn: string }).achievedOn } : state,
  regionOf: (_state, event) => event.data.region ?? null,
  decide: (state, event, context) => {
    const { targetId, itemId, region } = event.data
    const target = context.milestoneTargets.get(targetId)
    if (!target)
      throw new ValidationError(
        `data.targetId: '${targetId}' is not a milestone target; expected one of ${[...context.milestoneTargets.keys()].join(', ')}`,
        { field: 'data.targetId' },
      )
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
    if (state.achievedOn)
      throw new InvariantViolation('MILESTONE_ALREADY_ACHIEVED', `data.itemId: ${targetId}/${itemId} was already achieved on ${state.achievedOn}`, {
        targetId,
        itemId,
      })
    assertDateNotFuture('data.achievedOn', event.data.achievedOn, context.now)
    const itemRegion = target.items?.find((i) => i.id === itemId)?.region as RegionId | undefined
    const recordedRegion = region ?? itemRegion
    return { type: event.type, data: recordedRegion ? { ...event.data, region: recordedRegion } : event.data }
  },
}
