// Issue "Honest verdicts", item 2: a verdict is final only once the period's last report is due
// (period end + the target's reporting.graceDays); until then the answer says `provisional: true`
// and a shortfall reads by its trend or forecast, never `missed`. The simulated 2020 (seed 2020,
// scale 1): on 2021-01-10, before December's reports are due (01-15), three coverage targets read
// "missed" and on 2021-01-20 "met" when the grace is ignored, as the answers did before.
import t from 'tap'
import type { Target } from '../../domain/targets.ts'
import { type ComplianceState, type TargetReport, evaluatePlan, planView } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan } from '../../seeds/plans.ts'
import { foldSimulatedYear } from '../helpers/simulated-year.ts'
import { achieved, endOf, evaluateTarget, fold } from './fixtures.ts'

const plan = seedPlan()
const flipping = ['licence-separation-coverage', 'school-kitchen-transparency', 'licensed-producer-inspection']
const days = ['2021-01-10', '2021-01-15', '2021-01-16', '2021-01-20']

const states = new Map<string, ComplianceState>()
foldSimulatedYear({ seed: 2020, scale: 1, plan, types: ['IndicatorReported'], afterDay: (date, state) => void (days.includes(date) && states.set(date, structuredClone(state))) })

const view = planView(plan, 0, guizhouRegionSet())
// The answers before: the period's end was final at once (a reading target judged as if it had no reporting grace).
const ignoringGrace = planView({ ...plan, targets: plan.targets.map(({ reporting: _grace, ...target }): Target => target) }, 0, guizhouRegionSet())
const on = (date: string, planOf = view): Map<string, TargetReport> =>
  new Map(evaluatePlan(states.get(date)!, planOf, { at: endOf(date) }).map((report) => [report.id, report]))

t.test('simulated 2020: no verdict flips after the year end', async (t) => {
  const before10 = on('2021-01-10', ignoringGrace)
  const before20 = on('2021-01-20', ignoringGrace)
  const early = on('2021-01-10')
  const closed = on('2021-01-20')
  for (const id of flipping) {
    t.equal(before10.get(id)!.status, 'missed', `before: ${id} read missed on 01-10`)
    t.equal(before20.get(id)!.status, 'met', `before: ${id} read met on 01-20`)
    t.match(early.get(id), { status: /^(on_track|at_risk)$/, provisional: true, finalFrom: '2021-01-16', phase: 'after' }, `after: ${id} on 01-10 is provisional (${early.get(id)!.status})`)
    t.notOk(early.get(id)!.regions.some((r) => r.status === 'missed'), `${id}: no region reads missed on 01-10`)
    t.match(closed.get(id), { status: 'met', provisional: false }, `${id} on 01-20: met, final`)
  }
  // The last day of grace is still provisional; the day after, the verdict is final.
  t.match(on('2021-01-15').get('licence-separation-coverage'), { provisional: true })
  t.match(on('2021-01-16').get('licence-separation-coverage'), { provisional: false })
  // What was missed stays missed once final: two prefectures short of full joint inspection.
  t.match(closed.get('joint-random-inspection-coverage'), { status: 'missed', provisional: false })
  t.match(early.get('joint-random-inspection-coverage'), { provisional: true })
  t.not(early.get('joint-random-inspection-coverage')!.status, 'missed')
})

t.test('within the period every answer is provisional; milestones without a grace are final the day after the end', async (t) => {
  const standards = plan.targets.find((target) => target.id === 'enforcement-handbook')!
  const none = fold([])
  t.match(evaluateTarget(none, standards, { at: endOf('2020-12-31') }), { provisional: true, finalFrom: '2021-01-01' })
  t.match(evaluateTarget(none, standards, { at: endOf('2021-01-01') }), { provisional: false, status: 'missed', phase: 'after' })
  const handbook = fold([achieved(standards.id, standards.items?.[0]?.id ?? 'handbook', '2020-10-01')])
  t.match(evaluateTarget(handbook, standards, { at: endOf('2021-01-01') }), { provisional: false, status: 'met' })
})

t.test('the sampling density waits for its 30 days of late laboratory results', async (t) => {
  const density = plan.targets.find((target) => target.id === 'food-sampling-density')!
  t.equal(density.reporting?.graceDays, 30)
  t.match(evaluateTarget(fold([]), density, { at: endOf('2021-01-20') }), { provisional: true, finalFrom: '2021-01-31' })
  t.match(evaluateTarget(fold([]), density, { at: endOf('2021-01-31') }), { provisional: false })
})
