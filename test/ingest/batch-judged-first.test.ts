// Issue 18 item 2: POST /v1/events/batch judges first and writes once per stream. What must not
// change is what each item is answered: the same facts sent one by one through POST /v1/events to
// a second fresh service get, item by item, the same status, error code, id and revision (and a
// retry the original's position). A stream moved by another writer between the batch's read and
// its write is read and judged again, not refused.
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createMemoryStore } from '../../services/store/memory.ts'
import type { EventStore, NewEvent } from '../../services/store/port.ts'
import { batch, entity, reading, rescueRequested, rescuerArrived } from '../helpers/facts.ts'
import { serveOnLoopback, type Served } from './http-helpers.ts'

const correction = (batchId: string, reason: string, result = 'fail') => ({ type: 'SamplingResultCorrected', data: { batchId, result, reason } })

/** Facts recorded before the batch, on both services alike: their ids are retried or reused below. */
const before = (retried: ReturnType<typeof batch>, reusedId: string) => [retried, { ...batch(), id: reusedId }]

/** One of each kind of answer, in one request; the comments give what one by one answers. */
const facts = (retried: ReturnType<typeof batch>, reusedId: string) => {
  const a = batch({}, { region: 'zunyi' })
  const x = randomUUID()
  const b = { ...batch({}, { region: 'zunyi' }), id: x }
  const f = batch({ id: reusedId }, { region: 'zunyi' })
  const incident = `INC-${randomUUID()}`
  return [
    a, // 201, a new stream
    correction(a.data.batchId, 're-test'), // 201 at revision 1: a correction after its batch, in the same request
    entity(1, { region: 'guiyang' }), // refused: outside the key's regions
    { type: 'SamplingBatchTested', data: { region: 'zunyi' } }, // 400: not a valid fact
    b, // 201 with its own id
    b, // 200: the same id and content again, the first one's position
    { ...b, data: { ...b.data, result: 'fail' } }, // 409: the same id with other content
    reading('elevator-inspection-rate', 'zunyi', '2020-03-31', 9, 10), // 201, a reading judged alone
    correction(`B-${randomUUID()}`, 'no such batch'), // refused: nothing to correct
    rescueRequested(incident, { region: 'zunyi' }),
    rescuerArrived(incident, '2020-06-01T10:15:00+08:00'), // 201 after its request, same stream
    retried, // 200: recorded before the batch, with its original position
    f, // 409: its id is recorded in another stream
    correction(f.data.batchId, 'of a refused batch'), // refused: that batch was not recorded
    correction(a.data.batchId, 'second re-test', 'pass'), // 201 at revision 2
  ]
}

interface Answer {
  status: number
  code?: string
  id?: string
  revision?: number
  position?: number
}

const prepared = async (store: 'sqlite' | 'memory') => {
  const served = await serveOnLoopback({ store })
  const key = await served.key('reporter', ['zunyi'])
  return { served, key }
}

const seedBefore = async ({ post }: Served, records: unknown[]) => {
  const positions: number[] = []
  for (const fact of records) {
    const answer = await post('/v1/events', fact)
    if (answer.status !== 201) throw new Error(`seeding: ${answer.status} ${JSON.stringify(answer.body)}`)
    positions.push(answer.body.position)
  }
  return positions
}

for (const store of ['sqlite', 'memory'] as const) {
  t.test(`${store}: a batch answers each item as POST /v1/events answers it alone`, async (t) => {
    const retried = { ...batch({}, { region: 'zunyi' }), id: randomUUID() }
    const reusedId = randomUUID()
    const list = facts(retried, reusedId)

    const one = await prepared(store)
    t.teardown(one.served.h.close)
    const seeded = await seedBefore(one.served, before(retried, reusedId))
    const retriedAt = seeded[0]
    const headBefore = await one.served.h.services.store.head()
    const alone: Answer[] = []
    for (const fact of list) {
      const { status, body } = await one.served.post('/v1/events', fact, one.key)
      alone.push({ status, code: body.error?.code, id: body.id, revision: body.revision, position: body.position })
    }
    const appendedAlone = (await one.served.h.services.store.head()) - headBefore

    const all = await prepared(store)
    t.teardown(all.served.h.close)
    t.same(await seedBefore(all.served, before(retried, reusedId)), seeded, 'both services start from the same log')
    const startHead = await all.served.h.services.store.head()
    const { status, body } = await all.served.post('/v1/events/batch', { events: list }, all.key)
    t.equal(status, 200)
    const inBatch: Answer[] = body.items.map((item: any) => ({ status: item.status, code: item.error?.code, id: item.id, revision: item.revision, position: item.position }))

    t.same(body.items.map((item: any) => item.index), list.map((_, index) => index), 'one answer per item, in order')
    t.same(inBatch.map((answer) => answer.status), alone.map((answer) => answer.status), `statuses: ${inBatch.map((answer) => answer.status).join(' ')}`)
    t.same(inBatch.map((answer) => answer.code), alone.map((answer) => answer.code), 'error codes')
    t.same(inBatch.map((answer) => answer.revision), alone.map((answer) => answer.revision), 'revisions')
    list.forEach((fact, index) => {
      if ('id' in fact && inBatch[index].status < 300) t.equal(inBatch[index].id, fact.id, `item ${index} keeps its id`)
    })
    t.equal(inBatch[5].position, inBatch[4].position, 'the same fact twice: the second answers with the first one\'s position')
    t.equal(inBatch[11].position, retriedAt, 'a retry of a fact recorded before: its original position')
    t.equal((await all.served.h.services.store.head()) - startHead, appendedAlone, 'as many events appended as one by one')
    const written = inBatch.filter((answer) => answer.status === 201).map((answer) => answer.position!).sort((x, y) => x - y)
    t.same(written, Array.from({ length: written.length }, (_, n) => startHead + 1 + n), 'the appended facts hold the positions after the head, without a gap')
  })
}

t.test('a stream moved by another writer between the batch\'s read and its write is judged again', async (t) => {
  const inner = createMemoryStore()
  let interfere: ((stream: string) => Promise<void>) | null = null
  // Another process's writer, as the batch path sees it: right after the batch has read the
  // stream, a correction lands on it behind the service's back.
  const store: EventStore = {
    ...inner,
    readStream: (stream, options) => {
      const read = inner.readStream(stream, options)
      const hook = interfere
      if (hook === null) return read
      return (async function* () {
        yield* read
        interfere = null
        await hook(stream)
      })()
    },
  }
  const { h, post } = await serveOnLoopback({ store: 'memory', openStore: () => store })
  t.teardown(h.close)
  const tested = batch()
  const opened = await post('/v1/events', tested)
  t.equal(opened.status, 201)
  const external: NewEvent = {
    id: randomUUID(),
    type: 'SamplingResultCorrected',
    occurredAt: new Date().toISOString(),
    data: { batchId: tested.data.batchId, result: 'fail', reason: 'by another instance' },
    meta: { principal: 'elsewhere', requestId: 'elsewhere', schemaVersion: 1 },
  }
  interfere = async (stream) => {
    await inner.append(stream, [external], 0)
  }
  const { status, body } = await post('/v1/events/batch', { events: [correction(tested.data.batchId, 'in the batch', 'pass'), correction(tested.data.batchId, 'and again', 'fail')] })
  t.equal(status, 200)
  t.same(body.items.map((item: any) => item.status), [201, 201], 'both corrections appended, none refused')
  t.same(body.items.map((item: any) => item.revision), [2, 3], 'after the other writer\'s correction at revision 1')
  const stream = await h.app.inject({ method: 'GET', url: `/v1/streams/${opened.body.stream}`, headers: h.auth() })
  t.same(
    stream.json().events.map((event: any) => event.data.reason ?? null),
    [null, 'by another instance', 'in the batch', 'and again'],
    'the stream holds the test, the other writer\'s correction and the batch\'s two, in that order',
  )
})

t.test('a batch reads each stream it touches once and writes each stream once', async (t) => {
  const inner = createMemoryStore()
  const calls = { reads: new Map<string, number>(), appends: new Map<string, number[]>() }
  const store: EventStore = {
    ...inner,
    readStream: (stream, options) => (calls.reads.set(stream, (calls.reads.get(stream) ?? 0) + 1), inner.readStream(stream, options)),
    append: (stream, events, expected) => (calls.appends.set(stream, [...(calls.appends.get(stream) ?? []), events.length]), inner.append(stream, events, expected)),
  }
  const { h, post } = await serveOnLoopback({ store: 'memory', openStore: () => store })
  t.teardown(h.close)
  const [one, two] = [batch(), batch()]
  const events = [
    one,
    two,
    correction(one.data.batchId, 'first'),
    correction(two.data.batchId, 'first'),
    correction(one.data.batchId, 'second', 'pass'),
    reading('elevator-inspection-rate', 'zunyi', '2020-03-31', 9, 10),
    reading('elevator-inspection-rate', 'zunyi', '2020-04-30', 9, 10),
  ]
  calls.reads.clear()
  calls.appends.clear()
  const { status, body } = await post('/v1/events/batch', { events })
  t.equal(status, 200)
  t.same(body.items.map((item: any) => item.status), Array(events.length).fill(201))
  t.same(body.items.map((item: any) => item.revision), [0, 0, 1, 1, 2, 0, 1])
  const [streamOne, streamTwo, readings] = [body.items[0].stream, body.items[1].stream, body.items[5].stream]
  t.same(Object.fromEntries(calls.reads), { [streamOne]: 1, [streamTwo]: 1 }, 'one read per stream; readings judged alone read nothing')
  t.same(Object.fromEntries(calls.appends), { [streamOne]: [3], [streamTwo]: [2], [readings]: [2] }, "one append per stream with all of its facts")
})
