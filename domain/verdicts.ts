// The number rules of a verdict: how a value compares with a threshold, and the status a ratio,
// mean, cumulative count or reading gets from it (docs/ARCHITECTURE.md, "Targets and compliance").
// Pure: the phase of the period and the figures arrive as arguments.
import { type PeriodPhase, addDays, clampToPeriod } from './time.ts'
import type { Status, Target } from './targets.ts'

type Rule = Pick<Target, 'comparator' | 'threshold' | 'evaluation' | 'minimumSample'>

const tolerance = (threshold: number): number => 1e-12 * Math.max(1, Math.abs(threshold))

/** Whether `value` meets the threshold (the target's own, or a region's share of it). */
export const satisfies = (target: Pick<Rule, 'comparator' | 'threshold'>, value: number, threshold = target.threshold): boolean => {
  if (target.comparator === 'gte') return value >= threshold - tolerance(threshold)
  if (target.comparator === 'lte') return value <= threshold + tolerance(threshold)
  return Math.abs(value - threshold) <= tolerance(threshold)
}

/** Whether a projected end value meets the target; `eq` targets (100% coverage) are reached from below. */
export const reaches = (target: Pick<Rule, 'comparator'>, projected: number, threshold: number): boolean =>
  target.comparator === 'lte' ? projected <= threshold + tolerance(threshold) : projected >= threshold - tolerance(threshold)

/** value/threshold (gte, eq) or threshold/value (lte), within 0..1; null without a value. */
export const progressOf = (target: Pick<Rule, 'comparator'>, value: number | null, threshold: number | null | undefined): number | null => {
  if (value === null || threshold === null || threshold === undefined) return null
  const clamp = (x: number) => Math.min(1, Math.max(0, x))
  if (target.comparator === 'lte') return value <= 0 ? 1 : clamp(threshold / value)
  return threshold <= 0 ? 1 : clamp(value / threshold)
}

/**
 * Beside a ratio or mean verdict: `within_interval` when the threshold lies within the figure's
 * 95% confidence interval (the sample cannot tell the two sides apart: "breached, within the
 * statistical margin"), `clear` otherwise. The verdict stays the official figure's: the plan
 * measures the rate of the batches tested, not an estimate of a wider population.
 */
export const margins = ['clear', 'within_interval'] as const
export type Margin = (typeof margins)[number]

export const marginOf = (threshold: number, interval: { low: number; high: number } | null | undefined): Margin | undefined =>
  interval ? (threshold >= interval.low && threshold <= interval.high ? 'within_interval' : 'clear') : undefined

/** Ratio and mean targets: a value short of the threshold is a verdict only on a minimum sample. */
export const sampleStatus = (target: Rule, phase: PeriodPhase, value: number | null, sample: number): Status => {
  if (value === null || sample === 0) return 'no_data'
  if (satisfies(target, value)) return 'met'
  if (sample < (target.minimumSample ?? 1)) return 'at_risk'
  if (target.evaluation === 'continuous') return 'breached'
  return phase === 'after' ? 'missed' : 'at_risk'
}

/**
 * Cumulative targets: met once reached (gte, eq) or, for a cap (lte), breached once exceeded;
 * before the end the forecast decides. No event at all gives no basis for a forecast: no_data.
 */
export const cumulativeStatus = (target: Rule, phase: PeriodPhase, count: number, value: number, threshold: number, projected?: number): Status => {
  const ended = phase === 'after'
  if (target.comparator === 'lte') {
    if (!satisfies(target, value, threshold)) return 'breached'
    if (ended) return 'met'
  } else {
    if (value >= threshold - tolerance(threshold)) return 'met'
    if (ended) return 'missed'
  }
  if (count === 0 || projected === undefined) return 'no_data'
  return reaches(target, projected, threshold) ? 'on_track' : 'at_risk'
}

/** A reading: met, else breached (continuous), missed (after the end), or by its trend. */
export const readingStatus = (target: Rule, phase: PeriodPhase, value: number, projected: number | undefined): Status => {
  if (satisfies(target, value)) return 'met'
  if (target.evaluation === 'continuous') return 'breached'
  if (phase === 'after') return 'missed'
  return projected !== undefined && reaches(target, projected, target.threshold) ? 'on_track' : 'at_risk'
}

/**
 * A target the plan commits to no result by a date (`informational`: 以…为契机, an open list with
 * no completion point) is met once achieved and otherwise has no verdict: never at_risk,
 * breached or missed. Other targets keep their status.
 */
export const bindingStatus = (target: Pick<Target, 'commitment'>, status: Status): Status =>
  target.commitment === 'informational' && status !== 'met' ? 'no_data' : status

/**
 * The first day on which a period's verdict is final: the day after the period's last report is
 * due (its end + the target's reporting grace; the day after the end for a target without one).
 * Until then the answer is provisional (docs/ARCHITECTURE.md, "Targets and compliance").
 */
export const finalFrom = (target: Pick<Target, 'period' | 'reporting'>): string => addDays(target.period.end, (target.reporting?.graceDays ?? 0) + 1)

/** Whether a verdict read on `businessDate` may still change for the period (before finalFrom). */
export const isProvisional = (target: Pick<Target, 'period' | 'reporting'>, businessDate: string): boolean => businessDate < finalFrom(target)

/**
 * The phase the status rules see on `businessDate`: the period's own, except that between its end
 * and finalFrom (December's reports still due) it is still `within`: a shortfall then is judged
 * by the trend or the forecast (on_track / at_risk), never `missed` before the last report is due.
 */
export const verdictPhase = (target: Pick<Target, 'period' | 'reporting'>, businessDate: string): PeriodPhase => {
  const { phase } = clampToPeriod(businessDate, target.period)
  return phase === 'after' && isProvisional(target, businessDate) ? 'within' : phase
}
