// Catch-up subscriptions for the embedded stores. Live delivery is the same code as catch-up:
// a commit only wakes the subscriber, which then reads the log from its own position. So an
// event committed at any moment (even mid catch-up) is read exactly once, in position order.
import type { EventStore, Position, RecordedEvent, Subscription, SubscriptionHandler } from './port.ts'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { now, profilingStages, record } from '../stage-profile.ts'

type LogReader = Pick<EventStore, 'readAll' | 'head'> & {
  /**
   * Optional: up to `limit` events after `from`, read at once. With it, a handler that returns
   * nothing is called without an await per event, and a long catch-up yields to the event loop
   * between pages instead of holding it.
   */
  readPage?: (from: Position, limit: number) => RecordedEvent[]
}

const pageSize = 1000

/** Events from `position` to the end of the log, in order, one page per iteration. */
async function* pagesFrom(log: LogReader, position: Position): AsyncGenerator<RecordedEvent[]> {
  const { readPage } = log
  if (readPage === undefined) {
    for await (const event of log.readAll({ from: position })) yield [event]
    return
  }
  for (let from = position; ; ) {
    const page = readPage(from, pageSize)
    if (page.length > 0) yield page
    if (page.length < pageSize) return
    from = page[page.length - 1].position
    await nextTurn()
  }
}

export interface Subscriptions {
  subscribe(from: Position | 'start' | 'end', handler: SubscriptionHandler, signal: AbortSignal): Subscription
  /** Call after every commit that wrote events. */
  notify(): void
  /** Ends every subscription (their `done` resolves) and waits for running handlers. */
  close(): Promise<void>
}

interface Run {
  from: Position | 'start' | 'end'
  handler: SubscriptionHandler
  stop: AbortSignal
  caughtUp: () => void
}

export const createSubscriptions = (log: LogReader): Subscriptions => {
  const wakers = new Set<() => void>()
  const running = new Set<Promise<void>>()
  const shutdown = new AbortController()

  const run = async ({ from, handler, stop, caughtUp }: Run): Promise<void> => {
    // Dirty starts true and is set by every commit: a commit after a read began forces another read.
    let dirty = true
    let wake: (() => void) | undefined
    const onWake = () => {
      dirty = true
      wake?.()
    }
    const onStop = () => wake?.()
    wakers.add(onWake)
    stop.addEventListener('abort', onStop)
    try {
      let position = from === 'start' ? 0 : from === 'end' ? await log.head() : from
      const target = from === 'end' ? position : await log.head()
      if (position >= target) caughtUp()
      while (!stop.aborted) {
        if (!dirty) {
          await new Promise<void>((resolve) => (wake = resolve))
          wake = undefined
          continue
        }
        dirty = false
        for await (const page of pagesFrom(log, position)) {
          for (const event of page) {
            if (stop.aborted) break
            const since = profilingStages ? now() : 0n
            const handled = handler(event)
            if (handled !== undefined) await handled
            if (profilingStages) record('live folds (after the reply, per event)', since)
            position = event.position
            if (position >= target) caughtUp()
          }
          if (stop.aborted) break
        }
      }
    } catch (error) {
      // Reads fail once the store is closing; that ends the subscription, it is not a failure.
      if (!shutdown.signal.aborted) throw error
    } finally {
      wakers.delete(onWake)
      stop.removeEventListener('abort', onStop)
    }
  }

  const subscribe = (from: Position | 'start' | 'end', handler: SubscriptionHandler, signal: AbortSignal): Subscription => {
    let resolveCaughtUp!: () => void
    let rejectCaughtUp!: (error: unknown) => void
    const caughtUp = new Promise<void>((resolve, reject) => {
      resolveCaughtUp = resolve
      rejectCaughtUp = reject
    })
    // A failure is reported through `done`; an unobserved caughtUp must not crash the process.
    caughtUp.catch(() => {})
    const stop = AbortSignal.any([signal, shutdown.signal])
    const done = run({ from, handler, stop, caughtUp: resolveCaughtUp })
    const settled = done.then(
      () => rejectCaughtUp(new Error('subscription ended before it caught up')),
      (error) => rejectCaughtUp(error),
    )
    running.add(settled)
    void settled.finally(() => running.delete(settled))
    return { caughtUp, done }
  }

  const notify = () => {
    for (const wake of wakers) wake()
  }

  const close = async () => {
    shutdown.abort()
    await Promise.all(running)
  }

  return { subscribe, notify, close }
}
