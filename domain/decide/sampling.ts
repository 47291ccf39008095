// Stream `sampling-{batchId}`: a batch is tested once; later corrections change its result.
import { InvariantViolation, ValidationError } from '../errors.ts'
import type { ClientEventDataOf } from '../events.ts'
import type { RegionId } from '../regions.ts'
import { assertDateNotFuture } from './business-dates.ts'
import type { Decider, StreamEvent } from './decider.ts'

type SamplingEvent =
  | { type: 'SamplingBatchTested'; data: ClientEventDataOf<'SamplingBatchTested'> }
  | { type: 'SamplingResultCorrected'; data: ClientEventDataOf<'SamplingResultCorrected'> }

export interface SamplingState {
  tested: null | { region: RegionId; sampledOn: string; result: 'pass' | 'fail' }
}

const evolve = (state: SamplingState, event: StreamEvent): SamplingState => {
  const data = event.data as Record<string, unknown>
  switch (event.type) {
    case 'SamplingBatchTested':
      return { tested: { region: data.region as RegionId, sampledOn: data.sampledOn as string, result: data.result as 'pass' | 'fail' } }
    case 'SamplingResultCorrected':
      return state.tested ? { tested: { ...state.tested, result: data.result as 'pass' | 'fail' } } : state
    default:
      return state
  }
}

export const samplingDecider: Decider<SamplingState, SamplingEvent> = {
  initialState: () => ({ tested: null }),
  evolve,
  regionOf: (state, event) => (event.type === 'SamplingBatchTested' ? event.data.region : (state.tested?.region ?? null)),
  decide: (state, event, context) => {
    switch (event.type) {
      case 'SamplingBatchTested': {
        if (state.tested)
          throw new InvariantViolation('BATCH_ALREADY_TESTED', `data.batchId: batch ${event.data.batchId} was already tested`, {
            batchId: event.data.batchId,
          })
        assertDateNotFuture('data.sampledOn', event.data.sampledOn, context.now)
        if (event.data.result === 'pass' && event.data.failedItems?.length)
          throw new ValidationError('data.failedItems: a passing batch has no failed items', { field: 'data.failedItems' })
        return { type: event.type, data: event.data }
      }
      case 'SamplingResultCorrected': {
        if (!state.tested)
          throw new InvariantViolation('BATCH_NOT_FOUND', `data.batchId: batch ${event.data.batchId} has no test result to correct`, {
            batchId: event.data.batchId,
          })
        const { region, sampledOn, result: previousResult } = state.tested
        return { type: event.type, data: { ...event.data, region, sampledOn, previousResult } }
      }
      default: {
        const _exhaustive: never = event
        return _exhaustive
      }
    }
  },
}
