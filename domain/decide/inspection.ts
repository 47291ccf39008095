// Streams `sampling-{batchId}` (food-safety) and `inspection-{program}-{batchId}`: a batch is
// tested once; later corrections change its result. SamplingBatchTested is the food-safety
// program's InspectionBatchTested, so either event type tests a food-safety batch once.
import { InvariantViolation, ValidationError } from '../errors.ts'
import type { BatchContext, ClientEventDataOf } from '../events.ts'
import type { RegionId } from '../regions.ts'
import { assertDateNotFuture } from './business-dates.ts'
import type { Decider, StreamEvent } from './decider.ts'

type InspectionEvent =
  | { type: 'SamplingBatchTested'; data: ClientEventDataOf<'SamplingBatchTested'> }
  | { type: 'SamplingResultCorrected'; data: ClientEventDataOf<'SamplingResultCorrected'> }
  | { type: 'InspectionBatchTested'; data: ClientEventDataOf<'InspectionBatchTested'> }
  | { type: 'InspectionResultCorrected'; data: ClientEventDataOf<'InspectionResultCorrected'> }

type Result = 'pass' | 'fail'

export interface InspectionState {
  tested: null | { region: RegionId; sampledOn: string; result: Result; stage?: string; purpose?: string }
}

const evolve = (state: InspectionState, event: StreamEvent): InspectionState => {
  const data = event.data as Record<string, unknown>
  switch (event.type) {
    case 'SamplingBatchTested':
    case 'InspectionBatchTested': {
      const { region, sampledOn, result, stage, purpose } = data as { region: string; sampledOn: string; result: Result; stage?: string; purpose?: string }
      return { tested: { region, sampledOn, result, ...(stage ? { stage } : {}), ...(purpose ? { purpose } : {}) } }
    }
    case 'SamplingResultCorrected':
    case 'InspectionResultCorrected':
      return state.tested ? { tested: { ...state.tested, result: data.result as Result } } : state
    default:
      return state
  }
}

/** What a correction records of its batch (the fold moves the batch between buckets with it). */
const batchContext = (tested: NonNullable<InspectionState['tested']>): BatchContext => {
  const { region, sampledOn, result, stage, purpose } = tested
  return { region, sampledOn, previousResult: result, stage: stage ?? null, purpose: purpose ?? null }
}

export const inspectionDecider: Decider<InspectionState, InspectionEvent> = {
  initialState: () => ({ tested: null }),
  evolve,
  regionOf: (state, event) =>
    event.type === 'SamplingBatchTested' || event.type === 'InspectionBatchTested' ? event.data.region : (state.tested?.region ?? null),
  decide: (state, event, context) => {
    switch (event.type) {
      case 'SamplingBatchTested':
      case 'InspectionBatchTested': {
        if (state.tested)
          throw new InvariantViolation('BATCH_ALREADY_TESTED', `data.batchId: batch ${event.data.batchId} was already tested`, {
            batchId: event.data.batchId,
          })
        assertDateNotFuture('data.sampledOn', event.data.sampledOn, context.now)
        if (event.data.result === 'pass' && event.data.failedItems?.length)
          throw new ValidationError('data.failedItems: a passing batch has no failed items', { field: 'data.failedItems' })
        return event.type === 'SamplingBatchTested' ? { type: event.type, data: event.data } : { type: event.type, data: event.data }
      }
      case 'SamplingResultCorrected':
      case 'InspectionResultCorrected': {
        if (!state.tested)
          throw new InvariantViolation('BATCH_NOT_FOUND', `data.batchId: batch ${event.data.batchId} has no test result to correct`, {
            batchId: event.data.batchId,
          })
        const context = batchContext(state.tested)
        return event.type === 'SamplingResultCorrected'
          ? { type: event.type, data: { ...event.data, ...context } }
          : { type: event.type, data: { ...event.data, ...context } }
      }
      default: {
        const _exhaustive: never = event
        return _exhaustive
      }
    }
  },
}
