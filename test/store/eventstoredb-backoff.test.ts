// The resubscribe policy: exponential, jittered, bounded.
import t from 'tap'
import { backoffCeiling, backoffDelay, pause } from '../../services/store/eventstoredb/backoff.ts'

const policy = { initialMs: 100, maxMs: 5_000, factor: 2 }

t.test('the ceiling doubles from 100 ms and stops at the maximum', async (t) => {
  t.same([0, 1, 2, 3, 4, 5, 6, 20, 1000].map((attempt) => backoffCeiling(attempt, policy)), [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000])
})

t.test('each delay lies between half the ceiling and the ceiling', async (t) => {
  t.equal(backoffDelay(3, policy, () => 0), 400)
  t.equal(backoffDelay(3, policy, () => 1), 800)
  t.equal(backoffDelay(3, policy, () => 0.5), 600)
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const delay = backoffDelay(attempt, policy)
    t.ok(delay >= backoffCeiling(attempt, policy) / 2 && delay <= policy.maxMs, `attempt ${attempt}: ${delay} ms`)
  }
})

t.test('a pause ends early when its signal aborts', async (t) => {
  const controller = new AbortController()
  const started = Date.now()
  setTimeout(() => controller.abort(), 10)
  await pause(10_000, controller.signal)
  t.ok(Date.now() - started < 1_000, 'returned on abort')
  await pause(10_000, controller.signal)
  t.pass('an aborted signal returns at once')
})
