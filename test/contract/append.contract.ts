// Contract, part 1: append — expected revision, idempotent retries, id conflicts, concurrency.
import type { Test } from 'tap'
import { ConcurrencyError, IdConflict, StoreUnavailable, ValidationError } from '../../domain/errors.ts'
import { verifyStreamChain } from '../../services/store/hashing.ts'
import type { EventStore, ExpectedRevision } from '../../services/store/port.ts'
import type { ContractContext } from './event-store.contract.ts'
import { collect, errorOf, freshStream, newEvent, newEvents } from './helpers.ts'

const revisionsOf = async (store: EventStore, stream: string) => (await collect(store.readStream(stream))).map((event) => event.revision)

export const appendContract = (t: Test, { name, open, densePositions }: ContractContext): void => {
  t.test(`${name}: an append is read back in order with the store's metadata added`, async (t) => {
    const store = await open(t)
    const stream = freshStream('read-back')
    const events = newEvents(3)
    const result = await store.append(stream, events, 'no_stream')
    t.equal(result.nextRevision, 2)
    t.equal(result.positions.length, 3)
    t.equal(result.idempotent, false)
    const read = await collect(store.readStream(stream))
    t.same(read.map((event) => [event.id, event.type, event.stream, event.revision, event.position, event.occurredAt]),
      events.map((event, index) => [event.id, event.type, stream, index, result.positions[index], event.occurredAt]))
    t.same(read.map((event) => event.data), events.map((event) => event.data))
    t.match(read[0].meta, { ...events[0].meta, prevHash: /^0{64}$/, hash: /^[0-9a-f]{64}$/ })
    t.match(read[0].recordedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'recordedAt is ISO UTC')
    t.same(await collect(store.readStream(freshStream('missing'))), [], 'a missing stream reads as empty')
  })

  t.test(`${name}: expected revision means what it means on EventStoreDB`, async (t) => {
    const store = await open(t)
    // [stream has events (last revision 1)?, expected, succeeds?]
    const matrix: Array<[boolean, ExpectedRevision, boolean]> = [
      [false, 'any', true], [false, 'no_stream', true], [false, 'exists', false], [false, 0, false],
      [true, 'any', true], [true, 'no_stream', false], [true, 'exists', true], [true, 1, true], [true, 0, false], [true, 2, false],
    ]
    for (const [exists, expected, succeeds] of matrix) {
      const label = `${exists ? 'stream at revision 1' : 'missing stream'}, expected ${expected}`
      const stream = freshStream('expected')
      if (exists) await store.append(stream, newEvents(2), 'no_stream')
      const error = await errorOf(store.append(stream, [newEvent()], expected))
      if (succeeds) {
        t.equal(error, undefined, `${label}: appended`)
        t.same(await revisionsOf(store, stream), exists ? [0, 1, 2] : [0], `${label}: revisions`)
        continue
      }
      t.ok(error instanceof ConcurrencyError, `${label}: ConcurrencyError`)
      t.match(error, { code: 'WRONG_EXPECTED_REVISION', status: 409, expected: String(expected), actual: exists ? '1' : 'no_stream' }, label)
      t.same(await revisionsOf(store, stream), exists ? [0, 1] : [], `${label}: nothing written`)
    }
    t.ok(await errorOf(store.append(freshStream('bad'), [newEvent()], -1)) instanceof ValidationError, 'a negative revision is refused')
  })

  t.test(`${name}: a retried append is a no-op that returns the original result`, async (t) => {
    const store = await open(t)
    const stream = freshStream('retry')
    const events = newEvents(2)
    const original = await store.append(stream, events, 'no_stream')
    await store.append(freshStream('other'), newEvents(1), 'no_stream')
    await store.append(stream, newEvents(1, 2), 1)
    const headBefore = await store.head()
    // The retry still carries 'no_stream', stale by now: idempotency is judged first.
    const retried = await store.append(stream, structuredClone(events), 'no_stream')
    t.same(retried, { nextRevision: original.nextRevision, positions: original.positions, idempotent: true })
    t.same(await store.append(stream, structuredClone(events), 7), retried, 'any expectation replays')
    t.equal(await store.head(), headBefore, 'nothing was written')
    t.same(await revisionsOf(store, stream), [0, 1, 2])
  })

  t.test(`${name}: a uuid id in upper and in lower case is one event (ids are normalised before idempotency)`, async (t) => {
    const store = await open(t)
    const stream = freshStream('id-case')
    const event = newEvent({ n: 42 })
    const upper = { ...event, id: event.id.toUpperCase() }
    const first = await store.append(stream, [upper], 'any')
    const again = await store.append(stream, [event], 'any')
    t.equal(again.idempotent, true, 'the lower-case id is a retry of the upper-case one')
    t.same(again.positions, first.positions, 'and answers with the original position')
    const read = await collect(store.readStream(stream))
    t.same(read.map((e) => e.id), [event.id], 'one event, recorded under the lower-case id')
  })

  t.test(`${name}: an id recorded with other content, elsewhere or only partly is a conflict`, async (t) => {
    const store = await open(t)
    const stream = freshStream('conflict')
    const [first, second] = newEvents(2)
    await store.append(stream, [first, second], 'no_stream')
    const headBefore = await store.head()
    const twin = newEvent()
    const partly = freshStream('partly')
    // errorOf right away: a rejection nobody awaits yet would be reported as unhandled.
    const cases: Array<[string, Promise<unknown>]> = [
      ['other data', errorOf(store.append(stream, [{ ...first, data: { n: 99 } }], 'any'))],
      ['other type', errorOf(store.append(stream, [{ ...first, type: 'SomethingElse' }], 'any'))],
      ['another stream', errorOf(store.append(freshStream('elsewhere'), [first], 'any'))],
      ['some new, some recorded', errorOf(store.append(stream, [first, newEvent()], 'any'))],
      ['one id twice in one append', errorOf(store.append(freshStream('twice'), [twin, twin], 'any'))],
      // The first event is new and would be written before the second collides: undone with it.
      ['new, then recorded, in a new stream', errorOf(store.append(partly, [newEvent(), first], 'any'))],
      ['new, then recorded, in a stream that exists', errorOf(store.append(stream, [newEvent(), second], 'any'))],
    ]
    for (const [label, attempt] of cases) {
      const error = await attempt
      t.ok(error instanceof IdConflict, `${label}: IdConflict`)
      t.match(error, { code: 'EVENT_ID_CONFLICT', status: 409 }, label)
    }
    t.equal(await store.head(), headBefore, 'no conflicting append wrote anything')
    t.same(await collect(store.readStream(partly)), [], 'not even the new stream of a refused append')
    t.same(await revisionsOf(store, stream), [0, 1], 'nor an event of the stream that exists')
    const after = await store.append(freshStream('after'), [newEvent()], 'no_stream')
    if (densePositions) t.same(after.positions, [headBefore + 1], 'the next append takes the next position: no gap')
  })

  t.test(`${name}: concurrent appends to one stream: exactly one wins each revision`, async (t) => {
    const store = await open(t)
    const stream = freshStream('race')
    for (const expected of ['no_stream', 0, 1] as const) {
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => store.append(stream, [newEvent()], expected)))
      const losers = outcomes.filter((outcome) => outcome.status === 'rejected')
      t.equal(outcomes.length - losers.length, 1, `expected ${expected}: one winner`)
      t.ok(losers.every((outcome) => outcome.reason instanceof ConcurrencyError), `expected ${expected}: 19 ConcurrencyErrors`)
    }
    // Writers that retry on ConcurrencyError all get in, with no gaps and no duplicates.
    const writers = Array.from({ length: 25 }, (_, writer) => newEvent({ writer }))
    const write = async (event: ReturnType<typeof newEvent>) => {
      let expected: ExpectedRevision = 2
      for (;;) {
        const error = await errorOf(store.append(stream, [event], expected))
        if (error === undefined) return
        if (!(error instanceof ConcurrencyError)) throw error
        expected = Number(error.actual)
      }
    }
    await Promise.all(writers.map(write))
    const read = await collect(store.readStream(stream))
    t.same(read.map((event) => event.revision), Array.from({ length: 28 }, (_, revision) => revision))
    t.same(new Set(read.slice(3).map((event) => event.id)), new Set(writers.map((event) => event.id)), 'every writer exactly once')
    t.equal(verifyStreamChain(read), null, 'the chain holds')
  })

  t.test(`${name}: a meta JSON cannot hold is refused before anything is written, naming the field`, async (t) => {
    const store = await open(t)
    const stream = freshStream('bad-meta')
    const headBefore = await store.head()
    const good = newEvent()
    // Only a caller in code can pass these (HTTP bodies are JSON): NaN, Infinity, a function, a bigint.
    for (const [field, value, what] of [['weight', Number.NaN, 'NaN is not a finite number'], ['cap', Number.POSITIVE_INFINITY, 'Infinity is not a finite number'], ['nested', { deep: [1, () => 1] }, 'a function cannot be encoded'], ['big', 1n, 'a bigint cannot be encoded']] as const) {
      const bad = newEvent({ n: 1 }, { meta: { ...good.meta, [field]: value } as typeof good.meta })
      const error = await errorOf(store.append(stream, [good, bad], 'no_stream'))
      t.ok(error instanceof ValidationError, `${field}: ValidationError`)
      t.match((error as Error).message, new RegExp(`events\\[1\\]\\.meta\\.${field}(\\.deep\\[1\\])?: ${what}`), `${field}: names the event and the field`)
    }
    t.same(await collect(store.readStream(stream)), [], 'nothing of the append was written')
    t.equal(await store.head(), headBefore, 'the head did not move')
    t.equal((await store.append(stream, [good], 'no_stream')).nextRevision, 0, 'the stream is still new: its first append goes through')
  })

  t.test(`${name}: appends after close are refused with StoreUnavailable`, async (t) => {
    const store = await open(t)
    await store.close()
    const error = await errorOf(store.append(freshStream('closed'), [newEvent()], 'any'))
    t.ok(error instanceof StoreUnavailable, 'StoreUnavailable')
    t.match(error, { code: 'STORE_UNAVAILABLE', status: 503 })
  })
}
