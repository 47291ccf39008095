// Issue "Honest verdicts", item 6: close calls are not presented as certain. The verdict stays
// the official figure (the rate of the batches tested is the plan's measure); beside it,
// `margin` says whether the threshold lies within the 95% interval ("breached, within the
// statistical margin") or clear of it. The simulated 2020 (seed 2020, scale 1).
import t from 'tap'
import { marginOf } from '../../domain/verdicts.ts'
import { wilsonInterval } from '../../domain/statistics.ts'
import { type TargetReport, evaluatePlan, planView } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan, targetById } from '../../seeds/plans.ts'
import { foldSimulatedYear } from '../helpers/simulated-year.ts'
import { arrived, batches, endOf, evaluateTarget, fold } from './fixtures.ts'

const plan = seedPlan()
const year = foldSimulatedYear({ seed: 2020, scale: 1, plan, types: ['SamplingBatchTested'] })
const view = planView(plan, 0, guizhouRegionSet())
const passRate = (date: string): TargetReport => evaluatePlan(year, view, { at: endOf(date) }).find((r) => r.id === 'food-sampling-pass-rate')!
const regionOf = <R extends { region: string }>(report: { regions: R[] }, id: string): R => report.regions.find((r) => r.region === id)!

t.test('Tongren at 03-31: breached, within the statistical margin; by 06-30 clearly breached', async (t) => {
  const march = regionOf(passRate('2020-03-31'), 'tongren')
  // Before: status, value and interval only — a close call read as a plain "breached".
  t.match(march, { status: 'breached', margin: 'within_interval' })
  t.ok(march.value! < 0.98 && march.interval!.low < 0.98 && march.interval!.high > 0.98, `${(march.value! * 100).toFixed(2)}% of ${march.sample}, interval ${(march.interval!.low * 100).toFixed(1)}–${(march.interval!.high * 100).toFixed(1)}%`)
  t.ok(march.sample >= 100, 'past the minimum sample: the verdict is the official figure')
  const june = regionOf(passRate('2020-06-30'), 'tongren')
  t.match(june, { status: 'breached', margin: 'clear' })
  t.ok(june.interval!.high < 0.98, `the whole interval is below 98% by June (${(june.interval!.high * 100).toFixed(2)}%)`)
  const guiyang = regionOf(passRate('2020-06-30'), 'guiyang')
  t.match(guiyang, { status: 'met', margin: 'clear' }, 'Guiyang: clearly met')
  t.match(passRate('2020-06-30'), { status: 'met', margin: 'clear' }, 'the province, on some 12,000 batches')
})

t.test('marginOf: the threshold inside the interval (bounds included), or clear of it', async (t) => {
  t.equal(marginOf(0.98, wilsonInterval(195, 200)), 'within_interval', '97.5% of 200')
  t.equal(marginOf(0.98, wilsonInterval(9750, 10000)), 'clear', '97.5% of 10,000')
  t.equal(marginOf(0.98, { low: 0.98, high: 0.99 }), 'within_interval')
  t.equal(marginOf(0.98, null), undefined, 'no interval, no margin')
})

t.test('mean rescue times carry a margin too; readings and counts do not', async (t) => {
  const rescue = targetById(plan, 'elevator-rescue-arrival')!
  const spread = fold(Array.from({ length: 40 }, (_, i) => arrived('zunyi', `2020-05-0${1 + (i % 9)}T08:00:00+08:00`, i % 2 === 0 ? 10 : 32)))
  const zunyi = regionOf(evaluateTarget(spread, rescue, { at: endOf('2020-05-31') }), 'zunyi')
  t.match(zunyi, { status: 'breached', value: 21, margin: 'within_interval' }, '21 minutes on average, 95% interval across 20')
  const kitchens = targetById(plan, 'school-kitchen-transparency')!
  t.notOk(evaluateTarget(fold([]), kitchens, { at: endOf('2020-05-31') }).margin)
  t.notOk(evaluateTarget(fold(batches('zunyi', '2020-05-01', 0)), rescue, { at: endOf('2020-05-31') }).margin, 'no incident: no margin')
})
