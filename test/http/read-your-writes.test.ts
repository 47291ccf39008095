// A read at a `position` is answered at exactly that position (read your writes): the read waits,
// bounded, for the read models to reach it, and answers 503 with Retry-After if they have not;
// a position beyond the log's head is 400, as the proof routes answer. `minPosition` asks for the
// live answer, but not before the read models include that position.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { entity } from '../helpers/facts.ts'
import { startHarness } from '../helpers/harness.ts'

const entities = (from: number, count: number) => Array.from({ length: count }, (_, i) => entity(from + i, { registeredOn: '2020-05-01' }))

t.test('5,000 facts in one batch, then a read at the batch’s last position counts all 5,000', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const posted = await h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events: entities(1, 5000) } })
  t.equal(posted.statusCode, 200)
  const last = Math.max(...posted.json().items.map((i: { position: number }) => i.position))
  const answer = (await h.app.inject({ method: 'GET', url: `/v1/targets/new-market-entities?at=2020-12-31&position=${last}`, headers: h.auth() })).json()
  t.match(answer, { position: last, value: 5000, sample: 5000 }, 'the position asked for, not the one the projection had reached')
  const minimum = (await h.app.inject({ method: 'GET', url: `/v1/targets?at=2020-12-31&minPosition=${last}`, headers: h.auth() })).json()
  t.ok(minimum.position >= last, 'minPosition: the live answer, at or after the writes')
  t.match(minimum.targets.find((x: { id: string }) => x.id === 'new-market-entities'), { value: 5000 })
})

t.test('beyond the head: 400 naming the parameter and the head', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  for (const [query, field] of [['position=999999', 'position'], ['minPosition=999999', 'minPosition']]) {
    const response = await h.app.inject({ method: 'GET', url: `/v1/targets?${query}`, headers: h.auth() })
    t.equal(response.statusCode, 400, query)
    t.match(response.json().error, { code: 'VALIDATION_FAILED', message: new RegExp(`^${field}: 999999 is beyond the log's head \\(${h.startHead}\\)$`) })
  }
  const both = await h.app.inject({ method: 'GET', url: '/v1/targets?position=1&asOf=2020-01-01T00:00:00Z', headers: h.auth() })
  t.equal(both.statusCode, 400)
})

t.test('read models still behind after TARGETWATCH_READ_WAIT_MS: 503 with Retry-After, then the answer', async (t) => {
  const h = await startHarness({ store: 'sqlite', env: { TARGETWATCH_READ_WAIT_MS: '0' } })
  t.teardown(h.close)
  // 20,000 facts appended at once: the runner folds them in pages, over many turns of the loop.
  const meta = { principal: 'test', requestId: 'bulk', schemaVersion: 1 }
  const results = await Promise.all(
    entities(1, 20_000).map((fact) =>
      h.services.store.append(`entity-${fact.data.uscc}`, [{ id: randomUUID(), type: fact.type, occurredAt: '2020-05-01T00:00:00Z', data: fact.data, meta }], 'no_stream'),
    ),
  )
  const head = Math.max(...results.map((r) => r.positions[0]!))
  const behind = await h.app.inject({ method: 'GET', url: `/v1/targets/new-market-entities?at=2020-12-31&position=${head}`, headers: h.auth() })
  t.equal(behind.statusCode, 503, 'the read models have not folded the 20,000 yet')
  t.equal(behind.json().error.code, 'READ_MODEL_BEHIND')
  t.equal(behind.headers['retry-after'], '1')
  await h.services.runner.waitFor(head)
  const after = await h.app.inject({ method: 'GET', url: `/v1/targets/new-market-entities?at=2020-12-31&position=${head}`, headers: h.auth() })
  t.match(after.json(), { position: head, value: 20_000 })
})
