// The demo's plan (seeds/simulate/scaled-plan.ts): a year simulated at the demo's default scale
// (0.1), judged against the plan with its volume thresholds scaled alike, gets the verdicts of
// the full-size year — for the province and every region, at every month end and once the year
// is over. Judged against the full-size thresholds it would read "missed".
import t from 'tap'
import { lastDayOfMonth } from '../../domain/time.ts'
import { evaluatePlan, planView } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan } from '../../seeds/plans.ts'
import { isScaledVolume, scaledPlan } from '../../seeds/simulate/scaled-plan.ts'
import { parseDemoArguments } from '../../services/cli/demo.ts'
import { foldSimulatedYear } from '../helpers/simulated-year.ts'

const plan = seedPlan()
const volumeIds = plan.targets.filter(isScaledVolume).map((target) => target.id)
const dates = [...Array.from({ length: 12 }, (_, m) => lastDayOfMonth(`2020-${String(m + 1).padStart(2, '0')}`)), '2021-01-31']

t.test('the scaled plan: volume thresholds and titles scaled, everything else as published', async (t) => {
  t.strictSame(volumeIds, ['new-market-entities', 'food-sampling-density'])
  const demo = scaledPlan(plan, 0.1)
  t.match(demo.title.en, /demo: .* scale 0\.1/)
  t.match(demo.title.zh, /演示/)
  const byId = new Map(demo.targets.map((target) => [target.id, target]))
  t.equal(byId.get('new-market-entities')!.threshold, 50_000)
  t.ok(Math.abs(byId.get('food-sampling-density')!.threshold - 0.3) < 1e-12)
  for (const target of plan.targets.filter((x) => !isScaledVolume(x))) t.equal(byId.get(target.id), target, `${target.id} unchanged`)
  t.equal(scaledPlan(plan, 1), plan, 'at scale 1 the plan itself')
})

t.test("the demo's default scale gives the full-size year's verdicts for the volume targets", async (t) => {
  const { seed, scale } = parseDemoArguments({ demo: true })
  t.equal(scale, 0.1, 'the default scale')
  const full = foldSimulatedYear({ seed, scale: 1, plan })
  const demo = foldSimulatedYear({ seed, scale, plan })
  const fullView = planView(plan, 0, guizhouRegionSet())
  const demoView = planView(scaledPlan(plan, scale), 0, guizhouRegionSet())
  const verdicts = (reports: ReturnType<typeof evaluatePlan>) =>
    reports.filter((r) => volumeIds.includes(r.id)).map((r) => [r.id, r.status, ...r.regions.map((g) => `${g.region}:${g.status}`)])
  for (const date of dates) {
    const at = `${date}T23:59:59+08:00`
    t.strictSame(verdicts(evaluatePlan(demo, demoView, { at })), verdicts(evaluatePlan(full, fullView, { at })), `${date}: the same verdicts`)
  }
  const over = '2021-01-31T23:59:59+08:00'
  t.strictSame(
    verdicts(evaluatePlan(full, fullView, { at: over })).map(([id, status]) => [id, status]),
    volumeIds.map((id) => [id, 'met']),
    'the full-size year meets both',
  )
  // Before: the demo judged its tenth of the volume against the full-size thresholds.
  t.strictSame(
    verdicts(evaluatePlan(demo, fullView, { at: over })).map(([id, status]) => [id, status]),
    volumeIds.map((id) => [id, 'missed']),
    'against unscaled thresholds the same demo year reads missed',
  )
})
