// The seasonal forecast of a volume target (domain/forecast.ts): the profile gives the year its
// shape, the months observed give the spread.
import t from 'tap'
import { type MonthSlot, forecastSeasonalCount, priorVariation } from '../../domain/forecast.ts'
import { forecastCount } from '../../domain/statistics.ts'

/** Twelve months with these weights; the first `elapsed` of them observed with these counts. */
const year = (weights: readonly number[], counts: readonly number[]): MonthSlot[] =>
  weights.map((weight, i) => (i < counts.length ? { weight, elapsedWeight: weight, count: counts[i]! } : { weight, elapsedWeight: 0, count: 0 }))

const flat = Array<number>(12).fill(1)
// A calendar with a deep February (Spring Festival) and a year-end push; sums to 12.
const seasonal = [0.7, 0.3, 1, 1.1, 1.1, 1.1, 1.1, 1.1, 1.1, 0.9, 1.1, 1.4]

t.test('a month the profile expects to be quiet does not lower the projection', async (t) => {
  // 1,000 facts a "unit" of profile: the first half brings exactly what the season says.
  const counts = seasonal.slice(0, 6).map((w) => w * 1000)
  const withSeason = forecastSeasonalCount({ months: year(seasonal, counts), threshold: 12_000, profile: 'declared' })!
  t.equal(Math.round(withSeason.projected), 12_000, 'the level is read against the season: 12,000 by the end')
  t.ok(withSeason.probability > 0.4 && withSeason.probability < 0.6, `exactly on the line: about even (${withSeason.probability})`)
  const ignoringIt = forecastSeasonalCount({ months: year(flat, counts), threshold: 12_000, profile: 'flat' })!
  t.ok(ignoringIt.projected < 10_800, `a flat profile reads the dip as a slow year: ${ignoringIt.projected}`)
  t.ok(ignoringIt.variation > withSeason.variation * 2, 'and sees the dip as month-to-month variation')
})

t.test('the spread follows the variation observed, beyond Poisson noise', async (t) => {
  // Two first halves with the same total (6,000) and level; one steady, one swinging by ±25%.
  const steady = forecastSeasonalCount({ months: year(flat, [1000, 1000, 1000, 1000, 1000, 1000]), threshold: 11_400, profile: 'flat' })!
  const swinging = forecastSeasonalCount({ months: year(flat, [750, 1250, 750, 1250, 750, 1250]), threshold: 11_400, profile: 'flat' })!
  t.equal(steady.projected, 12_000)
  t.equal(swinging.projected, 12_000)
  t.ok(swinging.variation > 0.2, `about 0.25 of variation seen: ${swinging.variation}`)
  t.ok(steady.variation < priorVariation, `steady months pull the variation below the prior: ${steady.variation}`)
  t.ok(steady.probability > 0.9, `steady: 11,400 of a projected 12,000 is likely (${steady.probability})`)
  t.ok(swinging.probability < 0.8 && swinging.probability > 0.5, `swinging: much less sure (${swinging.probability})`)
  // The Poisson run rate would be nearly certain either way: its spread ignores the months.
  const poisson = forecastCount({ count: 6000, elapsedDays: 183, periodDays: 366, threshold: 11_400 })!
  t.ok(poisson.probability > 0.999, `run rate: ${poisson.probability}`)
})

t.test('early in the period the prior keeps a forecast from sounding certain', async (t) => {
  const january = forecastSeasonalCount({ months: year(flat, [1000]), threshold: 11_000, profile: 'flat' })!
  t.equal(january.variation, priorVariation, 'one month shows no variation yet: the prior alone')
  t.ok(january.probability > 0.6 && january.probability < 0.95, `12,000 projected, 11,000 needed, eleven months to go: ${january.probability}`)
  const june = forecastSeasonalCount({ months: year(flat, [1000, 1000, 1000, 1000, 1000, 1000]), threshold: 11_000, profile: 'flat' })!
  t.ok(june.probability > january.probability, 'the same pace held for six months is surer')
})

t.test('a month in progress counts its elapsed part', async (t) => {
  const months = year(flat, [1000, 1000])
  months[2] = { weight: 1, elapsedWeight: 0.5, count: 500 }
  const f = forecastSeasonalCount({ months, threshold: 12_000, profile: 'flat' })!
  t.equal(f.projected, 12_000)
})

t.test('the ends of the period', async (t) => {
  t.equal(forecastSeasonalCount({ months: year(flat, []), threshold: 10, profile: 'flat' }), null, 'nothing elapsed: no forecast')
  t.equal(forecastSeasonalCount({ months: [], threshold: 10, profile: 'flat' }), null)
  const reached = forecastSeasonalCount({ months: year(flat, Array(12).fill(1000)), threshold: 12_000, profile: 'flat' })!
  t.equal(reached.probability, 1, 'the whole period counted and the threshold reached')
  const short = forecastSeasonalCount({ months: year(flat, Array(12).fill(990)), threshold: 12_000, profile: 'flat' })!
  t.equal(short.probability, 0, 'the whole period counted and short: no more facts to come')
  t.equal(short.method, 'seasonal_overdispersed')
  t.equal(short.profile, 'flat')
})
