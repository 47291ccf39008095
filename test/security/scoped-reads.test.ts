// A region-scoped key sees the province's figures and its own region's, never another region's:
// every read route a viewer or reporter may call is walked with zunyi keys over a simulated year
// (every target, the plan's routes and the legacy ones, with and without attestation, at a
// position, asOf or minPosition, the alerts with each filter, the public routes), and no other
// region's id may appear anywhere in a body; the auditor-only routes (streams, audit, webhooks,
// keys) refuse with 403 naming no region; the plan catalog is the same bytes for every key.
import t from 'tap'
import { seedPlan } from '../../seeds/plans.ts'
import { simulatedEvents } from '../../seeds/simulate/year.ts'
import { regionIds } from '../../seeds/simulate/regions.ts'
import { createKey, startHarness } from '../helpers/harness.ts'

t.test('a zunyi viewer reads no other region anywhere', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_ALERTS: 'always' } })
  t.teardown(h.close)
  const admin = { keyId: 'test', name: 'test', role: 'admin' as const, regions: null }
  const events = simulatedEvents({ seed: 5, scale: 0.005, plan: seedPlan() })
  for (let i = 0; i < events.length; i += 5000) await h.services.ingest.submitBatch(admin, events.slice(i, i + 5000), 'seed')
  await h.services.alerts.reactor.flush()
  const key = await createKey(h, 'viewer', ['zunyi'])
  const others = regionIds.filter((r) => r !== 'zunyi')

  const urls = ['/v1/alerts?limit=1000']
  for (const base of ['/v1', '/v1/plans/guizhou-2020'])
    for (const at of base === '/v1' ? ['2021-01-31'] : ['2020-06-30', '2021-01-31']) {
      urls.push(`${base}/targets?at=${at}`, `${base}/targets?at=${at}&attest=true`, `${base}/targets?at=${at}&region=zunyi`)
      for (const target of seedPlan().targets) urls.push(`${base}/targets/${target.id}?at=${at}`, `${base}/targets/${target.id}?at=${at}&attest=true`)
    }
  const head = await h.services.store.head()
  urls.push(
    '/v1/alerts?limit=1000&region=zunyi',
    '/v1/alerts?limit=1000&region=guizhou',
    '/v1/alerts?limit=1000&status=firing',
    '/v1/alerts?limit=1000&status=resolved',
    '/v1/alerts?limit=1000&notified=false',
    `/v1/alerts?limit=1000&position=${head}`,
    `/v1/targets?position=${head}`,
    `/v1/targets?minPosition=${head}&region=guizhou`,
    '/v1/targets?asOf=2020-12-31T12:00:00%2B08:00',
    '/v1/targets/inspection-certificate-coding?at=2020-06-30&region=zunyi',
    '/v1/plans/guizhou-2020/targets?at=2021-01-31&region=guizhou&attest=true',
    // Public routes: nothing per region in them either.
    '/healthz',
    '/readyz',
    '/v1/audit/public-key',
    '/v1/plans/schema',
    '/metrics',
  )
  // Routes for auditors and admins only: a scoped key is refused, and the refusal names no region.
  const bijieBatch = events.find((e) => e.type === 'SamplingBatchTested' && (e.data as { region: string }).region === 'bijie')!
  const refused = [
    `/v1/streams/sampling-${(bijieBatch.data as { batchId: string }).batchId}`,
    '/v1/audit/events?limit=10',
    '/v1/audit/verify',
    '/v1/audit/checkpoints',
    '/v1/audit/proof/inclusion?position=5',
    '/v1/audit/proof/consistency?from=1&to=2',
    '/v1/webhooks',
    '/v1/keys',
  ]
  // The plan document and its region set are the published catalog (every region's name and
  // code, no figures): the same bytes for every key.
  const catalog = ['/v1/plans', '/v1/plans/guizhou-2020', '/v1/plans/guizhou-2020/regions']
  const reporter = await createKey(h, 'reporter', ['zunyi'])
  let checked = 0
  for (const [role, scoped] of [['viewer', key], ['reporter', reporter]] as const) {
    for (const url of urls) {
      const response = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${scoped}` } })
      if (response.statusCode !== 200) return t.fail(`${role} ${url}: ${response.statusCode} ${response.body.slice(0, 200)}`)
      const leaked = others.filter((region) => response.body.includes(`"${region}"`))
      if (leaked.length > 0) return t.fail(`${role} ${url} names ${leaked.join(', ')}`)
      checked++
    }
    for (const url of refused) {
      const response = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${scoped}` } })
      if (response.statusCode !== 403) return t.fail(`${role} ${url}: ${response.statusCode}, expected 403`)
      const leaked = others.filter((region) => response.body.includes(region))
      if (leaked.length > 0) return t.fail(`${role} ${url}: the refusal names ${leaked.join(', ')}`)
      checked++
    }
    for (const url of catalog) {
      const [mine, unscoped] = await Promise.all([scoped, undefined].map((k) => h.app.inject({ method: 'GET', url, headers: h.auth(k) })))
      if (mine!.statusCode !== 200 || mine!.body !== unscoped!.body) return t.fail(`${role} ${url}: not the catalog every key reads`)
      checked++
    }
  }
  const perRole = urls.length + refused.length + catalog.length
  t.equal(checked, 2 * perRole, `${checked} answers (${urls.length} reads, ${refused.length} refusals, ${catalog.length} catalog reads, for a viewer and a reporter) name no region but zunyi`)
  const unscoped = await h.app.inject({ method: 'GET', url: '/v1/targets/inspection-certificate-coding?at=2021-01-31', headers: h.auth() })
  t.ok(others.filter((r) => r !== 'guian').every((region) => unscoped.body.includes(`"${region}"`)), 'an unscoped key sees every prefecture (the walk would catch a leak)')
})
