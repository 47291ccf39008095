// The 2020 catalog's semantic choices (issue "Honest verdicts", item 7) on concrete cases: each
// case evaluates the shipped target and, beside it, the target as the catalog encoded it before,
// so the test shows what changed for an official reading the answer.
import t from 'tap'
import type { Target } from '../../domain/targets.ts'
import { seedPlan, targetById } from '../../seeds/plans.ts'
import { achieved, endOf, evaluateTarget, fold, recorded } from './fixtures.ts'

const catalog = seedPlan()
const shipped = (id: string): Target => {
  const found = targetById(catalog, id)
  if (!found) throw new Error(`no target ${id} in the 2020 catalog`)
  return found
}

let batches = 0
const batch = (region: string, sampledOn: string, result: 'pass' | 'fail', purpose?: 'supervision' | 'risk_monitoring') =>
  recorded('SamplingBatchTested', { batchId: `p${++batches}`, region, stage: 'catering', sampledOn, result, ...(purpose ? { purpose } : {}) })

t.test('inspection-centre-projects: no completion date and an open list, so no year-end verdict', async (t) => {
  const projects = shipped('inspection-centre-projects')
  const four = fold(projects.items!.slice(0, 4).map((item, i) => achieved(projects.id, item.id, `2020-0${i + 5}-15`)))
  const before = { ...projects, commitment: 'firm' as const }
  t.equal(evaluateTarget(four, before, { at: endOf('2021-02-28') }).status, 'missed', 'before: four of five read missed after the year')
  const after = evaluateTarget(four, projects, { at: endOf('2021-02-28') })
  t.equal(after.status, 'no_data', 'after: no verdict')
  t.equal(after.value, 4, 'the progress is still shown')
  t.equal(after.items?.filter((i) => i.achieved).length, 4)
  t.equal(evaluateTarget(four, projects, { at: endOf('2020-06-30') }).status, 'no_data', 'never at_risk within the year either')
  const all = fold([achieved(projects.id, projects.items![4]!.id, '2020-11-20')], structuredClone(four))
  t.equal(evaluateTarget(all, projects, { at: endOf('2020-12-31') }).status, 'met', 'met once all five are finished')
})

t.test('ip-protection-opinion (为契机): an occasion, never missed; met once the opinion is issued', async (t) => {
  const opinion = shipped('ip-protection-opinion')
  t.equal(opinion.commitment, 'informational')
  const nothing = fold([])
  t.equal(evaluateTarget(nothing, { ...opinion, commitment: 'firm' }, { at: endOf('2021-02-28') }).status, 'missed', 'as a firm milestone it would read missed')
  t.equal(evaluateTarget(nothing, opinion, { at: endOf('2021-02-28') }).status, 'no_data')
  const issued = fold([achieved(opinion.id, 'opinion-issued', '2020-09-08')])
  t.equal(evaluateTarget(issued, opinion, { at: endOf('2020-12-31') }).status, 'met')
})

t.test('the quality campaigns, conference and award are milestones judged at the year end', async (t) => {
  const campaigns = shipped('quality-improvement-campaigns')
  const five = fold(['a', 'b', 'c', 'd', 'e'].map((id) => achieved(campaigns.id, id, '2020-06-01')))
  t.equal(evaluateTarget(five, campaigns, { at: endOf('2021-02-28') }).status, 'missed', 'five of six campaigns: missed')
  fold([achieved(campaigns.id, 'f', '2020-10-01')], five)
  t.equal(evaluateTarget(five, campaigns, { at: endOf('2020-12-31') }).status, 'met')
  for (const [id, item] of [['provincial-quality-conference', 'conference-held'], ['governors-quality-award', 'third-award-selection']] as const) {
    const target = shipped(id)
    t.same(target.items?.map((i) => i.id), [item], id)
    t.equal(evaluateTarget(fold([]), target, { at: endOf('2021-02-28') }).status, 'missed', `${id}: not held in 2020 is missed`)
    t.equal(evaluateTarget(fold([achieved(id, item, '2020-11-05')]), target, { at: endOf('2020-12-31') }).status, 'met', id)
  }
})

t.test('food-sampling-pass-rate counts supervisory batches (and those naming none), not risk monitoring', async (t) => {
  const passRate = shipped('food-sampling-pass-rate')
  const density = shipped('food-sampling-density')
  // Zunyi: 200 supervisory batches, 198 passed (99%); 100 risk-monitoring batches, 90 without a problem.
  const events = [
    ...Array.from({ length: 200 }, (_, i) => batch('zunyi', '2020-04-01', i < 2 ? 'fail' : 'pass', i < 150 ? 'supervision' : undefined)),
    ...Array.from({ length: 100 }, (_, i) => batch('zunyi', '2020-04-01', i < 10 ? 'fail' : 'pass', 'risk_monitoring')),
  ]
  const state = fold(events)
  const before = evaluateTarget(state, { ...passRate, computedFrom: { fact: 'SamplingBatchTested' } }, { at: endOf('2020-04-30') })
  const zunyiBefore = before.regions.find((r) => r.region === 'zunyi')!
  t.match(zunyiBefore, { value: 288 / 300, sample: 300, status: 'breached' }, 'before: every batch counted, 96%, breached')
  const zunyi = evaluateTarget(state, passRate, { at: endOf('2020-04-30') }).regions.find((r) => r.region === 'zunyi')!
  t.match(zunyi, { value: 0.99, sample: 200, status: 'met' }, 'after: the 200 supervisory batches (50 name no purpose), 99%, met')
  const rate = evaluateTarget(state, density, { at: endOf('2020-04-30') }).regions.find((r) => r.region === 'zunyi')!
  t.equal(rate.sample, 300, 'sampling density counts every batch, risk monitoring included (抽检监测)')
})

t.test('provincial-agri-demo-zones counts zones whose creation is under way, not approvals', async (t) => {
  const zones = shipped('provincial-agri-demo-zones')
  t.equal(zones.threshold, 30)
  t.notOk(zones.items, 'the plan names no zones')
  t.match(zones.measure!.zh, /启动推进/)
  t.match(zones.measure!.zh, /不要求获批或验收/)
  t.notMatch(zones.measure!.en, /approved for creation/)
})
