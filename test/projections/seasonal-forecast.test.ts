// Volume targets forecast with the year's shape (projections/compliance/forecast.ts): the
// previous year's months when the log holds them, else the plan's declared profile, else flat;
// and the simulated 2020 (seed 2020, scale 1) read at mid-year and at the end of September.
import t from 'tap'
import { evaluatePlan, planView } from '../../projections/compliance.ts'
import type { TargetReport } from '../../projections/compliance.ts'
import { lastDayOfMonth } from '../../domain/time.ts'
import type { Target } from '../../domain/targets.ts'
import { guizhouRegionSet, seedPlan } from '../../seeds/plans.ts'
import { foldSimulatedYear } from '../helpers/simulated-year.ts'
import { endOf, evaluateTarget, fold, registrations, target } from './fixtures.ts'

const entities = (overrides: Partial<Target> = {}) =>
  target({ id: 'new-entities', metric: 'event_count', threshold: 12_000, unit: 'entities', evaluation: 'by_period_end', minimumSample: undefined, ...overrides })

// A year whose every month is quiet but December, which brings half of it.
const decemberHeavy = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 11]
/** `perMonth[m]` registrations in Guiyang on the 10th of each month of `year`, up to `months` months. */
const monthly = (year: number, perMonth: readonly number[], months = 12) =>
  perMonth.slice(0, months).flatMap((n, m) => registrations('guiyang', `${year}-${String(m + 1).padStart(2, '0')}-10`, n))

t.test('the previous year in the log gives the shape', async (t) => {
  // 2019: 100 a month, 1,100 in December. 2020's first half: 100 a month, as 2019's.
  const state = fold([...monthly(2019, decemberHeavy.map((w) => w * 100)), ...monthly(2020, decemberHeavy.map((w) => w * 100), 6)])
  const report = evaluateTarget(state, entities({ threshold: 2000 }), { at: endOf('2020-06-30') })
  t.match(report.forecast, { method: 'seasonal_overdispersed', profile: 'previous_period' })
  t.ok(Math.abs(report.forecast!.projected - 2200) < 1e-6, `600 is 6/22 of last year's shape: 2,200 by December (${report.forecast!.projected})`)
  t.equal(report.status, 'on_track')
  t.ok(report.forecast!.probability! > 0.5, `probability ${report.forecast!.probability}`)
  // The same first half with no earlier year in the log: a flat year of 1,200, short of 2,000.
  const alone = evaluateTarget(fold(monthly(2020, decemberHeavy.map((w) => w * 100), 6)), entities({ threshold: 2000 }), { at: endOf('2020-06-30') })
  t.match(alone, { status: 'at_risk', forecast: { profile: 'flat' } })
  t.ok(alone.forecast!.probability! < 0.05, `flat: ${alone.forecast!.probability}`)
})

t.test('a previous year missing a month does not give the shape; the declared profile does', async (t) => {
  const gap = decemberHeavy.map((w, m) => (m === 7 ? 0 : w * 100))
  const declared = { monthly: decemberHeavy, source: { zh: '测试', en: 'test' } }
  const state = fold([...monthly(2019, gap), ...monthly(2020, decemberHeavy.map((w) => w * 100), 6)])
  const report = evaluateTarget(state, entities({ threshold: 2000, seasonalProfile: declared }), { at: endOf('2020-06-30') })
  t.match(report.forecast, { profile: 'declared' })
  t.ok(Math.abs(report.forecast!.projected - 2200) < 1e-6, `${report.forecast!.projected}`)
  t.match(evaluateTarget(state, entities({ threshold: 2000 }), { at: endOf('2020-06-30') }).forecast, { profile: 'flat' })
})

t.test('the simulated 2020 at full size (seed 2020, scale 1)', async (t) => {
  const plan = seedPlan()
  const view = planView(plan, 0, guizhouRegionSet())
  const state = foldSimulatedYear({ seed: 2020, scale: 1, plan })
  const at = (date: string, id: string): TargetReport => evaluatePlan(state, view, { at: endOf(date) }).find((r) => r.id === id)!

  const yearEnd = at('2020-12-31', 'new-market-entities')
  t.equal(yearEnd.value, 536_000, 'the year ends at 536,000 new entities')
  t.equal(yearEnd.status, 'met')
  // Before: a flat run rate, 464,896 projected and probability 0 at 06-30.
  const june = at('2020-06-30', 'new-market-entities')
  t.match(june.forecast, { method: 'seasonal_overdispersed', profile: 'declared' })
  t.ok(june.forecast!.probability! >= 0.5, `new entities at 06-30: probability ${june.forecast!.probability} of 500,000`)
  t.ok(Math.abs(june.forecast!.projected / 536_000 - 1) < 0.02, `projected ${Math.round(june.forecast!.projected)} within 2% of 536,000`)
  t.equal(june.status, 'on_track')

  const density = at('2020-12-31', 'food-sampling-density')
  t.equal(density.status, 'met')
  // Before: 2.99 projected and probability 0.002 at 09-30 (the issue measured 2.82 and 0).
  const september = at('2020-09-30', 'food-sampling-density')
  t.ok(september.forecast!.probability! >= 0.5, `sampling density at 09-30: probability ${september.forecast!.probability} of 3 per 1,000`)
  t.ok(Math.abs(september.forecast!.projected / density.value! - 1) < 0.02, `projected ${september.forecast!.projected} within 2% of ${density.value}`)
  t.equal(september.status, 'on_track')

  // From mid-year on, both read probability >= 0.5 at every month end.
  for (let month = 6; month <= 11; month++) {
    const date = lastDayOfMonth(`2020-${String(month).padStart(2, '0')}`)
    for (const id of ['new-market-entities', 'food-sampling-density']) {
      const report = at(date, id)
      t.ok(report.status === 'met' || report.forecast!.probability! >= 0.5, `${id} at ${date}: ${report.status}, ${report.forecast?.probability}`)
    }
  }
})
