// Plans as data, end to end over real HTTP: a 2021-style prefecture plan written here (not the
// 2020 one) — a drug sampling pass rate of at least 99%, a county-level region set and a quarterly
// reading — is published, fed and evaluated with no code change; revisions keep earlier answers.
import { rmSync } from 'node:fs'
import t, { type Test } from 'tap'
import { adminKey, createKey, startHarness } from '../helpers/harness.ts'
import { zunyi2021 } from '../fixtures/zunyi-2021.ts'

const startService = async (t: Test) => {
  const h = await startHarness()
  t.teardown(h.close)
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${address}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const raw = await response.text()
    return { status: response.status, headers: response.headers, raw, body: raw ? JSON.parse(raw) : null }
  }
  return { h, call, address }
}

const drugBatches = (region: string, count: number, failures: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({
    type: 'InspectionBatchTested',
    data: { program: 'drug', batchId: `${prefix}-${i}`, region, sampledOn: '2021-04-15', result: i < failures ? 'fail' : 'pass' },
  }))

t.test('a 2021 county-level plan is published, fed and evaluated over HTTP with no code change', async (t) => {
  const { h, call } = await startService(t)

  // Before the plan exists its counties are no region of any set: the fact is refused by name.
  const early = await call('POST', '/v1/events', drugBatches('huichuan', 1, 0, 'early')[0])
  t.equal(early.status, 400)
  t.match(early.body.error.message, /data\.region: 'huichuan' is not a region of any region set/)

  const published = await call('POST', '/v1/plans', zunyi2021)
  t.equal(published.status, 201, published.raw)
  t.match(published.body, { id: 'zunyi-2021', revision: 0, regionSet: 'zunyi-counties', targets: 2 })
  t.equal(published.headers.get('etag'), '"0"')
  t.equal(published.headers.get('location'), '/v1/plans/zunyi-2021')
  t.equal((await call('POST', '/v1/plans', zunyi2021)).status, 200, 'the same document again: 200, nothing appended')

  const listed = await call('GET', '/v1/plans')
  t.same(listed.body.plans.map((p: { id: string }) => p.id), ['guizhou-2020', 'zunyi-2021'], 'several plans are active at once')

  const document = await call('GET', '/v1/plans/zunyi-2021')
  t.same(document.body, zunyi2021, 'the document exactly as published')
  t.equal(document.headers.get('etag'), '"0"')

  const batch = await call('POST', '/v1/events/batch', {
    events: [
      ...drugBatches('huichuan', 200, 1, 'hc'),
      ...drugBatches('honghuagang', 100, 3, 'hh'),
      // Food-safety batches are another program: the drug pass rate does not count them.
      { type: 'SamplingBatchTested', data: { batchId: 'food-1', region: 'bozhou', stage: 'catering', sampledOn: '2021-04-15', result: 'fail' } },
      // The indicator is in one plan only: the reading needs no `plan`.
      { type: 'IndicatorReported', data: { indicator: 'pharmacy-inspection-coverage', region: 'huichuan', asOf: '2021-03-31', numerator: 80, denominator: 100 } },
      { type: 'IndicatorReported', data: { plan: 'zunyi-2021', indicator: 'pharmacy-inspection-coverage', region: 'huichuan', asOf: '2021-06-30', numerator: 95, denominator: 100 } },
      { type: 'IndicatorReported', data: { indicator: 'pharmacy-inspection-coverage', region: 'honghuagang', asOf: '2021-06-30', numerator: 91, denominator: 100 } },
      { type: 'IndicatorReported', data: { indicator: 'pharmacy-inspection-coverage', region: 'bozhou', asOf: '2021-06-30', numerator: 88, denominator: 100 } },
    ],
  })
  t.equal(batch.status, 200)
  t.equal(batch.body.errors, false, JSON.stringify(batch.body.items.find((i: { error?: unknown }) => i.error)))
  const lastPosition = Math.max(...batch.body.items.map((i: { position: number }) => i.position))

  const targets = await call('GET', `/v1/plans/zunyi-2021/targets?at=2021-07-10&position=${lastPosition}`)
  t.equal(targets.status, 200, targets.raw)
  t.match(targets.body, { position: lastPosition, plan: { id: 'zunyi-2021', revision: 0, version: '2021.1' } })
  const [drug, coverage] = targets.body.targets
  t.match(drug, { id: 'drug-sampling-pass-rate', scope: 'zunyi', value: 296 / 300, sample: 300, status: 'breached' }, '296 of 300 is 98.7%, under 99%')
  const region = (report: { regions: { region: string }[] }, id: string) => report.regions.find((r) => r.region === id)
  t.same(drug.regions.map((r: { region: string }) => r.region), ['honghuagang', 'huichuan', 'bozhou'], 'the regions of the plan’s own set')
  t.match(region(drug, 'huichuan'), { value: 199 / 200, status: 'met' })
  t.match(region(drug, 'honghuagang'), { value: 0.97, status: 'breached' })
  t.match(region(drug, 'bozhou'), { value: null, status: 'no_data' }, 'the food batch is not a drug batch')
  t.match(coverage, { id: 'pharmacy-inspection-coverage', value: (95 + 91 + 88) / 300, status: 'met' })
  t.match(region(coverage, 'bozhou'), { value: 0.88, status: 'at_risk' }, 'short of 90% with one reading: no trend to be on track by')
  // Quarterly: at 2021-10-20 the third quarter's report is overdue (30 Sep + 15 days).
  const late = await call('GET', `/v1/plans/zunyi-2021/targets/pharmacy-inspection-coverage?at=2021-10-20&position=${lastPosition}`)
  t.equal(late.body.status, 'stale')
  t.same(late.body.staleRegions, ['honghuagang', 'huichuan', 'bozhou'])

  const legacy = await call('GET', '/v1/targets')
  t.match(legacy.body, { plan: { id: 'guizhou-2020' } }, 'GET /v1/targets is still the 2020 plan')
  t.notOk(legacy.body.targets.some((r: { id: string }) => r.id === 'drug-sampling-pass-rate'))

  // A scoped key of one county sees its own county and the plan's root, nothing of the others.
  const scoped = await createKey(h, 'viewer', ['huichuan'])
  const seen = await call('GET', `/v1/plans/zunyi-2021/targets?position=${lastPosition}&at=2021-07-10`, undefined, { authorization: `Bearer ${scoped}` })
  t.equal(seen.status, 403, 'the root of a county plan is a region (Zunyi): a county key may not read it whole')
  const own = await call('GET', `/v1/plans/zunyi-2021/targets?position=${lastPosition}&at=2021-07-10&region=huichuan`, undefined, { authorization: `Bearer ${scoped}` })
  t.equal(own.status, 200)
  t.notMatch(own.raw, /honghuagang|bozhou/)
})

t.test('a revision changes the semantics from its position on; earlier positions keep the earlier ones', async (t) => {
  const { call } = await startService(t)
  t.equal((await call('POST', '/v1/plans', zunyi2021)).status, 201)
  const fed = await call('POST', '/v1/events/batch', { events: drugBatches('huichuan', 100, 1, 'r') })
  const before = Math.max(...fed.body.items.map((i: { position: number }) => i.position))
  const passRate = async (position?: number) =>
    (await call('GET', `/v1/plans/zunyi-2021/targets/drug-sampling-pass-rate?at=2021-06-30${position === undefined ? '' : `&position=${position}`}`)).body

  t.match(await passRate(), { value: 0.99, status: 'met', threshold: 0.99 })
  const stricter = structuredClone(zunyi2021)
  stricter.targets[0]!.threshold = 0.995
  t.equal((await call('PUT', '/v1/plans/zunyi-2021', stricter)).status, 400, 'a revision without If-Match is refused')
  t.equal((await call('PUT', '/v1/plans/zunyi-2021', stricter, { 'if-match': '"3"' })).status, 409, 'a stale If-Match conflicts')
  const revised = await call('PUT', '/v1/plans/zunyi-2021', stricter, { 'if-match': '"0"' })
  t.equal(revised.status, 201, revised.raw)
  t.equal(revised.headers.get('etag'), '"1"')

  t.match(await passRate(), { value: 0.99, status: 'breached', threshold: 0.995, plan: { revision: 1 } }, 'the live log: the corrected threshold')
  t.match(await passRate(before), { value: 0.99, status: 'met', threshold: 0.99, plan: { revision: 0 } }, 'a position before the revision: the plan as it was then')
  t.same((await call('GET', `/v1/plans/zunyi-2021?position=${before}`)).body, zunyi2021)
  t.equal((await call('GET', '/v1/plans/zunyi-2021')).headers.get('etag'), '"1"')
})

t.test('a bad plan document gets 400 with the JSON path of each problem, and nothing is appended', async (t) => {
  const { h, call, address } = await startService(t)
  const head = await h.services.store.head()
  const broken = (change: (plan: any) => void) => {
    const plan = structuredClone(zunyi2021) as any
    change(plan)
    return plan
  }
  const cases: [string, (plan: any) => void, RegExp][] = [
    ['unknown metric kind', (p) => (p.targets[0].metric = 'event_sum'), /\/targets\/0\/metric must be one of event_ratio/],
    ['a filter on a field the fact does not have', (p) => (p.targets[0].computedFrom.filter.colour = 'red'), /\/targets\/0\/computedFrom\/filter\/colour InspectionBatchTested has no field 'colour'/],
    ['a threshold out of range', (p) => (p.targets[0].threshold = 99), /\/targets\/0\/threshold must be within \[0, 1\]/],
    ['a period ending before it starts', (p) => (p.period.end = '2020-12-31'), /\/period start 2021-01-01 is after end 2020-12-31/],
    ['a region that no set defines', (p) => (p.regionSet.root.parent = 'atlantis'), /\/regionSet\/root\/parent 'atlantis' is not a region any set defines/],
    ['a region set unknown by id', (p) => (p.regionSet = 'atlantis'), /\/regionSet 'atlantis' is not a region set that exists/],
    ['a region redefined', (p) => (p.regionSet.root.code = '520399'), /\/regionSet\/root region 'zunyi' already exists with code "520300"/],
  ]
  for (const [name, change, message] of cases) {
    const response = await call('POST', '/v1/plans', broken(change))
    t.equal(response.status, 400, name)
    t.equal(response.body.error.code, 'PLAN_INVALID', name)
    t.match(response.body.error.message, message, name)
    t.ok(response.body.error.details.problems.every((p: { path: string }) => p.path.startsWith('/')), `${name}: every problem has a JSON Pointer`)
  }
  t.equal(await h.services.store.head(), head, 'nothing appended')
  t.equal((await call('POST', '/v1/plans', zunyi2021)).status, 201)
  t.equal((await call('POST', '/v1/plans', broken((p) => (p.targets[0].threshold = 0.5)))).status, 409, 'another document under an existing id')
  const schema = await fetch(`${address}/v1/plans/schema`)
  t.equal(schema.status, 200, 'the schema is public')
  t.match(await schema.json(), { title: 'targetwatch plan', required: ['id', 'title', 'issuer', 'issuedOn', 'documentNumber', 'version', 'period', 'regionSet', 'targets'] })
})

t.test('the 2020 plan is published at first start, once', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  const events: string[] = []
  for await (const event of h.services.store.readAll()) events.push(`${event.position} ${event.type} ${event.stream}`)
  t.same(events, ['1 PlanPublished plan-guizhou-2020'])
  await h.services.close()
  await h.app.close()
  const again = await startHarness({ store: 'sqlite', dataDir: h.dataDir })
  t.teardown(async () => {
    await again.close()
    rmSync(h.dataDir, { recursive: true, force: true })
  })
  t.equal(await again.services.store.head(), 1, 'restarting adds no events')
  t.match(again.services.plans.get('guizhou-2020'), { revision: 0, position: 1 })
})
