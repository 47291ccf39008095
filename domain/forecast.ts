// The forecast of a volume target (a count or a per-1,000 density) that follows the calendar:
// the year's shape comes from a monthly profile, the spread from how far the months observed so
// far strayed from it. Pure numerics; which profile applies is decided by the caller
// (projections/compliance/forecast.ts, docs/ARCHITECTURE.md "Targets and compliance").
import { probabilityAtLeast } from './statistics.ts'

/** Where a seasonal profile came from, best first. */
export type ProfileSource = 'previous_period' | 'declared' | 'flat'

/** One month of the period, as the forecast sees it on its date. */
export interface MonthSlot {
  /** The profile's weight of the month's part in the period (any positive scale; only ratios matter). */
  weight: number
  /** The part of that weight already elapsed on the date: the whole for past months, none for months to come. */
  elapsedWeight: number
  /** Facts counted in the elapsed part. */
  count: number
}

export interface SeasonalForecast {
  /** The count expected at the period's end. */
  projected: number
  /** Probability that the count reaches the threshold by the period's end. */
  probability: number
  method: 'seasonal_overdispersed'
  profile: ProfileSource
  /** The month-to-month variation used (coefficient of variation beyond Poisson noise). */
  variation: number
}

/**
 * Prior belief about month-to-month variation before any month is observed: administrative
 * volumes stray by about a tenth from their season (a coefficient of variation of 0.1), held as
 * if seen over `priorMonths` months. Observed months pull the estimate towards what they show.
 */
export const priorVariation = 0.1
export const priorMonths = 2

/**
 * Forecast of a cumulative count from the months so far and the profile of the whole period.
 *
 * Model: the period's total is L, and month m brings L·p_m facts on average (p_m its profile
 * share), with variance e + c²e² for an expected e (Poisson noise plus a relative variation c,
 * the negative binomial's overdispersion). L is estimated by L̂ = count / elapsed share, so a
 * quiet February that the profile expects does not lower the projection, and one it does not
 * expect does. c² is the pooled moment estimate Σ[(o − e)² − e] / Σe² over the elapsed months
 * (k of them, k/(k − 1) for the fitted level), shrunk towards the prior. The facts still to come
 * have mean L̂·(1 − elapsed share) and variance: their own noise, plus the level's uncertainty
 * (the elapsed count's variance scaled by ((1 − s)/s)²). The probability of reaching the
 * threshold is then the normal approximation with continuity correction, as for the run rate.
 * Null before any of the profile's weight has elapsed or when the profile weighs nothing.
 */
export const forecastSeasonalCount = (input: {
  months: readonly MonthSlot[]
  threshold: number
  profile: ProfileSource
}): SeasonalForecast | null => {
  const { months, threshold, profile } = input
  let total = 0
  let elapsed = 0
  let count = 0
  for (const m of months) {
    total += m.weight
    elapsed += m.elapsedWeight
    count += m.count
  }
  if (!(total > 0) || !(elapsed > 0)) return null
  const share = Math.min(1, elapsed / total)
  const projected = (count * total) / elapsed

  // Month-to-month variation observed, against the expectation of each elapsed month.
  let excess = 0
  let squares = 0
  let observedMonths = 0
  for (const m of months) {
    if (!(m.elapsedWeight > 0)) continue
    const expected = (projected * m.elapsedWeight) / total
    if (!(expected > 0)) continue
    excess += (m.count - expected) ** 2 - expected
    squares += expected * expected
    observedMonths += 1
  }
  const freedom = Math.max(0, observedMonths - 1)
  const observed = freedom > 0 && squares > 0 ? Math.max(0, (excess / squares) * (observedMonths / freedom)) : 0
  const variation2 = (priorMonths * priorVariation ** 2 + freedom * observed) / (priorMonths + freedom)

  const varianceOf = (expected: number) => expected + variation2 * expected * expected
  let elapsedVariance = 0
  let futureVariance = 0
  for (const m of months) {
    if (m.elapsedWeight > 0) elapsedVariance += varianceOf((projected * m.elapsedWeight) / total)
    const remaining = m.weight - m.elapsedWeight
    if (remaining > 0) futureVariance += varianceOf((projected * remaining) / total)
  }
  const levelVariance = ((1 - share) / share) ** 2 * elapsedVariance
  const mean = projected - count
  const needed = Math.ceil(threshold - count - 1e-9)
  return {
    projected,
    probability: probabilityAtLeast(needed, mean, futureVariance + levelVariance),
    method: 'seasonal_overdispersed',
    profile,
    variation: Math.sqrt(variation2),
  }
}
