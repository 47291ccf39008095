// Issue "Honest verdicts", item 3: one silent region must not hide the province. The province's
// figure is computed over the regions that reported, with its coverage (n of N, which are
// missing); `stale` is a flag beside the status, not a replacement for the value. Before the
// first report is due, one region's report does not make the province met. Event-fed targets are
// flagged when a region sends no facts for longer than the target's cadence.
import t from 'tap'
import type { Target } from '../../domain/targets.ts'
import { type ComplianceState, evaluatePlan, planView, readingsOf } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan, targetById } from '../../seeds/plans.ts'
import { foldSimulatedYear } from '../helpers/simulated-year.ts'
import { batches, endOf, evaluateTarget, fold, recorded, registrations, reported } from './fixtures.ts'

const plan = seedPlan()
const shipped = (id: string): Target => targetById(plan, id)!
const prefectures = guizhouRegionSet().regions.filter((r) => r.reporting === 'required').map((r) => r.id)
const regionOf = <R extends { region: string }>(report: { regions: R[] }, id: string): R => report.regions.find((r) => r.region === id)!

t.test('simulated 2020 closed: Qiandongnan skipped December, the province is judged over the nine that reported', async (t) => {
  // Before: the province read "stale" (the status replaced the verdict) on the year's close.
  let closed: ComplianceState | undefined
  foldSimulatedYear({ seed: 2020, scale: 1, plan, types: ['IndicatorReported'], afterDay: (date, state) => void (date === '2021-01-31' && (closed = structuredClone(state))) })
  const report = evaluatePlan(closed!, planView(plan, 0, guizhouRegionSet()), { at: endOf('2021-01-31') }).find((r) => r.id === 'party-branch-standardization')!
  const reporters = report.regions.filter((r) => r.region !== 'qiandongnan').map((r) => r.region)
  // The value over the nine, recomputed from their December readings.
  const december = reporters.map((region) => readingsOf(closed!, plan.id, report.id, region).at(-1)!)
  t.ok(december.every(([asOf]) => asOf === '2020-12-31'), 'the nine reported December')
  const value = december.reduce((s, r) => s + r[1], 0) / december.reduce((s, r) => s + r[2], 0)
  t.match(report, { status: 'met', stale: true, staleRegions: ['qiandongnan'], provisional: false })
  t.ok(Math.abs(report.value! - value) < 1e-12, `the value is the nine's: ${report.value} (${value})`)
  t.same(report.coverage, { reported: 9, expected: 10, missing: ['qiandongnan'] }, "the nine prefectures' eight and Gui'an reported; Qiandongnan did not")
  t.match(regionOf(report, 'qiandongnan'), { status: 'stale', stale: true, asOf: '2020-11-30' }, "Qiandongnan's own entry: stale, with its November reading")
  t.ok(regionOf(report, 'qiandongnan').value! > 0.8, 'the last value is still shown')
})

t.test('before the first report is due, one region reporting early does not make the province met', async (t) => {
  const kitchens = shipped('school-kitchen-transparency')
  const early = fold([reported(kitchens.id, 'guiyang', '2020-01-31', 500, 500)])
  // Before: met on Guiyang's 100% alone.
  const report = evaluateTarget(early, kitchens, { at: endOf('2020-02-05') })
  t.match(report, { status: 'on_track', value: 1, stale: false, coverage: { reported: 1, expected: 9 } })
  t.equal(report.coverage!.missing.length, 8)
  t.match(regionOf(report, 'guiyang'), { status: 'met' }, "Guiyang's own verdict stands")
  // Once every prefecture has reported, the province is met.
  const all = fold(prefectures.filter((r) => r !== 'guiyang').map((region) => reported(kitchens.id, region, '2020-01-31', 100, 100)), structuredClone(early))
  t.match(evaluateTarget(all, kitchens, { at: endOf('2020-02-10') }), { status: 'met', coverage: { reported: 9, expected: 9, missing: [] } })
  // A region that never reported, once its report is due: stale, and the province over the others.
  const eight = fold(prefectures.filter((r) => r !== 'guiyang' && r !== 'bijie').map((region) => reported(kitchens.id, region, '2020-01-31', 100, 100)), structuredClone(early))
  t.match(evaluateTarget(eight, kitchens, { at: endOf('2020-02-15') }), { status: 'on_track', coverage: { reported: 8, missing: ['bijie'] } }, 'due by 02-15: Bijie is not late yet')
  t.match(evaluateTarget(eight, kitchens, { at: endOf('2020-02-16') }), { status: 'met', stale: true, staleRegions: ['bijie'], coverage: { reported: 8, expected: 9, missing: ['bijie'] } })
  // Nobody current at all: there is no figure, only silence.
  t.match(evaluateTarget(early, kitchens, { at: endOf('2020-03-16') }), { status: 'stale', value: null, stale: true, coverage: { reported: 0 } })
})

t.test('event-fed targets: a region with no facts for longer than the cadence is flagged, its status stands', async (t) => {
  const passRate = shipped('food-sampling-pass-rate')
  t.same(passRate.reporting, { cadence: 'monthly', graceDays: 30 })
  const january = guizhouRegionSet().regions.map((r) => r.id).flatMap((region) => batches(region, '2020-01-15', 120))
  const laterMonths = guizhouRegionSet().regions.map((r) => r.id).filter((r) => r !== 'bijie').flatMap((region) => [...batches(region, '2020-02-15', 120), ...batches(region, '2020-03-15', 120)])
  const state = fold([...january, ...laterMonths])
  // Before: no flag; every region read met. February's batches are due by 03-30 (02-29 + 30 days).
  const onTime = evaluateTarget(state, passRate, { at: endOf('2020-03-30') })
  t.match(onTime, { status: 'met', stale: false, coverage: { reported: 10, expected: 10, missing: [] } })
  const late = evaluateTarget(state, passRate, { at: endOf('2020-03-31') })
  t.match(late, { status: 'met', stale: true, staleRegions: ['bijie'], coverage: { reported: 9, expected: 10, missing: ['bijie'] } })
  t.match(regionOf(late, 'bijie'), { status: 'met', stale: true, value: 1, sample: 120 }, 'the flag is beside the status; January still counts')
  t.match(regionOf(late, 'zunyi'), { stale: false })

  const entities = shipped('new-market-entities')
  const registered = fold(prefectures.filter((r) => r !== 'anshun').flatMap((region) => registrations(region, '2020-01-20', 3)))
  t.match(evaluateTarget(registered, entities, { at: endOf('2020-01-31') }), { stale: false }, 'January is not over: nothing due')
  const feb = evaluateTarget(registered, entities, { at: endOf('2020-02-01') })
  t.match(feb, { stale: true, staleRegions: ['anshun'], coverage: { reported: 8, expected: 9 } }, 'Anshun registered nothing in January')
  t.equal(feb.value, 24, 'the count is unchanged')

  const rescue = shipped('elevator-rescue-arrival')
  const incidents = fold(
    prefectures.filter((r) => r !== 'tongren').flatMap((region, i) => {
      const reportedAt = `2020-03-0${1 + (i % 9)}T10:00:00+08:00`
      return [
        recorded('RescueRequested', { incidentId: `c${region}`, region, reportedAt }),
        recorded('RescuerArrived', { incidentId: `c${region}`, region, reportedAt, arrivedAt: new Date(Date.parse(reportedAt) + 15 * 60_000).toISOString() }),
      ]
    }),
  )
  t.match(evaluateTarget(incidents, rescue, { at: endOf('2020-04-01') }), { stale: true, staleRegions: ['tongren'], coverage: { reported: 8 } })
})

t.test('targets without a reporting cadence carry no coverage and are never flagged', async (t) => {
  const handbook = shipped('enforcement-handbook')
  const report = evaluateTarget(fold([]), handbook, { at: endOf('2020-06-30') })
  t.equal(report.stale, false)
  t.notOk(report.coverage)
})
