// Intervals and forecasts behind the compliance statuses. Pure numerics, no dependencies.

export interface Interval {
  low: number
  high: number
}

/** Two-sided 95% normal quantile. */
export const z95 = 1.959963984540054

/**
 * Standard normal cumulative distribution function. Uses erfc by the Chebyshev fit of
 * Numerical Recipes (erfcc), fractional error below 1.2e-7 everywhere: ample for statuses.
 */
export const normalCdf = (x: number): number => {
  const z = Math.abs(x) / Math.SQRT2
  const t = 1 / (1 + 0.5 * z)
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? 1 - erfc / 2 : erfc / 2
}

/**
 * Wilson score interval for a proportion of `successes` in `n` trials (z = 1.96 by default).
 * Unlike the Wald interval it stays inside [0, 1] and is honest for small n and p near 0 or 1,
 * which is exactly a county with 12 batches and 12 passes. Null when n is 0.
 */
export const wilsonInterval = (successes: number, n: number, z = z95): Interval | null => {
  if (!(n > 0) || successes < 0 || successes > n) return null
  const p = successes / n
  const z2 = z * z
  const denominator = 1 + z2 / n
  const centre = (p + z2 / (2 * n)) / denominator
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) }
}

/**
 * Normal-approximation interval for a mean from running sums: mean ± z·s/√n with the sample
 * standard deviation s. Null below two observations (no spread to estimate).
 */
export const meanInterval = (n: number, sum: number, sumOfSquares: number, z = z95): Interval | null => {
  if (!(n >= 2)) return null
  const mean = sum / n
  const variance = Math.max(0, (sumOfSquares - (sum * sum) / n) / (n - 1))
  const half = z * Math.sqrt(variance / n)
  return { low: mean - half, high: mean + half }
}

export interface CountForecast {
  /** Linear run rate: the count so far scaled to the whole period. */
  projected: number
  /** Probability that the count reaches the threshold by the period's end. */
  probability: number
  method: 'run_rate_poisson'
}

/**
 * P(X >= k) for an integer count X with the given mean and variance, by the normal approximation
 * with continuity correction.
 */
export const probabilityAtLeast = (k: number, mean: number, variance: number): number => {
  if (k <= 0) return 1
  if (!(variance > 0)) return mean >= k ? 1 : 0
  return 1 - normalCdf((k - 0.5 - mean) / Math.sqrt(variance))
}

/**
 * Forecast of a cumulative count target.
 *
 * Model: events arrive as a Poisson process with a constant daily rate λ, estimated by the run
 * rate λ̂ = count / elapsedDays. The events still to come in the R remaining days are then
 * Poisson(λR). λ̂ is itself uncertain (Var λ̂ ≈ λ/E for E elapsed days), so the predictive
 * variance of the remaining count is λR + R²λ/E = λR·(E + R)/E: wide early in the period,
 * tightening as it runs (this widening is our addition to the plain Poisson model; it keeps
 * a January forecast from sounding certain). The probability of reaching the threshold is
 * P(remaining >= ceil(threshold - count)) by the normal approximation with continuity
 * correction. Registrations and sampling are seasonal and over-dispersed, so read the
 * probability as a screening signal, not a calibrated one. Null when no day has elapsed.
 */
export const forecastCount = (input: {
  count: number
  elapsedDays: number
  periodDays: number
  threshold: number
}): CountForecast | null => {
  const { count, elapsedDays, periodDays, threshold } = input
  if (!(elapsedDays > 0) || !(periodDays >= elapsedDays)) return null
  const rate = count / elapsedDays
  const remainingDays = periodDays - elapsedDays
  const mean = rate * remainingDays
  const variance = (mean * (elapsedDays + remainingDays)) / elapsedDays
  const needed = Math.ceil(threshold - count - 1e-9)
  return {
    projected: rate * periodDays,
    probability: probabilityAtLeast(needed, mean, variance),
    method: 'run_rate_poisson',
  }
}

export interface TrendPoint {
  x: number
  y: number
}

/** Least-squares line through the points, evaluated at x; the last y when the line is undefined. */
export const linearTrendAt = (points: readonly TrendPoint[], x: number): number | null => {
  if (points.length === 0) return null
  const n = points.length
  const meanX = points.reduce((s, p) => s + p.x, 0) / n
  const meanY = points.reduce((s, p) => s + p.y, 0) / n
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0)
  if (sxx === 0) return points[n - 1].y
  const sxy = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0)
  return meanY + (sxy / sxx) * (x - meanX)
}
