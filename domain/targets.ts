// The target model: what a numeric target of a plan is, as data. Plans carry them
// (domain/plans.ts); the 2020 plan's are in seeds/plans/guizhou-2020.json.
import type { Bilingual } from './regions.ts'

export type { Bilingual } from './regions.ts'

/**
 * How a target's value is computed from the log; `computedFrom` names the facts.
 * - event_ratio: passed / tested over the inspection batches the filter selects (latest result
 *   per batch), by sampledOn.
 * - event_rate_per_1000: count of the facts selected per 1,000 residents (the region set's
 *   census), by their business date.
 * - reading_ratio: latest IndicatorReported per region of the indicator; the province is the sum
 *   of numerators / sum of denominators of the regions that reported.
 * - mean_duration: mean minutes from RescueRequested.reportedAt to RescuerArrived.arrivedAt,
 *   incidents by reportedAt.
 * - event_count: count of the facts selected, by their business date.
 * - milestone_count: distinct MilestoneAchieved items of the target, by achievedOn.
 */
export type MetricKind =
  | 'event_ratio'
  | 'event_rate_per_1000'
  | 'reading_ratio'
  | 'mean_duration'
  | 'event_count'
  | 'milestone_count'

export type Comparator = 'gte' | 'lte' | 'eq'

/** `continuous`: the value must hold at every moment; `by_period_end`: it must be reached by the end. */
export type Evaluation = 'continuous' | 'by_period_end'

export type Unit = 'ratio' | 'batches_per_1000_residents' | 'minutes' | 'entities' | 'items'

export type ReportingCadence = 'monthly' | 'quarterly'

export interface Period {
  /** First day, inclusive (calendar date in `timeZone`). */
  start: string
  /** Last day, inclusive. */
  end: string
  timeZone: 'Asia/Shanghai'
}

/** Facts a count or ratio can be computed over, and the fields a filter may select on. */
export type CountedFact = 'InspectionBatchTested' | 'SamplingBatchTested' | 'MarketEntityRegistered' | 'RescueRequested'

/** field -> the value, or any of the values, a fact must have to count. */
export type FactFilter = Record<string, string | string[]>

/**
 * What a target is computed from (checked against its metric when a plan is published):
 * - event_ratio: `{ fact: 'InspectionBatchTested' | 'SamplingBatchTested', filter? }`;
 * - event_count, event_rate_per_1000: `{ fact, filter? }`;
 * - mean_duration: `{ fact: 'RescueRequested', until: 'RescuerArrived' }`;
 * - reading_ratio: `{ indicator }` (the target id when absent);
 * - milestone_count: nothing (the items are MilestoneAchieved of the target).
 * `SamplingBatchTested` is the food-safety program's InspectionBatchTested.
 */
export interface ComputedFrom {
  fact?: CountedFact
  filter?: FactFilter
  until?: 'RescuerArrived'
  indicator?: string
}

export interface MilestoneItem {
  id: string
  title: Bilingual
  region?: string
}

export interface Target {
  id: string
  title: Bilingual
  /** Section of the plan, e.g. 四、(一) 突出食品安全风险防控. */
  section: Bilingual
  /** The clause quoted exactly from the plan (zh), with an English rendering. */
  clause: Bilingual
  /** Responsible units as the plan lists them; the first is the lead. */
  responsibleUnits: Bilingual[]
  metric: MetricKind
  computedFrom?: ComputedFrom
  comparator: Comparator
  threshold: number
  unit: Unit
  period: Period
  evaluation: Evaluation
  /** Ratio and mean targets: events needed before the value can breach (<= 100 ratios, <= 30 means). */
  minimumSample?: number
  /** Reading-based targets: how often each region must report, and the grace after a period closes. */
  reporting?: { cadence: ReportingCadence; graceDays: number }
  /** Named items a milestone target must achieve (threshold = items.length when given). */
  items?: MilestoneItem[]
  /**
   * `firm` for 确保/完成/实现 (must), `strive` for 力争 (strive for), `informational` where the plan
   * commits to no result that could be missed (以…为契机: an occasion for other work; an open list
   * with no completion point): tracked and shown, met once achieved, otherwise no verdict — it
   * never reads at_risk, breached or missed (domain/verdicts.ts, `bindingStatus`).
   */
  commitment: Commitment
  /** What a reporter counts: numerator and denominator of a reading, or when a milestone item is achieved. */
  measure?: Bilingual
  /**
   * Count and density targets: how the period's facts fall by calendar month (January first),
   * for the forecast when the log holds no previous period to take the shape from; `source`
   * says where the shares come from. Absent: a flat profile (domain/forecast.ts).
   */
  seasonalProfile?: SeasonalProfile
  /**
   * Why the target's kind, threshold, evaluation, period, measure and commitment are what they
   * are, in terms a reviewer can check against the clause. Optional in the schema (plans written
   * before it existed stay publishable); every target of the 2020 plan has one.
   */
  semanticsNote?: Bilingual
}

export interface SeasonalProfile {
  /** Twelve positive weights, January to December; only their ratios matter. */
  monthly: number[]
  source: Bilingual
}

export type Commitment = 'firm' | 'strive' | 'informational'

export type Status = 'no_data' | 'met' | 'on_track' | 'at_risk' | 'breached' | 'missed' | 'stale'
export const statuses: readonly Status[] = ['no_data', 'met', 'on_track', 'at_risk', 'breached', 'missed', 'stale']
