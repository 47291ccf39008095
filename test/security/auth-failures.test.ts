// Issue 16 item 5: failed authentication is rate-limited per client address, apart from the
// per-key limit. With TARGETWATCH_RATE_LIMIT=50 the attack sent 80 bad keys and got 80 × 401;
// now the address gets 401 up to TARGETWATCH_AUTH_FAILURES a minute, then 429 with Retry-After
// for every keyed request (a right guess included). X-Forwarded-For names the client only when
// TARGETWATCH_TRUST_PROXY trusts the proxy it came through.
import t from 'tap'
import { createFailureLimiter } from '../../services/http/plugins/auth-failures.ts'
import { createKey, startHarness } from '../helpers/harness.ts'

const badKey = (n: number) => `tw_${'a'.repeat(12)}_${String(n).padStart(43, 'x')}`

const listening = async (env: Record<string, string>) => {
  const h = await startHarness({ env })
  const url = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const get = async (key: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}/v1/targets`, { headers: { authorization: `Bearer ${key}`, ...headers } })
    await response.arrayBuffer()
    return response
  }
  return { h, get }
}

t.test('80 bad keys from one address: 10 × 401, then 429 with Retry-After, even for a good key', async (t) => {
  const { h, get } = await listening({ TARGETWATCH_RATE_LIMIT: '50', TARGETWATCH_AUTH_FAILURES: '10' })
  t.teardown(h.close)
  const viewer = await createKey(h, 'viewer')
  const statuses: number[] = []
  let last: Response | undefined
  for (let n = 0; n < 80; n++) {
    last = await get(badKey(n))
    statuses.push(last.status)
  }
  t.same(statuses, [...Array(10).fill(401), ...Array(70).fill(429)])
  t.ok(Number(last!.headers.get('retry-after')) >= 1 && Number(last!.headers.get('retry-after')) <= 60, `Retry-After: ${last!.headers.get('retry-after')}`)
  t.equal((await get(viewer)).status, 429, 'a right key from that address waits too (no oracle)')
  t.equal((await get(badKey(0), { 'x-forwarded-for': '198.51.100.9' })).status, 429, 'a forged X-Forwarded-For does not escape: no proxy is trusted')
})

t.test('behind a trusted proxy, the forwarded address is the client', async (t) => {
  const { h, get } = await listening({ TARGETWATCH_AUTH_FAILURES: '3', TARGETWATCH_TRUST_PROXY: '127.0.0.1' })
  t.teardown(h.close)
  const viewer = await createKey(h, 'viewer')
  const from = (address: string) => ({ 'x-forwarded-for': address })
  const statuses = []
  for (let n = 0; n < 5; n++) statuses.push((await get(badKey(n), from('203.0.113.7'))).status)
  t.same(statuses, [401, 401, 401, 429, 429], 'the guessing client is limited')
  t.equal((await get(viewer, from('203.0.113.8'))).status, 200, 'another client behind the same proxy is not')
})

t.test('TARGETWATCH_AUTH_FAILURES=0 turns the limit off', async (t) => {
  const { h, get } = await listening({ TARGETWATCH_AUTH_FAILURES: '0', TARGETWATCH_RATE_LIMIT: '0' })
  t.teardown(h.close)
  const statuses = new Set<number>()
  for (let n = 0; n < 40; n++) statuses.add((await get(badKey(n))).status)
  t.same([...statuses], [401])
})

t.test('the window ends a minute after its first failure', async (t) => {
  let now = 1_000_000
  const limiter = createFailureLimiter({ perWindow: 2, now: () => now })
  limiter.record('a')
  limiter.record('a')
  t.equal(limiter.blockedFor('a'), 60_000, 'blocked for the rest of the window')
  t.equal(limiter.blockedFor('b'), 0, 'another address is not')
  now += 59_999
  t.equal(limiter.blockedFor('a'), 1)
  now += 1
  t.equal(limiter.blockedFor('a'), 0, 'free again when the window ends')
})
