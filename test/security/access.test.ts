// Who may do what: a table of role × route, written as the specification (not read from the
// routes), checked against every documented route so a new route without an entry fails here;
// then region scopes on the routes that take a region.
import t from 'tap'
import { batch } from '../helpers/facts.ts'
import { createKey, startHarness, type Harness } from '../helpers/harness.ts'

type Who = 'anonymous' | 'viewer' | 'reporter' | 'auditor' | 'admin'
const everyone: Who[] = ['anonymous', 'viewer', 'reporter', 'auditor', 'admin']
const readers: Who[] = ['viewer', 'reporter', 'auditor', 'admin']

/** The specification: who is let through each route (others get 401 without a key, 403 with one). */
const allowed: Record<string, Who[]> = {
  'GET /': everyone,
  'GET /docs': everyone,
  'GET /docs/json': everyone,
  'GET /healthz': everyone,
  // public while HOST is a loopback address (the harness's), else auditor and admin
  'GET /metrics': everyone,
  'GET /readyz': everyone,
  'GET /v1/audit/public-key': everyone,
  'GET /v1/targets': readers,
  'GET /v1/targets/{id}': readers,
  'GET /v1/alerts': readers,
  'GET /v1/plans/schema': everyone,
  'GET /v1/plans': readers,
  'GET /v1/plans/{plan}': readers,
  'GET /v1/plans/{plan}/regions': readers,
  'GET /v1/plans/{plan}/targets': readers,
  'GET /v1/plans/{plan}/targets/{id}': readers,
  'POST /v1/plans': ['admin'],
  'PUT /v1/plans/{plan}': ['admin'],
  'POST /v1/events': ['reporter', 'admin'],
  'POST /v1/events/batch': ['reporter', 'admin'],
  'GET /v1/streams/{stream}': ['auditor', 'admin'],
  'GET /v1/audit/events': ['auditor', 'admin'],
  'GET /v1/audit/checkpoints': ['auditor', 'admin'],
  'POST /v1/audit/checkpoints': ['admin'],
  'GET /v1/audit/proof/inclusion': ['auditor', 'admin'],
  'GET /v1/audit/proof/consistency': ['auditor', 'admin'],
  'GET /v1/audit/verify': ['auditor', 'admin'],
  'POST /v1/keys': ['admin'],
  'GET /v1/keys': ['admin'],
  'DELETE /v1/keys/{id}': ['admin'],
  'POST /v1/webhooks': ['admin'],
  'GET /v1/webhooks': ['admin'],
  'GET /v1/webhooks/{id}': ['admin'],
  'DELETE /v1/webhooks/{id}': ['admin'],
  'POST /v1/webhooks/{id}/rotate-secret': ['admin'],
  'POST /v1/webhooks/{id}/test': ['admin'],
  'GET /v1/webhooks/{id}/deliveries': ['admin'],
  'GET /v1/webhooks/{id}/deliveries/{deliveryId}': ['admin'],
  'POST /v1/webhooks/{id}/deliveries/{deliveryId}/retry': ['admin'],
}

const keysFor = async (h: Harness): Promise<Record<Who, string | null>> => ({
  anonymous: null,
  viewer: await createKey(h, 'viewer'),
  reporter: await createKey(h, 'reporter'),
  auditor: await createKey(h, 'auditor'),
  admin: await createKey(h, 'admin'),
})

t.test('role × route: every documented route is in the table and answers as it says', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> }
  const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
  t.same(documented.filter((route) => !(route in allowed)), [], 'no documented route is missing from the table')
  const keys = await keysFor(h)
  let checked = 0
  for (const route of documented.filter((r) => r in allowed)) {
    const [method, path] = route.split(' ') as [string, string]
    const url = path.replace(/\{[^}]+\}/g, 'x1')
    for (const who of everyone) {
      const key = keys[who]
      const response = await h.app.inject({
        method: method as 'GET',
        url,
        headers: key ? { authorization: `Bearer ${key}` } : {},
        ...(method === 'POST' ? { payload: {} } : {}),
      })
      const let_through = allowed[route]!.includes(who)
      const denied = who === 'anonymous' ? 401 : 403
      if (let_through) t.not(response.statusCode, denied, `${who} may ${route} (${response.statusCode})`)
      else t.equal(response.statusCode, denied, `${who} may not ${route}`)
      if (!let_through) t.match(response.json(), { error: { code: who === 'anonymous' ? 'UNAUTHORIZED' : 'FORBIDDEN', message: String } })
      checked++
    }
  }
  t.comment(`access: ${checked} role × route cases`)
})

t.test('region scopes: a zunyi reporter writes and reads zunyi only', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const zunyi = await createKey(h, 'reporter', ['zunyi'])
  const as = (key: string) => ({ authorization: `Bearer ${key}` })
  const cases: [string, () => Promise<{ statusCode: number }>, number][] = [
    ['POST /v1/events for zunyi', () => h.app.inject({ method: 'POST', url: '/v1/events', headers: as(zunyi), payload: batch({}, { region: 'zunyi' }) }), 201],
    ['POST /v1/events for bijie', () => h.app.inject({ method: 'POST', url: '/v1/events', headers: as(zunyi), payload: batch({}, { region: 'bijie' }) }), 403],
    ['GET /v1/targets?region=zunyi', () => h.app.inject({ method: 'GET', url: '/v1/targets?region=zunyi', headers: as(zunyi) }), 200],
    ['GET /v1/targets?region=bijie', () => h.app.inject({ method: 'GET', url: '/v1/targets?region=bijie', headers: as(zunyi) }), 403],
    ['GET /v1/targets/{id}?region=bijie', () => h.app.inject({ method: 'GET', url: '/v1/targets/food-sampling-pass-rate?region=bijie', headers: as(zunyi) }), 403],
    ['GET /v1/alerts?region=bijie', () => h.app.inject({ method: 'GET', url: '/v1/alerts?region=bijie', headers: as(zunyi) }), 403],
    ['GET /v1/alerts?region=zunyi', () => h.app.inject({ method: 'GET', url: '/v1/alerts?region=zunyi', headers: as(zunyi) }), 200],
  ]
  for (const [name, call, status] of cases) t.equal((await call()).statusCode, status, name)
  const batchResponse = await h.app.inject({
    method: 'POST',
    url: '/v1/events/batch',
    headers: as(zunyi),
    payload: { events: [batch({}, { region: 'zunyi' }), batch({}, { region: 'qiannan' })] },
  })
  t.same(batchResponse.json().items.map((i: { status: number }) => i.status), [201, 403], 'in a batch, each item is judged by its own region')
})
