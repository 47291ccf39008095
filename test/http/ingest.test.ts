// POST /v1/events and /v1/events/batch against the contract: what is accepted, what each
// kind of bad input gets, and that no rejection moves the log head.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { batch, entity, reading, rescueRequested, rescuerArrived, validUscc } from '../helpers/facts.ts'
import { createKey, head, startHarness, type Harness } from '../helpers/harness.ts'

const post = (h: Harness, payload: unknown, key?: string) =>
  h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(key), payload: payload as object })

const rejects = async (t: Test, h: Harness, payload: unknown, status: number, message: RegExp, key?: string) => {
  const before = await head(h)
  const response = await post(h, payload, key)
  t.equal(response.statusCode, status, `status ${status}: ${response.body}`)
  t.match(response.json(), { error: { code: String, message } })
  t.equal(await head(h), before, 'the log head did not move')
}

t.test('a valid fact is appended: 201 with id, stream, revision and position', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const fact = batch({ id: randomUUID() })
  const response = await post(h, fact)
  t.equal(response.statusCode, 201)
  t.match(response.json(), { id: fact.id, stream: `sampling-${fact.data.batchId}`, revision: 0, position: Number })
  t.equal(await head(h), response.json().position)
})

t.test('invalid input is a 400 whose message names the field', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const badUscc = validUscc(7).slice(0, 17) + (validUscc(7).endsWith('0') ? '1' : '0')
  await rejects(t, h, entity(7, { uscc: badUscc }), 400, /^data\.uscc: check character is ., expected .$/)
  await rejects(t, h, batch({}, { region: 'atlantis' }), 400, /data\.region: 'atlantis' is not a region of any region set; known: guiyang/)
  await rejects(t, h, batch({}, { region: 'Zunyi City' }), 400, /data\.region: must be a region id/)
  await rejects(t, h, batch({}, { region: 'guizhou' }), 400, /data\.region: 'guizhou' is not a region of any region set/)
  await rejects(t, h, reading('elevator-inspection-rate', 'zunyi', '2020-03-31', 11, 10), 400, /data\.numerator: must not exceed denominator/)
  await rejects(t, h, { type: 'SamplingBatchTested' }, 400, /^data: is required/)
  await rejects(t, h, { type: 'Nonsense', data: {} }, 400, /^type: 'Nonsense' is not an event type/)
  await rejects(t, h, reading('no-such-indicator', 'zunyi', '2020-03-31', 1, 10), 400, /data\.indicator: 'no-such-indicator' is not a reading-based target/)
  await rejects(t, h, batch({}, { sampledOn: '2020-02-30' }), 400, /data\.sampledOn: must be a calendar date/)
  await rejects(t, h, batch({}, { extra: true }), 400, /data: unknown field 'extra'/)
  await rejects(t, h, batch({ id: 'not-a-uuid' }), 400, /^id: /)
})

t.test('malformed JSON, a wrong content type and an oversized body get clear 4xx answers', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_BODY_LIMIT: '4096' } })
  t.teardown(h.close)
  const bad = await h.app.inject({ method: 'POST', url: '/v1/events', headers: { ...h.auth(), 'content-type': 'application/json' }, payload: '{"type":' })
  t.equal(bad.statusCode, 400)
  t.equal(bad.json().error.code, 'INVALID_JSON')
  const text = await h.app.inject({ method: 'POST', url: '/v1/events', headers: { ...h.auth(), 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.statusCode, 415)
  const big = await post(h, batch({}, { failedItems: Array.from({ length: 100 }, () => 'x'.repeat(100)) }))
  t.equal(big.statusCode, 413)
  t.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE')
  t.equal(await head(h), h.startHead, 'nothing appended')
})

t.test('a reporter outside its region scope gets 403, inside it 201', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const zunyi = await createKey(h, 'reporter', ['zunyi'])
  await rejects(t, h, batch({}, { region: 'bijie' }), 403, /data\.region: bijie is outside this key's scope \(zunyi\)/, zunyi)
  t.equal((await post(h, batch({}, { region: 'zunyi' }), zunyi)).statusCode, 201)
  // A correction has no region of its own: the stream's region decides, and another region's
  // batch is answered as an unknown one (no existence oracle: test/ingest/existence-oracle.test.ts).
  const other = batch({}, { region: 'bijie' })
  t.equal((await post(h, other)).statusCode, 201)
  await rejects(t, h, { type: 'SamplingResultCorrected', data: { batchId: other.data.batchId, result: 'fail', reason: 'x' } }, 409, /has no test result to correct/, zunyi)
  const viewer = await createKey(h, 'viewer')
  await rejects(t, h, batch(), 403, /role viewer may not POST/, viewer)
})

t.test('invariants: arrival before report, second arrival, duplicate batch or entity are 409', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  t.equal((await post(h, rescueRequested('INC-1'))).statusCode, 201)
  await rejects(t, h, rescuerArrived('INC-1', '2020-06-01T09:59:00+08:00'), 409, /data\.arrivedAt: .* is before the incident was reported/)
  t.equal((await post(h, rescuerArrived('INC-1', '2020-06-01T10:14:00+08:00'))).statusCode, 201)
  await rejects(t, h, rescuerArrived('INC-1', '2020-06-01T10:20:00+08:00'), 409, /a rescuer already arrived/)
  await rejects(t, h, rescuerArrived('INC-404', '2020-06-01T10:20:00+08:00'), 409, /has no rescue request/)
  const fact = batch()
  t.equal((await post(h, fact)).statusCode, 201)
  await rejects(t, h, batch({}, { batchId: fact.data.batchId }), 409, /was already tested/)
  t.equal((await post(h, entity(42))).statusCode, 201)
  await rejects(t, h, entity(42, { region: 'zunyi' }), 409, /is already registered/)
  await rejects(t, h, { type: 'SamplingResultCorrected', data: { batchId: 'never-tested', result: 'fail', reason: 'x' } }, 409, /has no test result/)
})

t.test('the same id and content again is 200 with the original position; other content is 409', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const fact = batch({ id: randomUUID() })
  const first = await post(h, fact)
  t.equal(first.statusCode, 201)
  await post(h, batch())
  const again = await post(h, fact)
  t.equal(again.statusCode, 200)
  t.same(again.json(), first.json(), 'the original id, stream, revision and position')
  await rejects(t, h, { ...fact, data: { ...fact.data, result: 'fail' } }, 409, /already recorded .* with other content/)
  // The same id in another stream is a conflict too.
  await rejects(t, h, batch({ id: fact.id }), 409, /./)
  // A correction records context (region, sampledOn, previous result) yet is still idempotent.
  const correction = { id: randomUUID(), type: 'SamplingResultCorrected', data: { batchId: fact.data.batchId, result: 'fail', reason: 'lab re-test' } }
  const corrected = await post(h, correction)
  t.equal(corrected.statusCode, 201)
  t.equal((await post(h, correction)).statusCode, 200)
})

t.test('batch: each item judged on its own, one stream in request order, nothing appended for failures', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const tested = batch({}, { result: 'pass' })
  const response = await h.app.inject({
    method: 'POST',
    url: '/v1/events/batch',
    headers: h.auth(),
    payload: {
      events: [
        tested,
        { type: 'SamplingResultCorrected', data: { batchId: tested.data.batchId, result: 'fail', reason: 're-test' } },
        batch({}, { region: 'mars' }),
        batch({}, { batchId: tested.data.batchId }),
        entity(1),
      ],
    },
  })
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.equal(body.errors, true)
  t.same(
    body.items.map((i: { status: number }) => i.status),
    [201, 201, 400, 409, 201],
  )
  t.match(body.items[1], { revision: 1, stream: `sampling-${tested.data.batchId}` })
  t.match(body.items[2].error.message, /data\.region/)
  t.equal(await head(h), h.startHead + 3)
  const stream = await h.app.inject({ method: 'GET', url: `/v1/streams/sampling-${tested.data.batchId}`, headers: h.auth() })
  t.same(stream.json().events.map((e: { type: string }) => e.type), ['SamplingBatchTested', 'SamplingResultCorrected'])
  t.match(stream.json().events[1].data, { region: 'zunyi', sampledOn: '2020-05-12', previousResult: 'pass', result: 'fail', stage: tested.data.stage, purpose: null })
})

t.test('batch limits: empty or over the maximum is 400, nothing appended', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_MAX_BATCH: '3' } })
  t.teardown(h.close)
  for (const events of [[], [batch(), batch(), batch(), batch()]]) {
    const response = await h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events } })
    t.equal(response.statusCode, 400)
    t.match(response.json().error.message, /^events: must hold at (least one|most 3) event/)
  }
  t.equal(await head(h), h.startHead, 'nothing appended')
})

t.test('no key is 401; a revoked key is 401', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const anonymous = await h.app.inject({ method: 'POST', url: '/v1/events', payload: batch() })
  t.equal(anonymous.statusCode, 401)
  const key = await createKey(h, 'reporter')
  t.equal((await post(h, batch(), key)).statusCode, 201)
  const id = key.split('_')[1]
  t.equal((await h.app.inject({ method: 'DELETE', url: `/v1/keys/${id}`, headers: h.auth() })).statusCode, 200)
  t.equal((await post(h, batch(), key)).statusCode, 401)
})
