// GET /v1/targets and /v1/targets/:id: every catalog target, compliance from posted facts,
// and both time axes (`at` business date; `asOf`/`position` log time).
import t from 'tap'
import { seedPlan } from '../../seeds/plans.ts'
import { batch } from '../helpers/facts.ts'
import { createKey, startHarness, type Harness } from '../helpers/harness.ts'

const postBatch = async (h: Harness, events: unknown[]) => {
  const response = await h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events } })
  if (response.statusCode !== 200 || response.json().errors) throw new Error(`batch failed: ${response.body.slice(0, 500)}`)
  return response.json()
}

/** `tested` batches in one region, `failed` of them failing, spread over May 2020. */
const samplingRun = (region: string, tested: number, failed: number, prefix: string) =>
  Array.from({ length: tested }, (_, i) =>
    batch({}, { batchId: `${prefix}-${i}`, region, sampledOn: `2020-05-${String(1 + (i % 28)).padStart(2, '0')}`, result: i < failed ? 'fail' : 'pass' }),
  )

const get = (h: Harness, url: string, key?: string) => h.app.inject({ method: 'GET', url, headers: h.auth(key) })

const regionEntry = (target: { regions: { region: string }[] }, region: string) => target.regions.find((r) => r.region === region)!

t.test('every catalog target is listed with its bilingual title, clause, threshold and a status', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const viewer = await createKey(h, 'viewer')
  const response = await get(h, '/v1/targets?at=2020-06-30', viewer)
  t.equal(response.statusCode, 200)
  const body = response.json()
  const catalog = seedPlan()
  t.same(body.targets.map((x: { id: string }) => x.id), catalog.targets.map((x) => x.id))
  for (const target of body.targets) {
    t.ok(target.title.zh && target.title.en && target.clause.zh, `${target.id} has zh/en title and its clause`)
    t.match(target, { status: /^(no_data|met|on_track|at_risk|breached|missed|stale)$/, threshold: Number, regions: Array })
  }
  t.equal(body.targets.find((x: { id: string }) => x.id === 'food-sampling-pass-rate').status, 'no_data')
  t.equal((await h.app.inject({ method: 'GET', url: '/v1/targets' })).statusCode, 401)
})

t.test('1,000 batches with 15 failures read 0.985 met; with 25 failures 0.975 breached', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  await postBatch(h, samplingRun('zunyi', 1000, 15, 'Z'))
  await postBatch(h, samplingRun('bijie', 1000, 25, 'B'))
  const target = (await get(h, '/v1/targets/food-sampling-pass-rate?at=2020-12-31')).json()
  t.match(regionEntry(target, 'zunyi'), { value: 0.985, status: 'met', sample: 1000 })
  t.match(regionEntry(target, 'bijie'), { value: 0.975, status: 'breached', sample: 1000 })
  const zunyi = regionEntry(target, 'zunyi') as unknown as { interval: { low: number; high: number } }
  t.ok(zunyi.interval.low < 0.985 && zunyi.interval.high > 0.985, 'a Wilson interval around the value')
  t.equal(target.value, 0.98, 'the province pools both regions: 1960/2000')
  t.ok(Array.isArray(target.series) && target.series.length === 12, 'a monthly series')
})

t.test('a correction moves the value; position and asOf replay what the log held before it', async (t) => {
  let now = new Date('2021-01-05T00:00:00Z')
  const h = await startHarness({ clock: () => now })
  t.teardown(h.close)
  await postBatch(h, samplingRun('zunyi', 1000, 15, 'Z'))
  const before = h.services.runner.position()
  const beforeInstant = now.toISOString()
  now = new Date('2021-01-06T00:00:00Z')
  await postBatch(
    h,
    Array.from({ length: 10 }, (_, i) => ({ type: 'SamplingResultCorrected', data: { batchId: `Z-${100 + i}`, result: 'fail', reason: 're-test' } })),
  )
  const url = '/v1/targets/food-sampling-pass-rate?at=2020-12-31'
  t.match(regionEntry((await get(h, url)).json(), 'zunyi'), { value: 0.975, status: 'breached' })
  const atPosition = (await get(h, `${url}&position=${before}`)).json()
  t.match(regionEntry(atPosition, 'zunyi'), { value: 0.985, status: 'met' })
  t.equal(atPosition.position, before)
  const asOf = (await get(h, `${url}&asOf=${encodeURIComponent(beforeInstant)}`)).json()
  t.match(regionEntry(asOf, 'zunyi'), { value: 0.985, status: 'met' })
  const early = (await get(h, '/v1/targets/food-sampling-pass-rate?at=2020-04-30')).json()
  t.match(regionEntry(early, 'zunyi'), { status: 'no_data', sample: 0 }, 'at: nothing sampled by the end of April')
})

t.test('bad queries are 400 naming the parameter; unknown target 404', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const cases: [string, number, RegExp][] = [
    ['/v1/targets?at=yesterday', 400, /^query\.at: /],
    ['/v1/targets?position=-1', 400, /^query\.position: /],
    ['/v1/targets?region=atlantis', 400, /^query\.region: 'atlantis' is not a region of plan guizhou-2020; one of guizhou, guiyang, /],
    ['/v1/targets?asOf=2021-01-01T00:00:00Z&position=3', 400, /asOf or position, not both/],
    ['/v1/targets/no-such-target', 404, /target no-such-target is not in the catalog/],
  ]
  for (const [url, status, message] of cases) {
    const response = await get(h, url)
    t.equal(response.statusCode, status, url)
    t.match(response.json().error.message, message, url)
  }
})

t.test('readyz reports the log head and the projected position; docs are served', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  await postBatch(h, samplingRun('guiyang', 5, 0, 'G'))
  const ready = await h.app.inject({ method: 'GET', url: '/readyz' })
  t.same(ready.json(), { ready: true, head: h.startHead + 5, projected: h.startHead + 5 })
  const docs = await h.app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(docs.statusCode, 200)
  const paths = Object.keys(docs.json().paths)
  for (const p of ['/v1/events', '/v1/events/batch', '/v1/targets', '/v1/targets/{id}', '/v1/streams/{stream}', '/v1/keys'])
    t.ok(paths.includes(p), `OpenAPI documents ${p}`)
  t.match(JSON.stringify(docs.json().paths['/v1/events'].post.requestBody), /MarketEntityRegistered/)
})

t.test('a region-scoped key reads the province and its own regions only', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  await postBatch(h, [...samplingRun('zunyi', 10, 0, 'Z'), ...samplingRun('bijie', 10, 1, 'B')])
  const zunyiViewer = await createKey(h, 'viewer', ['zunyi'])
  const all = (await get(h, '/v1/targets?at=2020-12-31', zunyiViewer)).json()
  const passRate = all.targets.find((x: { id: string }) => x.id === 'food-sampling-pass-rate')
  t.same(passRate.regions.map((r: { region: string }) => r.region), ['zunyi'], 'only its own region in the breakdown')
  t.equal(passRate.sample, 20, 'the province figure still covers every region')
  const other = await get(h, '/v1/targets/food-sampling-pass-rate?region=bijie', zunyiViewer)
  t.equal(other.statusCode, 403)
  t.match(other.json().error.message, /query\.region: bijie is outside this key's scope \(zunyi\)/)
  t.equal((await get(h, '/v1/targets/food-sampling-pass-rate?region=zunyi', zunyiViewer)).statusCode, 200)
  const auditorScoped = await h.app.inject({ method: 'POST', url: '/v1/keys', headers: h.auth(), payload: { name: 'x', role: 'auditor', regions: ['zunyi'] } })
  t.equal(auditorScoped.statusCode, 400, 'auditor keys cannot be scoped')
})
