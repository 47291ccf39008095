// subscribeAll on EventStoreDB: a catch-up subscription to $all, filtered on the server to the
// log's streams, that survives drops. Subscription positions are exclusive ("you will only
// receive the next event after the subscribed position",
// https://developers.eventstore.com/clients/grpc/subscriptions), so after a drop, a
// "Server Is Not Ready" or a leader change it resubscribes from the last event it handled,
// after a bounded backoff, and nothing is missed or delivered twice.
//
// caughtUp: resolved once the handler has taken the head seen at start, as on the embedded
// stores. The v6 client also emits 'caughtUp', but only against servers from 23.10 on
// (https://github.com/kurrent-io/KurrentDB-Client-NodeJS/pull/354) and without saying which
// event it follows, so it is not relied on.
import { streamNameFilter } from '@eventstore/db-client'
import type { Logger } from 'pino'
import type { Position, Subscription, SubscriptionHandler } from '../port.ts'
import { backoffDelay, pause, type BackoffPolicy } from './backoff.ts'
import type { EsdbClient } from './connection.ts'
import { isRetryable, translateError } from './errors.ts'
import { startingPoint } from './positions.ts'
import { fromEsdbRecord, logStreamRegex } from './records.ts'

export interface SubscribeDeps {
  client: EsdbClient
  head: () => Promise<Position>
  logger: Logger
  backoff: BackoffPolicy
  random?: () => number
  /** Aborted when the store closes: every subscription ends. */
  shutdown: AbortSignal
}

type Run = { from: Position | 'start' | 'end'; handler: SubscriptionHandler; stop: AbortSignal; caughtUp: () => void }

export const createSubscribeAll = (deps: SubscribeDeps) => {
  const { client, logger, backoff, random = Math.random } = deps
  const running = new Set<Promise<unknown>>()

  /** Runs `action` until it succeeds, pausing after retryable failures; undefined when stopped. */
  const retrying = async <T>(what: string, action: () => Promise<T>, stop: AbortSignal): Promise<T | undefined> => {
    for (let attempt = 0; !stop.aborted; attempt += 1) {
      try {
        return await action()
      } catch (error) {
        if (stop.aborted) return undefined
        if (!isRetryable(error)) throw translateError(error)
        logger.warn({ err: error, attempt }, `${what} failed; retrying`)
        await pause(backoffDelay(attempt, backoff, random), stop)
      }
    }
    return undefined
  }

  /** One server subscription, from cursor.position on, until it drops (throws) or is stopped. */
  const follow = async (cursor: { position: Position }, job: Run, target: Position): Promise<void> => {
    const filter = streamNameFilter({ regex: logStreamRegex })
    const subscription = client.subscribeToAll({ fromPosition: startingPoint(cursor.position), filter })
    const end = () => {
      if (subscription.destroyed) return
      void subscription.unsubscribe().catch(() => {})
      subscription.destroy()
    }
    job.stop.addEventListener('abort', end)
    try {
      for await (const resolved of subscription) {
        if (job.stop.aborted) return
        const event = fromEsdbRecord(resolved.event)
        if (event === null || event.position <= cursor.position) continue
        await job.handler(event)
        cursor.position = event.position
        if (cursor.position >= target) job.caughtUp()
      }
    } finally {
      job.stop.removeEventListener('abort', end)
      end()
    }
  }

  const run = async (job: Run): Promise<void> => {
    const target = await retrying('reading the head of $all', deps.head, job.stop)
    if (target === undefined) return
    const cursor = { position: job.from === 'start' ? 0 : job.from === 'end' ? target : job.from }
    if (cursor.position >= target) job.caughtUp()
    let handlerFailed = false
    const handler: SubscriptionHandler = async (event) => {
      try {
        await job.handler(event)
      } catch (error) {
        handlerFailed = true
        throw error
      }
    }
    for (let attempt = 0; !job.stop.aborted; ) {
      const before = cursor.position
      try {
        await follow(cursor, { ...job, handler }, target)
        if (job.stop.aborted) return
        logger.warn({ position: cursor.position }, 'subscription to $all ended by the server; resubscribing')
      } catch (error) {
        if (handlerFailed) throw error
        if (job.stop.aborted) return
        if (!isRetryable(error)) throw translateError(error)
        logger.warn({ err: error, position: cursor.position, attempt }, 'subscription to $all dropped; resubscribing after the last event handled')
      }
      attempt = cursor.position > before ? 0 : attempt + 1
      await pause(backoffDelay(attempt, backoff, random), job.stop)
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
    const stop = AbortSignal.any([signal, deps.shutdown])
    const done = run({ from, handler, stop, caughtUp: resolveCaughtUp })
    const settled = done.then(
      () => rejectCaughtUp(new Error('subscription ended before it caught up')),
      (error) => rejectCaughtUp(error),
    )
    running.add(settled)
    void settled.finally(() => running.delete(settled))
    return { caughtUp, done }
  }

  /** Waits for every subscription to end (after `shutdown` aborted). */
  const drain = async () => {
    await Promise.all(running)
  }

  return { subscribe, drain }
}
