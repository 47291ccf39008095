// Measures as data: which facts a count or ratio can be computed over, which of their fields a
// plan's filter may select on, and what values those fields take. The compliance fold buckets
// every fact by these fields (projections/compliance/state.ts), so any filter a plan names is
// answered from the folded state without reading the log again.
import type { ComputedFrom, CountedFact, FactFilter, MetricKind } from './targets.ts'

export const samplingStages = ['production', 'distribution', 'catering', 'edible_agricultural'] as const
/** 监督抽检 (supervisory sampling, judged against standards) or 风险监测 (risk monitoring). */
export const samplingPurposes = ['supervision', 'risk_monitoring'] as const
export const entityKinds = ['enterprise', 'individual', 'cooperative'] as const

/** The program `SamplingBatchTested` belongs to (food-safety sampling, 食品安全抽检监测). */
export const foodSafetyProgram = 'food-safety'

/** Field -> its allowed values (null: any identifier). */
type Fields = Record<string, readonly string[] | null>

export const filterableFields: Record<CountedFact, Fields> = {
  InspectionBatchTested: { program: null, stage: samplingStages, purpose: samplingPurposes },
  SamplingBatchTested: { stage: samplingStages, purpose: samplingPurposes },
  MarketEntityRegistered: { kind: entityKinds },
  RescueRequested: {},
}

/** The facts a metric may be computed over. */
export const factsForMetric: Partial<Record<MetricKind, readonly CountedFact[]>> = {
  event_ratio: ['InspectionBatchTested', 'SamplingBatchTested'],
  event_count: ['InspectionBatchTested', 'SamplingBatchTested', 'MarketEntityRegistered', 'RescueRequested'],
  event_rate_per_1000: ['InspectionBatchTested', 'SamplingBatchTested', 'MarketEntityRegistered', 'RescueRequested'],
  mean_duration: ['RescueRequested'],
}

/** A value a stored fact lacks (an inspection batch without a stage), as a filter names it. */
export const unspecified = 'unspecified'

/** A measure in the fold's terms: which bucket family, and which of its cells count. */
export type FactSelector =
  | { family: 'inspections'; program: readonly string[] | null; stage: readonly string[] | null; purpose: readonly string[] | null }
  | { family: 'entities'; kind: readonly string[] | null }
  | { family: 'rescues' }

const values = (filter: FactFilter | undefined, field: string): readonly string[] | null => {
  const value = filter?.[field]
  if (value === undefined) return null
  return typeof value === 'string' ? [value] : value
}

/** The selector of a count or ratio measure (its computedFrom checked at publication). */
export const selectorOf = (from: ComputedFrom): FactSelector => {
  switch (from.fact) {
    case 'SamplingBatchTested':
      return { family: 'inspections', program: [foodSafetyProgram], stage: values(from.filter, 'stage'), purpose: values(from.filter, 'purpose') }
    case 'InspectionBatchTested':
      return { family: 'inspections', program: values(from.filter, 'program'), stage: values(from.filter, 'stage'), purpose: values(from.filter, 'purpose') }
    case 'MarketEntityRegistered':
      return { family: 'entities', kind: values(from.filter, 'kind') }
    case 'RescueRequested':
    case undefined:
      return { family: 'rescues' }
    default: {
      const _exhaustive: never = from.fact
      return _exhaustive
    }
  }
}

/** Whether a bucket's value for a field is selected (null: the filter does not name the field). */
export const selects = (allowed: readonly string[] | null, value: string): boolean => allowed === null || allowed.includes(value)
