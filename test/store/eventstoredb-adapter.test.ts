// What the EventStoreDB adapter does beyond the shared contract, on the stand-in server:
// surviving dropped subscriptions, several writers on one stream, id reservations after
// failures, records it did not write, and imports.
import { AccessDeniedError, NotLeaderError, UnavailableError } from '@eventstore/db-client'
import t, { type Test } from 'tap'
import { ConcurrencyError, IdConflict, StoreUnavailable, ValidationError } from '../../domain/errors.ts'
import { verifyStreamChain } from '../../services/store/hashing.ts'
import { createEventStoreDbStore, type EventStoreDbStoreOptions } from '../../services/store/eventstoredb.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { collect, errorOf, freshStream, manualClock, newEvent, newEvents, waitFor } from '../contract/helpers.ts'
import { createFakeEventStoreDb } from './eventstoredb-fake.ts'

const quickBackoff = { initialMs: 1, maxMs: 20, factor: 2 }

const open = (t: Test, server = createFakeEventStoreDb(), options: Omit<EventStoreDbStoreOptions, 'client'> = {}) => {
  const store = createEventStoreDbStore({ client: server.client, backoff: quickBackoff, ...options })
  t.teardown(() => store.close())
  return { store, server }
}

const notReady = () => new UnavailableError(undefined, 'Server Is Not Ready')

t.test('a subscription survives drops, "Server Is Not Ready" and leader changes: every event once, in order', async (t) => {
  const { store, server } = open(t)
  const stream = freshStream('drops')
  await store.append(stream, newEvents(50), 'no_stream')
  const received: RecordedEvent[] = []
  const controller = new AbortController()
  const subscription = store.subscribeAll('start', (event) => void received.push(event), controller.signal)
  await subscription.caughtUp
  const faults = [notReady(), Object.assign(new UnavailableError(), { message: 'leader changed' }), notReady()]
  for (const [round, fault] of faults.entries()) {
    await waitFor(() => server.liveSubscriptions() === 1, 'subscribed again')
    server.failNextSubscriptions(notReady(), notReady())
    server.dropSubscriptions(fault)
    await store.append(stream, newEvents(10, 50 + round * 10), 'any')
    await waitFor(() => received.length === 60 + round * 10, `the events of round ${round}`)
  }
  const log = await collect(store.readAll())
  t.same(received.map((event) => event.position), log.map((event) => event.position), 'the log, each event once, in order')
  t.ok(server.calls().subscribe >= 1 + 3 * 3, 'it resubscribed after each drop and each refusal')
  controller.abort()
  await subscription.done
  t.equal(server.liveSubscriptions(), 0, 'nothing left subscribed after abort')
})

t.test('a subscription that cannot be authorised ends with the port\'s error instead of retrying', async (t) => {
  const { store, server } = open(t)
  server.failNextSubscriptions(new AccessDeniedError())
  const subscription = store.subscribeAll('start', () => {}, new AbortController().signal)
  const error = await errorOf(subscription.done)
  t.ok(error instanceof StoreUnavailable)
  t.match(error, { message: /credentials/ })
})

t.test('closing the store ends its subscriptions cleanly', async (t) => {
  const { store, server } = open(t)
  const subscription = store.subscribeAll('end', () => {}, new AbortController().signal)
  await subscription.caughtUp
  await waitFor(() => server.liveSubscriptions() === 1, 'subscribed')
  await store.close()
  await subscription.done
  t.equal(server.liveSubscriptions(), 0)
  t.ok((await errorOf(store.head())) instanceof StoreUnavailable, 'reads after close are refused')
})

t.test('two instances writing one stream with "any" keep one unbroken chain', async (t) => {
  const server = createFakeEventStoreDb()
  const [a, b] = [open(t, server).store, open(t, server).store]
  const stream = freshStream('shared')
  const events = newEvents(40)
  await Promise.all(events.map((event, index) => (index % 2 === 0 ? a : b).append(stream, [event], 'any')))
  const read = await collect(a.readStream(stream))
  t.same(read.map((event) => event.revision), Array.from({ length: 40 }, (_, revision) => revision))
  t.same(new Set(read.map((event) => event.id)), new Set(events.map((event) => event.id)), 'every event exactly once')
  t.equal(verifyStreamChain(read), null, 'the chain holds across writers')
  t.same(await collect(b.readStream(stream)), read, 'both instances read the same stream')
})

t.test('a lost acknowledgement: the retry finds the event and returns its original result', async (t) => {
  const { store, server } = open(t)
  const stream = freshStream('lost-ack')
  const event = newEvent({ n: 1 })
  server.failNextAppend(stream, notReady(), true)
  const failure = await errorOf(store.append(stream, [event], 'no_stream'))
  t.ok(failure instanceof StoreUnavailable, 'the caller sees 503')
  const retried = await store.append(stream, [structuredClone(event)], 'no_stream')
  t.equal(retried.idempotent, true)
  const [recorded] = await collect(store.readStream(stream))
  t.same(retried.positions, [recorded.position])
  t.equal((await collect(store.readStream(stream))).length, 1, 'written once')
})

t.test('an append that failed before writing leaves its reservation: same content goes through, other content waits', async (t) => {
  const time = manualClock('2020-06-01T00:00:00.000Z')
  const server = createFakeEventStoreDb({ clock: time.clock })
  const { store } = open(t, server, { clock: time.clock, reservationTakeoverMs: 60_000 })
  const stream = freshStream('orphan')
  const event = newEvent({ n: 1 })
  server.failNextAppend(stream, notReady())
  t.ok((await errorOf(store.append(stream, [event], 'no_stream'))) instanceof StoreUnavailable)
  const other = await errorOf(store.append(freshStream('elsewhere'), [{ ...event, data: { n: 2 } }], 'any'))
  t.ok(other instanceof IdConflict, 'other content is refused while the first append may still land')
  t.match(other, { message: /unfinished append/ })
  time.set('2020-06-01T00:01:01.000Z')
  const elsewhere = freshStream('elsewhere')
  await store.append(elsewhere, [{ ...event, data: { n: 2 } }], 'any')
  t.same((await collect(store.readStream(elsewhere))).map((recorded) => recorded.data), [{ n: 2 }], 'after the takeover time the id is free')
  t.ok((await errorOf(store.append(stream, [event], 'any'))) instanceof IdConflict, 'and now belongs to the recorded event')
})

t.test('an append refused for its expected revision frees its ids for the re-decided event', async (t) => {
  const { store } = open(t)
  const stream = freshStream('redecide')
  await store.append(stream, [newEvent()], 'no_stream')
  const id = newEvent().id
  const stale = await errorOf(store.append(stream, [newEvent({ v: 1 }, { id })], 'no_stream'))
  t.ok(stale instanceof ConcurrencyError, 'a stale expectation')
  // Racing writers: the losers reserved their ids before the server refused them.
  const racers = Array.from({ length: 5 }, (_, n) => newEvent({ racer: n }))
  const outcomes = await Promise.allSettled(racers.map((event) => store.append(stream, [event], 0)))
  t.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 1, 'one racer wins')
  const losers = racers.filter((_, index) => outcomes[index].status === 'rejected')
  for (const loser of [{ ...newEvent({ v: 2 }), id }, ...losers.map((event) => ({ ...event, data: { redecided: true } }))]) {
    await store.append(stream, [loser], 'any')
  }
  const read = await collect(store.readStream(stream))
  t.equal(read.length, 7, 'the re-decided events were all accepted')
  t.equal(verifyStreamChain(read), null)
})

t.test('records targetwatch did not write are skipped in the log and block a chain loudly', async (t) => {
  const { store, server } = open(t)
  const mine = freshStream('mine')
  await store.append(mine, newEvents(2), 'no_stream')
  server.writeForeign('other-app-1', 'SomethingHappened', { x: 1 })
  server.writeForeign('$stats-127.0.0.1:2113', '$statsCollected', {})
  const head = await store.head()
  t.same((await collect(store.readAll())).map((event) => event.stream), [mine, mine], 'only the log')
  t.equal(head, (await collect(store.readStream(mine)))[1].position, 'head skips foreign and system records')
  server.writeForeign(mine, 'Sneaky', { x: 2 })
  const error = await errorOf(store.append(mine, [newEvent()], 'any'))
  t.ok(error instanceof StoreUnavailable)
  t.match(error, { message: /did not write/ })
})

t.test('reserved stream names are refused; non-uuid ids round-trip', async (t) => {
  const { store } = open(t)
  t.ok((await errorOf(store.append('$settings', [newEvent()], 'any'))) instanceof ValidationError)
  t.ok((await errorOf(store.append('tw~eventid-x', [newEvent()], 'any'))) instanceof ValidationError)
  const stream = freshStream('ids')
  const ids = ['alert-1-zunyi-3', 'ABCDEF01-2345-6789-ABCD-EF0123456789']
  await store.append(stream, ids.map((id) => newEvent({}, { id })), 'no_stream')
  // A uuid is lowered before idempotency (README, attack hardening item 6); other ids keep their case.
  t.same((await collect(store.readStream(stream))).map((event) => event.id), [ids[0], ids[1]!.toLowerCase()])
  t.equal((await store.append(stream, ids.map((id) => newEvent({}, { id })), 'no_stream')).idempotent, true, 'and are idempotent')
})

t.test('positionAt reads recordedAt from the server clock or the import', async (t) => {
  const time = manualClock('2020-05-01T00:00:00.000Z')
  const { store } = open(t, createFakeEventStoreDb({ clock: time.clock }))
  const stream = freshStream('clock')
  const first = await store.append(stream, [newEvent()], 'any')
  time.set('2020-05-02T00:00:00.000Z')
  const second = await store.append(stream, newEvents(2), 'any')
  t.equal(await store.positionAt('2020-04-30T23:59:59Z'), 0)
  t.equal(await store.positionAt('2020-05-01T12:00:00+08:00'), first.positions[0])
  t.equal(await store.positionAt('2020-05-03T00:00:00Z'), second.positions[1])
  t.ok((await errorOf(store.positionAt('yesterday'))) instanceof ValidationError)
  const imported = freshStream('import')
  await store.append(imported, [newEvent({}, { recordedAt: '2020-05-02T08:00:00+08:00' })], 'no_stream')
  t.equal((await collect(store.readStream(imported)))[0].recordedAt, '2020-05-02T00:00:00.000Z')
  const early = await errorOf(store.append(imported, [newEvent({}, { recordedAt: '2020-04-01T00:00:00Z' })], 'any'))
  t.ok(early instanceof ValidationError, 'an import must not go back in time')
})

t.test('a server that returns no positions on stream reads is refused plainly', async (t) => {
  const { store } = open(t, createFakeEventStoreDb({ streamPositions: false }))
  const error = await errorOf(store.append(freshStream('old'), [newEvent()], 'no_stream'))
  t.ok(error instanceof StoreUnavailable)
  t.match(error, { message: /22\.10/ })
})

t.test('NotLeader is a condition of the cluster (503), not a bug', async (t) => {
  const { store, server } = open(t)
  const notLeader = Object.create(NotLeaderError.prototype) as NotLeaderError
  Object.assign(notLeader, { message: 'not leader', type: 'not-leader' })
  const stream = freshStream('leader')
  server.failNextAppend(stream, notLeader)
  t.match(await errorOf(store.append(stream, [newEvent()], 'any')), { code: 'STORE_UNAVAILABLE' })
})
