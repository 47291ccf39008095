import t from 'tap'
import { forecastCount, linearTrendAt, meanInterval, normalCdf, probabilityAtLeast, wilsonInterval } from '../../domain/statistics.ts'

/** [within tolerance, message] for t.ok. */
const near = (actual: number, expected: number, tolerance: number, message = '') =>
  [Math.abs(actual - expected) <= tolerance, `${message} ${actual} ≈ ${expected}`.trim()] as const

t.test('the normal CDF', async (t) => {
  t.ok(...near(normalCdf(0), 0.5, 1e-7))
  t.ok(...near(normalCdf(1.959963984540054), 0.975, 1e-7))
  t.ok(...near(normalCdf(-1.6448536269514722), 0.05, 1e-7))
  t.ok(...near(normalCdf(3), 0.9986501019683699, 1e-7))
  t.ok(...near(normalCdf(-8), 0, 1e-12))
})

t.test('Wilson interval: published values for 0, 5 and 10 of 10', async (t) => {
  const none = wilsonInterval(0, 10)!
  t.ok(...near(none.low, 0, 1e-12))
  t.ok(...near(none.high, 0.2775, 1e-4))
  const half = wilsonInterval(5, 10)!
  t.ok(...near(half.low, 0.2366, 1e-4))
  t.ok(...near(half.high, 0.7634, 1e-4))
  const all = wilsonInterval(10, 10)!
  t.ok(...near(all.low, 0.7225, 1e-4))
  t.ok(...near(all.high, 1, 1e-12))
})

t.test('Wilson interval narrows with the sample and stays within [0, 1]', async (t) => {
  const small = wilsonInterval(985, 1000)!
  const large = wilsonInterval(98_500, 100_000)!
  t.ok(small.low < large.low && large.high < small.high)
  t.ok(small.low < 0.985 && 0.985 < small.high)
  t.ok(0.985 - small.low > small.high - 0.985, 'pulled towards 1/2: longer on the low side')
  t.equal(wilsonInterval(0, 0), null)
  t.equal(wilsonInterval(11, 10), null)
})

t.test('mean interval from n, sum and sum of squares', async (t) => {
  // 10, 20, 30: mean 20, sample sd 10.
  const interval = meanInterval(3, 60, 1400)!
  const half = 1.959963984540054 * (10 / Math.sqrt(3))
  t.ok(...near(interval.low, 20 - half, 1e-9))
  t.ok(...near(interval.high, 20 + half, 1e-9))
  t.strictSame(meanInterval(4, 80, 1600), { low: 20, high: 20 }, 'no spread, no width')
  t.equal(meanInterval(1, 12, 144), null)
  t.equal(meanInterval(0, 0, 0), null)
})

t.test('P(X >= k) by the normal approximation tracks the exact Poisson tail', async (t) => {
  const poissonAtLeast = (k: number, mean: number) => {
    let term = Math.exp(-mean)
    let below = 0
    for (let i = 0; i < k; i++) {
      below += term
      term *= mean / (i + 1)
    }
    return 1 - below
  }
  for (const [k, mean] of [[60, 50], [40, 50], [50, 50], [520, 500], [110, 100]])
    t.ok(...near(probabilityAtLeast(k, mean, mean), poissonAtLeast(k, mean), 0.01, `k=${k} mean=${mean}`))
  t.equal(probabilityAtLeast(0, 0, 0), 1)
  t.equal(probabilityAtLeast(3, 0, 0), 0)
})

t.test('count forecast: linear run rate and probability of reaching the threshold', async (t) => {
  const even = forecastCount({ count: 100, elapsedDays: 100, periodDays: 200, threshold: 200 })!
  t.equal(even.projected, 200)
  t.equal(even.method, 'run_rate_poisson')
  // remaining ~ mean 100, variance 100 × 200/100 = 200; need 100: 1 - Φ((99.5 - 100)/√200)
  t.ok(...near(even.probability, normalCdf(0.5 / Math.sqrt(200)), 1e-12))
  t.ok(forecastCount({ count: 150, elapsedDays: 100, periodDays: 200, threshold: 200 })!.probability > 0.95)
  t.ok(forecastCount({ count: 50, elapsedDays: 100, periodDays: 200, threshold: 200 })!.probability < 0.05)
  t.equal(forecastCount({ count: 200, elapsedDays: 100, periodDays: 200, threshold: 200 })!.probability, 1, 'already reached')
  t.equal(forecastCount({ count: 199, elapsedDays: 200, periodDays: 200, threshold: 200 })!.probability, 0, 'no time left')
  t.equal(forecastCount({ count: 0, elapsedDays: 10, periodDays: 200, threshold: 1 })!.probability, 0, 'no rate')
  t.equal(forecastCount({ count: 0, elapsedDays: 0, periodDays: 200, threshold: 1 }), null)
})

t.test('the forecast is more certain later in the period at the same run rate', async (t) => {
  const early = forecastCount({ count: 105, elapsedDays: 100, periodDays: 1000, threshold: 1000 })!
  const late = forecastCount({ count: 945, elapsedDays: 900, periodDays: 1000, threshold: 1000 })!
  t.ok(early.probability < late.probability, `${early.probability} < ${late.probability}`)
})

t.test('linear trend', async (t) => {
  t.ok(...near(linearTrendAt([{ x: 0, y: 0.4 }, { x: 10, y: 0.5 }, { x: 20, y: 0.6 }], 40)!, 0.8, 1e-12))
  t.equal(linearTrendAt([{ x: 5, y: 0.7 }], 40), 0.7)
  t.equal(linearTrendAt([], 40), null)
})
