// Issue 16 item 6: a uuid names one event whatever its letter case. The same fact sent with its
// id in upper case, then in lower case, is one event: the second answer is the retry's 200 with
// the original position, and the stream holds one event under the lower-case id.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { batch } from '../helpers/facts.ts'
import { serveOnLoopback } from './http-helpers.ts'

t.test('the same event id in upper then lower case is one event (HTTP, SQLite)', async (t) => {
  const { h, post } = await serveOnLoopback({ store: 'sqlite' })
  t.teardown(h.close)
  const id = randomUUID()
  const fact = batch({ id: id.toUpperCase() })
  const first = await post('/v1/events', fact)
  t.equal(first.status, 201, 'the upper-case id is appended')
  t.equal(first.body.id, id, 'and answered in lower case')
  const second = await post('/v1/events', { ...fact, id })
  t.equal(second.status, 200, 'the lower-case id is the same event: answered as a retry')
  t.equal(second.body.position, first.body.position, 'with the original position')
  const third = await post('/v1/events', { ...fact, id: id.toUpperCase() })
  t.equal(third.status, 200, 'upper case again: still the one event')
  const stream = await h.app.inject({ method: 'GET', url: `/v1/streams/${first.body.stream}`, headers: h.auth() })
  t.same(stream.json().events.map((e: { id: string }) => e.id), [id], 'the stream holds one event, under the lower-case id')
})

t.test('in a batch, the two cases of one id are one event', async (t) => {
  const { h, post } = await serveOnLoopback()
  t.teardown(h.close)
  const id = randomUUID()
  const fact = batch({ id: id.toUpperCase() })
  const answer = await post('/v1/events/batch', { events: [fact, { ...fact, id }] })
  t.same(answer.body.items.map((item: { status: number }) => item.status), [201, 200])
  t.equal(answer.body.items[1].position, answer.body.items[0].position)
})
