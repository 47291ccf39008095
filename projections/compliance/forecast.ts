// The forecast of a cumulative count target (event_count, event_rate_per_1000, milestone_count):
// the count expected at the period's end and the probability of reaching the threshold by then.
// One seam for every cumulative figure (figures.ts), so the model can change in one place.
//
// Volume targets (counts and densities) follow the calendar (domain/forecast.ts): the monthly
// profile is the same months a year earlier when the log holds every one of them (the previous
// period, for a year-long target), else the one the plan declares for the target
// (`seasonalProfile`), else flat (each month weighs its days). Within a month the days weigh
// alike. Milestone counts (a handful of items with no season) keep the run rate.
import { type MonthSlot, type ProfileSource, type SeasonalForecast, forecastSeasonalCount } from '../../domain/forecast.ts'
import { type CountForecast, forecastCount } from '../../domain/statistics.ts'
import type { Target } from '../../domain/targets.ts'
import { addDays, daysBetween, elapsedDays, firstDayOfMonth, lastDayOfMonth, monthsBetween, periodLengthDays } from '../../domain/time.ts'
import type { Context } from './figures.ts'

/** The scope's facts dated within [from, to], by month 'YYYY-MM' (any dates: earlier periods too). */
export type CountByMonth = (from: string, to: string) => Record<string, number>

export interface CumulativeInput {
  /** The scope's count from the period's start through the context's date. */
  count: number
  /** The threshold in counts (a cap's is floor(cap) + 1: the probability is then of exceeding it). */
  countThreshold: number
  /** Volume targets: the scope's counts by month, for the seasonal forecast; without it, the run rate. */
  countByMonth?: CountByMonth
}

interface PeriodMonth {
  /** 'YYYY-MM' */
  month: string
  /** The month's days within the period. */
  from: string
  to: string
  days: number
  /** Days of the whole calendar month. */
  monthDays: number
}

const periodMonths = (target: Target): PeriodMonth[] => {
  const { start, end } = target.period
  return monthsBetween(start, end).map((month) => {
    const from = firstDayOfMonth(month) < start ? start : firstDayOfMonth(month)
    const to = lastDayOfMonth(month) > end ? end : lastDayOfMonth(month)
    return { month, from, to, days: daysBetween(from, to) + 1, monthDays: Number(lastDayOfMonth(month).slice(8)) }
  })
}

/** The same day a year earlier (29 February → 28 February). */
const yearEarlier = (date: string): string => {
  const shifted = `${String(Number(date.slice(0, 4)) - 1).padStart(4, '0')}${date.slice(4)}`
  return shifted.endsWith('-02-29') ? `${shifted.slice(0, 8)}28` : shifted
}

/**
 * Each month's weight: the same month a year earlier when every one of them holds facts (for
 * periods of at most a year), the declared share, or its days. `counts` holds the months from a
 * year before the period's start through the date, by 'YYYY-MM'.
 */
const profileOf = (target: Target, months: readonly PeriodMonth[], counts: Record<string, number>): { weights: number[]; source: ProfileSource } => {
  const previous = months.map((m) => counts[yearEarlier(m.from).slice(0, 7)] ?? 0)
  if (months.length <= 12 && previous.every((count) => count > 0)) return { weights: previous, source: 'previous_period' }
  const declared = target.seasonalProfile?.monthly
  // A month the period covers in part weighs its share of the month's days.
  if (declared) return { weights: months.map((m) => (declared[Number(m.month.slice(5)) - 1]! * m.days) / m.monthDays), source: 'declared' }
  return { weights: months.map((m) => m.days), source: 'flat' }
}

/** The period's months on `date`: the profile's weight, the part elapsed, the count so far. */
export const seasonalSlots = (target: Target, date: string, countByMonth: CountByMonth): { slots: MonthSlot[]; source: ProfileSource } => {
  const months = periodMonths(target)
  // One pass over the buckets: the year before the period and the period so far (two when the
  // period starts within a month or is longer than a year, whose months would then mix).
  const { start } = target.period
  const counts = countByMonth(yearEarlier(start), date)
  const { weights, source } = profileOf(target, months, counts)
  const current = start.endsWith('-01') && months.length <= 12 ? counts : countByMonth(start, date)
  const slots = months.map((m, i): MonthSlot => {
    const elapsed = date < m.from ? 0 : date >= m.to ? m.days : daysBetween(m.from, date) + 1
    const weight = weights[i]!
    return { weight, elapsedWeight: elapsed === m.days ? weight : (weight * elapsed) / m.days, count: elapsed > 0 ? (current[m.month] ?? 0) : 0 }
  })
  return { slots, source }
}

/**
 * The last day whose facts the forecast trusts to be in: facts that arrive late (a sampling batch
 * is recorded when the laboratory reports, days or weeks after it was sampled) leave the latest
 * days short, which would read as a slowdown. A target whose `reporting.graceDays` says how late
 * its facts may arrive is read through the last month end at least graceDays back (whole months:
 * days within a month do not weigh alike, a holiday is not a slow day). Until the period has such
 * a month, the forecast reads everything there is.
 */
export const settledThrough = (target: Target, date: string): string => {
  const grace = target.reporting?.graceDays ?? 0
  if (!(grace > 0)) return date
  const settled = addDays(date, -grace)
  const monthEnd = settled === lastDayOfMonth(settled.slice(0, 7)) ? settled : addDays(firstDayOfMonth(settled.slice(0, 7)), -1)
  return monthEnd >= target.period.start ? monthEnd : date
}

export const forecastCumulative = (ctx: Context, input: CumulativeInput): CountForecast | SeasonalForecast | null => {
  const { target, date } = ctx
  if (input.countByMonth && (target.metric === 'event_count' || target.metric === 'event_rate_per_1000')) {
    const { slots, source } = seasonalSlots(target, settledThrough(target, date), input.countByMonth)
    return forecastSeasonalCount({ months: slots, threshold: input.countThreshold, profile: source })
  }
  return forecastCount({
    count: input.count,
    elapsedDays: elapsedDays(target.period, date),
    periodDays: periodLengthDays(target.period),
    threshold: input.countThreshold,
  })
}
