// Issue 16 item 11: appends whose expected revision the server decides (no client expectation)
// are serialized per stream, not failed: 20 concurrent corrections of one batch over real HTTP
// all succeed, each at its own revision, and the stream's revisions run 0..20 without a gap. Twenty
// submissions started together on the command handler (where the race showed: 12 of 20 refused
// WRONG_EXPECTED_REVISION before the per-stream queue) all succeed in submission order.
import t from 'tap'
import { batch } from '../helpers/facts.ts'
import { postAllAtOnce, serveOnLoopback } from './http-helpers.ts'

t.test('20 concurrent corrections of one batch: 20 × 201, revisions 1..20', async (t) => {
  const { h, url, post } = await serveOnLoopback({ store: 'sqlite' })
  t.teardown(h.close)
  const tested = batch()
  const first = await post('/v1/events', tested)
  t.equal(first.status, 201)
  const corrections = Array.from({ length: 20 }, (_, n) => ({
    type: 'SamplingResultCorrected',
    data: { batchId: tested.data.batchId, result: n % 2 ? 'pass' : 'fail', reason: `re-test ${n}` },
  }))
  const answers = await postAllAtOnce(url, '/v1/events', corrections, h.auth().authorization)
  const statuses = answers.map((a) => a.status)
  t.same(statuses, Array(20).fill(201), `every correction appended (got ${statuses.filter((s) => s !== 201).length} refused: ${answers.filter((a) => a.status !== 201).map((a) => a.body.error?.code).slice(0, 3).join(', ')})`)
  t.same(answers.map((a) => a.body.revision).sort((a, b) => a - b), Array.from({ length: 20 }, (_, n) => n + 1), 'each at its own revision')
  const stream = await h.app.inject({ method: 'GET', url: `/v1/streams/${first.body.stream}`, headers: h.auth() })
  t.equal(stream.json().events.length, 21, 'the stream holds the test and the 20 corrections')
})

t.test('20 corrections of one batch submitted at once to the command handler: all appended, in submission order', async (t) => {
  const { h } = await serveOnLoopback({ store: 'sqlite' })
  t.teardown(h.close)
  const admin = { keyId: 'test', name: 'test', role: 'admin' as const, regions: null }
  const tested = batch()
  await h.services.ingest.submit(admin, tested as never, 'first')
  const corrections = Array.from({ length: 20 }, (_, n) => ({
    type: 'SamplingResultCorrected',
    data: { batchId: tested.data.batchId, result: n % 2 ? 'pass' : 'fail', reason: `re-test ${n}` },
  }))
  const outcomes = await Promise.allSettled(corrections.map((correction, n) => h.services.ingest.submit(admin, correction as never, `c${n}`)))
  const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code)
  t.same(refused, [], 'none refused')
  t.same(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.revision : null)), Array.from({ length: 20 }, (_, n) => n + 1), 'revisions follow the order of submission')
})
