// Contract, part 3: subscribeAll — catch-up then live, in order, exactly once, until aborted.
import type { Test } from 'tap'
import type { AppendResult, RecordedEvent } from '../../services/store/port.ts'
import type { ContractContext } from './event-store.contract.ts'
import { collect, errorOf, freshStream, newEvents, nextTurn, waitFor } from './helpers.ts'

export const subscribeContract = (t: Test, { name, open }: ContractContext): void => {
  t.test(`${name}: subscribeAll catches up, then goes live, each event once and in order`, async (t) => {
    const store = await open(t)
    const start = await store.head()
    const stream = freshStream('subscribed')
    for (let batch = 0; batch < 12; batch += 1) await store.append(stream, newEvents(100, batch * 100), 'any')
    const headAtStart = await store.head()
    const received: RecordedEvent[] = []
    const duringCatchUp: Array<Promise<AppendResult>> = []
    let committed = 0
    let inHandler = false
    let overlapped = false
    const controller = new AbortController()
    const subscription = store.subscribeAll(start, async (event) => {
      overlapped ||= inHandler
      inHandler = true
      received.push(event)
      // Midway through catch-up, other writers commit; the subscriber must not miss them.
      if (received.length === 10) {
        for (let i = 0; i < 5; i += 1) {
          duringCatchUp.push(store.append(freshStream('meanwhile'), newEvents(10), 'any').finally(() => (committed += 1)))
        }
        // The handler waits for their commits (a writer on another thread or server answers
        // later than the rest of catch-up would take): they are committed mid catch-up.
        await Promise.allSettled(duringCatchUp)
      }
      if (received.length % 50 === 0) await nextTurn()
      inHandler = false
    }, controller.signal)
    await subscription.caughtUp
    t.equal(committed, 5, 'other writers committed while the subscriber was catching up')
    t.ok(received.length >= 1200 && received[1199].position === headAtStart, 'caughtUp: reached the head seen at start')
    const concurrent = (await Promise.all(duringCatchUp)).flatMap((result) => result.positions)
    t.ok(concurrent.every((position) => position > headAtStart), 'the concurrent appends landed after that head')
    const live = await store.append(stream, newEvents(20, 1200), 'any')
    await waitFor(() => received.length === 1270, 'live events')
    const log = await collect(store.readAll({ from: start }))
    t.same(received.map((event) => event.position), log.map((event) => event.position), 'exactly the log, in position order')
    t.ok(received.at(-1)?.position === live.positions.at(-1), 'live events delivered')
    t.same(received[0], log[0], 'the same events readAll returns')
    t.notOk(overlapped, 'the handler is awaited before the next event')
    controller.abort()
    await subscription.done
    await store.append(stream, newEvents(1), 'any')
    await nextTurn()
    await new Promise((resolve) => setTimeout(resolve, 30))
    t.equal(received.length, 1270, 'nothing after abort')
  })

  t.test(`${name}: subscribeAll from a position or from the end`, async (t) => {
    const store = await open(t)
    const stream = freshStream('from')
    const { positions } = await store.append(stream, newEvents(10), 'no_stream')
    const fromPosition: number[] = []
    const fromEnd: number[] = []
    const controller = new AbortController()
    const byPosition = store.subscribeAll(positions[4], (event) => void fromPosition.push(event.position), controller.signal)
    const byEnd = store.subscribeAll('end', (event) => void fromEnd.push(event.position), controller.signal)
    await Promise.all([byPosition.caughtUp, byEnd.caughtUp])
    t.same(fromPosition, positions.slice(5), 'from is exclusive')
    t.same(fromEnd, [], "'end' skips history")
    const more = await store.append(stream, newEvents(3, 10), 9)
    await waitFor(() => fromEnd.length === 3 && fromPosition.length === 8, 'live events on both')
    t.same(fromEnd, more.positions)
    controller.abort()
    await Promise.all([byPosition.done, byEnd.done])
    t.pass('done resolves on abort')
  })

  t.test(`${name}: a failing handler ends the subscription and rejects done`, async (t) => {
    const store = await open(t)
    await store.append(freshStream('failing'), newEvents(3), 'no_stream')
    const subscription = store.subscribeAll('start', () => {
      throw new Error('projection broke')
    }, new AbortController().signal)
    t.match(await errorOf(subscription.done), { message: 'projection broke' })
  })
}
