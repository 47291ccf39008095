// A region-scoped key sees the province's figures and its own region's, never another region's:
// every read route a viewer may call is walked with a zunyi key over a simulated year (every
// target, the plan's routes and the legacy ones, with and without attestation, the alerts), and
// no other region's id may appear anywhere in a body.
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
  let checked = 0
  for (const url of urls) {
    const response = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } })
    if (response.statusCode !== 200) return t.fail(`${url}: ${response.statusCode} ${response.body.slice(0, 200)}`)
    const leaked = others.filter((region) => response.body.includes(`"${region}"`))
    if (leaked.length > 0) return t.fail(`${url} names ${leaked.join(', ')}`)
    checked++
  }
  t.equal(checked, urls.length, `${checked} answers name no region but zunyi`)
  const unscoped = await h.app.inject({ method: 'GET', url: '/v1/targets/inspection-certificate-coding?at=2021-01-31', headers: h.auth() })
  t.ok(others.filter((r) => r !== 'guian').every((region) => unscoped.body.includes(`"${region}"`)), 'an unscoped key sees every prefecture (the walk would catch a leak)')
})
