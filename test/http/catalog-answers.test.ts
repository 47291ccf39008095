// What the 2020 catalog's semantic choices look like over HTTP: every target carries its
// semanticsNote, a batch says whether it is 监督抽检 or 风险监测 and the two food targets count
// what their clauses count, and the targets added from the plan take their milestones.
import t from 'tap'
import { seedPlan } from '../../seeds/plans.ts'
import { batch } from '../helpers/facts.ts'
import { createKey, startHarness, type Harness } from '../helpers/harness.ts'

const get = (h: Harness, url: string, key?: string) => h.app.inject({ method: 'GET', url, headers: h.auth(key) })
const postBatch = async (h: Harness, events: unknown[]) => {
  const response = await h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events } })
  t.equal(response.json().errors, false, response.body.slice(0, 300))
}
const zunyiOf = (target: { regions: { region: string; value: number; sample: number; status: string }[] }) => target.regions.find((r) => r.region === 'zunyi')!

t.test('GET /v1/targets and /v1/targets/:id carry each target\'s semanticsNote', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const viewer = await createKey(h, 'viewer')
  const all = (await get(h, '/v1/targets?at=2020-06-30', viewer)).json()
  const notes = new Map(seedPlan().targets.map((target) => [target.id, target.semanticsNote]))
  t.equal(all.targets.length, 29)
  for (const target of all.targets) t.same(target.semanticsNote, notes.get(target.id), target.id)
  const one = (await get(h, '/v1/targets/ip-protection-opinion?at=2020-06-30', viewer)).json()
  t.match(one, { commitment: 'informational', semanticsNote: { zh: /为契机/, en: /never reads at_risk, breached or missed/ } })
})

t.test('risk-monitoring batches count for the sampling density, not for the pass rate', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const day = (i: number) => `2020-05-${String(1 + (i % 28)).padStart(2, '0')}`
  await postBatch(h, [
    ...Array.from({ length: 150 }, (_, i) => batch({}, { batchId: `SV-${i}`, sampledOn: day(i), purpose: 'supervision', result: i < 1 ? 'fail' : 'pass' })),
    ...Array.from({ length: 50 }, (_, i) => batch({}, { batchId: `NP-${i}`, sampledOn: day(i), result: i < 1 ? 'fail' : 'pass' })),
    ...Array.from({ length: 60 }, (_, i) => batch({}, { batchId: `RM-${i}`, sampledOn: day(i), purpose: 'risk_monitoring', result: i < 9 ? 'fail' : 'pass' })),
  ])
  const passRate = (await get(h, '/v1/targets/food-sampling-pass-rate?at=2020-05-31')).json()
  t.match(zunyiOf(passRate), { value: 0.99, sample: 200, status: 'met' }, '198 of the 200 supervisory (or unnamed) batches')
  const density = (await get(h, '/v1/targets/food-sampling-density?at=2020-05-31')).json()
  t.equal(zunyiOf(density).sample, 260, 'all 260 batches are 抽检监测')
  const bad = await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: batch({}, { purpose: 'evaluation' }) })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().error.message, /data\.purpose: must be one of supervision, risk_monitoring/)
})

t.test('the added targets take their milestones', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const milestone = (targetId: string, itemId: string, achievedOn: string) => ({ type: 'MilestoneAchieved', data: { targetId, itemId, title: itemId, achievedOn } })
  await postBatch(h, [
    ...['a', 'b', 'c', 'd', 'e', 'f'].map((item) => milestone('quality-improvement-campaigns', `campaign-${item}`, '2020-06-01')),
    milestone('provincial-quality-conference', 'conference-held', '2020-09-10'),
    milestone('ip-protection-opinion', 'opinion-issued', '2020-10-20'),
  ])
  const status = async (id: string) => (await get(h, `/v1/targets/${id}?at=2021-02-28`)).json().status
  t.equal(await status('quality-improvement-campaigns'), 'met')
  t.equal(await status('provincial-quality-conference'), 'met')
  t.equal(await status('ip-protection-opinion'), 'met')
  t.equal(await status('governors-quality-award'), 'missed')
  t.equal(await status('inspection-centre-projects'), 'no_data', 'informational: no verdict without its items')
  const wrong = await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: milestone('governors-quality-award', 'second-award', '2020-09-01') })
  t.equal(wrong.statusCode, 400)
  t.match(wrong.json().error.message, /data\.itemId: 'second-award' is not a named item of governors-quality-award/)
})
