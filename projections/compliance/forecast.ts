// The forecast of a cumulative count target (event_count, event_rate_per_1000, milestone_count):
// the count expected at the period's end and the probability of reaching the threshold by then.
// One seam for every cumulative figure (figures.ts), so the model can change in one place.
import { type CountForecast, forecastCount } from '../../domain/statistics.ts'
import { elapsedDays, periodLengthDays } from '../../domain/time.ts'
import type { Context } from './figures.ts'

export interface CumulativeInput {
  /** The scope's count from the period's start through the context's date. */
  count: number
  /** The threshold in counts (a cap's is floor(cap) + 1: the probability is then of exceeding it). */
  countThreshold: number
  /** The scope's count of the same facts within [from, to], for any dates (earlier periods too). */
  countBetween: (from: string, to: string) => number
}

export const forecastCumulative = (ctx: Context, input: CumulativeInput): CountForecast | null => {
  const { target, date } = ctx
  return forecastCount({
    count: input.count,
    elapsedDays: elapsedDays(target.period, date),
    periodDays: periodLengthDays(target.period),
    threshold: input.countThreshold,
  })
}
