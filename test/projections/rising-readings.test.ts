// Issue "Honest verdicts", item 1: readings that rise through the year toward a result the plan
// sets for the year (建档率、检验检测制度建立率达100%; 党支部达标率不低于80%, an annual assessment)
// are judged by the year's end, not as already due: before it, their trend gives on_track or
// at_risk. Each case reads the shipped target and, beside it, the target as encoded before
// (continuous), on the simulated 2020 (seed 2020, scale 1) and on a small fixture.
import t from 'tap'
import type { Target } from '../../domain/targets.ts'
import { type ComplianceState, evaluatePlan, planView } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan, targetById } from '../../seeds/plans.ts'
import { foldSimulatedYear } from '../helpers/simulated-year.ts'
import { endOf, evaluateTarget, fold, reported } from './fixtures.ts'

const plan = seedPlan()
const shipped = (id: string): Target => targetById(plan, id)!
const rising = ['wholesale-vendor-records', 'wholesale-testing-systems', 'party-branch-standardization']
// January's to May's readings, each read once it is in: on the 25th of the next month.
const readDates = ['02', '03', '04', '05', '06'].map((m) => `2020-${m}-25`)

// The log as it stood at the end of each of those days and of 2021-01-31 (December's reports in).
const states = new Map<string, ComplianceState>()
foldSimulatedYear({
  seed: 2020,
  scale: 1,
  plan,
  types: ['IndicatorReported'],
  afterDay: (date, state) => {
    if (readDates.includes(date) || date === '2021-01-31') states.set(date, structuredClone(state))
  },
})

t.test('the catalog judges the three by the year end, as the undated 明厨亮灶 and 证照分离', async (t) => {
  for (const id of [...rising, 'school-kitchen-transparency', 'licence-separation-coverage']) t.equal(shipped(id).evaluation, 'by_period_end', id)
  for (const id of rising) t.match(shipped(id).semanticsNote!.en, /by_period_end/, `${id}: the note says why`)
})

t.test('simulated 2020, January to May: rising readings read on_track or at_risk, never breached', async (t) => {
  const continuousPlan = { ...plan, targets: plan.targets.map((target) => (rising.includes(target.id) ? { ...target, evaluation: 'continuous' as const } : target)) }
  const before = planView(continuousPlan, 0, guizhouRegionSet())
  const after = planView(plan, 0, guizhouRegionSet())
  const breachedBefore: string[] = []
  for (const date of readDates) {
    const state = states.get(date)!
    const old = evaluatePlan(state, before, { at: endOf(date) })
    const now = evaluatePlan(state, after, { at: endOf(date) })
    for (const id of ['wholesale-vendor-records', 'wholesale-testing-systems']) {
      const was = old.find((r) => r.id === id)!
      const is = now.find((r) => r.id === id)!
      if (was.status === 'breached') breachedBefore.push(`${id}@${date}`)
      t.ok(was.value! < 1, `${id} at ${date}: ${(was.value! * 100).toFixed(1)}%, still rising`)
      t.match(is.status, /^(on_track|at_risk)$/, `${id} at ${date}: before ${was.status}, after ${is.status}`)
      // Regions short of 100% read by their trend (Qiandongnan skipped April: stale in late May).
      for (const region of is.regions.filter((r) => r.value !== null && r.value < 1))
        t.match(region.status, /^(on_track|at_risk|stale)$/, `${id} ${region.region} at ${date}: ${region.status}`)
      // One reading gives no trend (at_risk); from the second on, most regions are on track.
      if (date > '2020-03-01') t.ok(is.regions.filter((r) => r.status === 'on_track').length >= 5, `${id} at ${date}: regions on track by their trend`)
    }
  }
  t.ok(breachedBefore.length >= 8, `before: the province breached at ${breachedBefore.join(', ')}`)
  // Vendor records reach 100% in June (Bijie in August) and read met from then on.
  const june = evaluatePlan(foldSimulatedYear({ seed: 2020, scale: 1, plan, types: ['IndicatorReported'], until: '2020-07-31' }), after, { at: endOf('2020-07-31') })
  t.equal(june.find((r) => r.id === 'wholesale-vendor-records')!.regions.find((r) => r.region === 'guiyang')!.status, 'met', 'Guiyang at 100% by June: met')
})

t.test('simulated 2020 closed: the year end still judges what was not reached', async (t) => {
  const closed = evaluatePlan(states.get('2021-01-31')!, planView(plan, 0, guizhouRegionSet()), { at: endOf('2021-01-31') })
  const testing = closed.find((r) => r.id === 'wholesale-testing-systems')!
  t.equal(testing.status, 'missed', 'one market in Qianxinan never set up its testing system: missed at the year end')
  t.equal(testing.regions.find((r) => r.region === 'qianxinan')!.status, 'missed')
  t.equal(closed.find((r) => r.id === 'wholesale-vendor-records')!.status, 'met')
})

t.test('party branches: a region under 80% in spring is on track by its trend, missed only if the year ends short', async (t) => {
  const branches = shipped('party-branch-standardization')
  const spring = fold([reported(branches.id, 'tongren', '2020-02-29', 70, 100), reported(branches.id, 'tongren', '2020-03-31', 74, 100)])
  const before = evaluateTarget(spring, { ...branches, evaluation: 'continuous' }, { at: endOf('2020-04-10') }).regions.find((r) => r.region === 'tongren')!
  t.equal(before.status, 'breached', 'before: 74% in March read breached')
  const after = evaluateTarget(spring, branches, { at: endOf('2020-04-10') }).regions.find((r) => r.region === 'tongren')!
  t.match(after, { status: 'on_track', value: 0.74 }, 'after: 70% → 74% projects past 80% by December')
  t.ok(after.forecast!.projected >= 0.8, `projected ${after.forecast!.projected}`)
  const flat = fold([reported(branches.id, 'tongren', '2020-11-30', 74, 100), reported(branches.id, 'tongren', '2020-12-31', 74, 100)], structuredClone(spring))
  t.equal(evaluateTarget(flat, branches, { at: endOf('2021-01-31') }).regions.find((r) => r.region === 'tongren')!.status, 'missed', '74% at the year end: missed')
})
