// Rate limiting per key: the key over its budget gets 429 with Retry-After and the error shape;
// another key keeps its own budget; 0 turns limiting off.
import t from 'tap'
import { createKey, startHarness } from '../helpers/harness.ts'

t.test('a key over its budget gets 429 with Retry-After; other keys are unaffected', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_RATE_LIMIT: '5' } })
  t.teardown(h.close)
  const viewer = await createKey(h, 'viewer')
  const other = await createKey(h, 'viewer')
  const statuses: number[] = []
  let last
  for (let i = 0; i < 7; i++) {
    last = await h.app.inject({ method: 'GET', url: '/v1/targets', headers: h.auth(viewer) })
    statuses.push(last.statusCode)
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429])
  t.match(last!.json(), { error: { code: 'RATE_LIMITED', message: /more than 5 requests a minute for this key/ } })
  t.ok(Number(last!.headers['retry-after']) > 0, `Retry-After: ${last!.headers['retry-after']}`)
  t.equal((await h.app.inject({ method: 'GET', url: '/v1/targets', headers: h.auth(other) })).statusCode, 200, 'another key has its own budget')
})

t.test('TARGETWATCH_RATE_LIMIT=0 turns limiting off', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_RATE_LIMIT: '0' } })
  t.teardown(h.close)
  const response = await h.app.inject({ method: 'GET', url: '/v1/targets', headers: h.auth() })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['x-ratelimit-limit'], undefined, 'no rate-limit headers')
})
