// Issue 16 item 7: a scoped reporter cannot tell another region's batch (or incident) from one
// that does not exist. Correcting zunyi's batch with a guiyang key and correcting a batch nobody
// recorded get the same answer: status, code, and a message of the same shape naming only the id
// the client sent. Before, the first was 403 naming zunyi and the second 409 BATCH_NOT_FOUND.
import t from 'tap'
import { batch, rescueRequested, rescuerArrived } from '../helpers/facts.ts'
import { serveOnLoopback } from './http-helpers.ts'

const shapeOf = (answer: { status: number; body: any }, id: string) => ({
  status: answer.status,
  code: answer.body.error?.code,
  message: String(answer.body.error?.message).replaceAll(id, '<id>'),
  details: JSON.stringify(answer.body.error?.details ?? null).replaceAll(id, '<id>'),
})

t.test("a guiyang reporter correcting zunyi's batch is answered as for an unknown batch", async (t) => {
  const { h, post, key } = await serveOnLoopback({ store: 'sqlite' })
  t.teardown(h.close)
  const zunyiBatch = batch({}, { region: 'zunyi' })
  t.equal((await post('/v1/events', zunyiBatch)).status, 201)
  const guiyang = await key('reporter', ['guiyang'])
  const correct = (batchId: string) => ({ type: 'SamplingResultCorrected', data: { batchId, result: 'fail', reason: 're-test' } })
  const theirs = await post('/v1/events', correct(zunyiBatch.data.batchId), guiyang)
  const unknownId = `B-unknown-${Date.now()}`
  const unknown = await post('/v1/events', correct(unknownId), guiyang)
  t.equal(unknown.status, 409)
  t.equal(unknown.body.error.code, 'BATCH_NOT_FOUND')
  t.same(shapeOf(theirs, zunyiBatch.data.batchId), shapeOf(unknown, unknownId), 'same status, code and message shape')
  t.notMatch(JSON.stringify(theirs.body), /zunyi/, 'the answer does not name the batch\'s region')
  const zunyi = await key('reporter', ['zunyi'])
  t.equal((await post('/v1/events', correct(zunyiBatch.data.batchId), zunyi)).status, 201, "zunyi's own key still corrects it")
})

t.test("a guiyang reporter reporting an arrival at zunyi's incident is answered as for an unknown incident", async (t) => {
  const { h, post, key } = await serveOnLoopback()
  t.teardown(h.close)
  const incident = `I-${Date.now()}`
  t.equal((await post('/v1/events', rescueRequested(incident, { region: 'zunyi' }))).status, 201)
  const guiyang = await key('reporter', ['guiyang'])
  const theirs = await post('/v1/events', rescuerArrived(incident, '2020-06-01T10:20:00+08:00'), guiyang)
  const unknown = await post('/v1/events', rescuerArrived(`${incident}-x`, '2020-06-01T10:20:00+08:00'), guiyang)
  t.equal(unknown.status, 409)
  t.same(shapeOf(theirs, incident), shapeOf(unknown, `${incident}-x`))
  t.notMatch(JSON.stringify(theirs.body), /zunyi/)
})
