// A lease recorded in the store, so that exactly one instance runs a singleton worker (the
// webhook dispatcher) while every instance serves requests. It works on every adapter: it only
// appends with expected revisions and reads its own stream. The rules are in lease-state.ts.
//
//   const lease = createLease({ store, name: 'webhook-dispatcher', holderId, ttlMs: 30_000, logger,
//     onAcquired: ({ term }) => dispatcher.start(term), onLost: () => dispatcher.stop() })
//   lease.start()   ...   await lease.stop()   // stops the worker, then releases: no waiting for the ttl
//
// A worker should also check lease.holding() before each side effect: it turns null the moment
// the hold ends, even if this process was paused and has not ticked since.
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { ConcurrencyError } from '../../domain/errors.ts'
import { leaseEventSchemas } from '../../domain/system-events.ts'
import type { EventStore, ExpectedRevision } from '../store/port.ts'
import { holdsUntil, leaseStream, nextStep, nothingObserved, observe, type Hold, type LeaseEventType, type Observed } from './lease-state.ts'

export interface LeaseTerm {
  name: string
  holderId: string
  /** The revision of the LeaseAcquired event: grows with every new holder (a fencing token). */
  term: number
}

export type LostReason = 'taken' | 'expired' | 'stopped'

export interface LeaseOptions {
  store: EventStore
  name: string
  /** Unique per process, e.g. `${hostname}-${pid}-${random}`. */
  holderId: string
  ttlMs: number
  /** Default ttlMs / 3: two renewals may fail before the hold ends. */
  renewEveryMs?: number
  clock?: () => Date
  logger: Logger
  onAcquired?: (term: LeaseTerm) => void | Promise<void>
  onLost?: (term: LeaseTerm, reason: LostReason) => void | Promise<void>
}

export interface Lease {
  /** Ticks now and every renewEveryMs until stop(). */
  start(): void
  /** Stops ticking; a holder stops its worker (onLost 'stopped') and then releases the lease. */
  stop(): Promise<void>
  /** One step: read the lease, then acquire, renew, give up or wait. start() calls it; tests drive it. */
  tick(): Promise<void>
  /** The current term while this instance holds the lease, else null. */
  holding(): LeaseTerm | null
}

/** The last revision of a stream through the port's forward reads: O(log n) probes. */
const lastRevision = async (store: EventStore, stream: string): Promise<number> => {
  const exists = async (revision: number) => {
    for await (const _ of store.readStream(stream, { fromRevision: revision, limit: 1 })) return true
    return false
  }
  if (!(await exists(0))) return -1
  let low = 0 // exists(low), and below, not exists(high)
  let high = 1
  while (await exists(high)) {
    low = high
    high *= 2
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2)
    if (await exists(middle)) low = middle
    else high = middle
  }
  return low
}

export const createLease = (options: LeaseOptions): Lease => {
  const { store, name, holderId, ttlMs, logger } = options
  const renewEveryMs = options.renewEveryMs ?? Math.floor(ttlMs / 3)
  if (!(ttlMs > 0 && renewEveryMs > 0 && renewEveryMs < ttlMs)) throw new RangeError(`lease ${name}: need 0 < renewEveryMs (${renewEveryMs}) < ttlMs (${ttlMs})`)
  const clock = options.clock ?? (() => new Date())
  const now = () => clock().getTime()
  const stream = leaseStream(name)
  let observed: Observed | null = null
  let hold: Hold | null = null
  let timer: NodeJS.Timeout | undefined
  let queue: Promise<void> = Promise.resolve()

  const termOf = (held: Hold): LeaseTerm => ({ name, holderId, term: held.term })

  const refresh = async () => {
    const from = observed === null ? Math.max(0, await lastRevision(store, stream)) : observed.revision + 1
    const events = []
    for await (const event of store.readStream(stream, { fromRevision: from })) events.push(event)
    observed = observe(observed ?? nothingObserved(now()), events, now())
  }

  const write = async (type: LeaseEventType, term: number | null, expected: ExpectedRevision, startedAt: number) => {
    const fields = type === 'LeaseReleased' ? { holderId, term } : { holderId, term, ttlMs, expiresAt: new Date(startedAt + ttlMs).toISOString() }
    const data = leaseEventSchemas[type].parse(fields)
    const event = { id: randomUUID(), type, occurredAt: new Date(startedAt).toISOString(), data, meta: { principal: `lease:${holderId}`, requestId: randomUUID(), schemaVersion: 1 } }
    const result = await store.append(stream, [event], expected)
    // Our own write is the latest lease event (the append would have been refused otherwise).
    observed = observe(observed ?? nothingObserved(startedAt), [{ revision: result.nextRevision, type, data }], now())
    return result
  }

  const lose = async (reason: LostReason) => {
    if (hold === null) return
    const lost = termOf(hold)
    hold = null
    logger.warn({ lease: name, term: lost.term, reason }, 'lease lost')
    try {
      await options.onLost?.(lost, reason)
    } catch (err) {
      logger.error({ err, lease: name }, 'lease onLost callback failed')
    }
  }

  const acquire = async (seen: Observed) => {
    const startedAt = now()
    try {
      const result = await write('LeaseAcquired', seen.revision + 1, seen.revision === -1 ? 'no_stream' : seen.revision, startedAt)
      hold = { term: result.nextRevision, wroteAt: startedAt }
    } catch (error) {
      if (error instanceof ConcurrencyError) return // another instance was quicker
      throw error
    }
    logger.info({ lease: name, term: hold.term, holderId }, 'lease acquired')
    try {
      await options.onAcquired?.(termOf(hold))
    } catch (err) {
      logger.error({ err, lease: name }, 'lease onAcquired callback failed')
    }
  }

  const renew = async (seen: Observed, held: Hold) => {
    const startedAt = now()
    try {
      await write('LeaseRenewed', held.term, seen.revision, startedAt)
      hold = { term: held.term, wroteAt: startedAt }
    } catch (error) {
      if (error instanceof ConcurrencyError) return lose('taken')
      logger.warn({ err: error, lease: name }, 'lease renewal failed')
      // The next tick would come after the hold ends: stop the worker now.
      if (now() + renewEveryMs >= holdsUntil(held, ttlMs)) await lose('expired')
    }
  }

  const step = async () => {
    try {
      await refresh()
    } catch (error) {
      logger.warn({ err: error, lease: name }, 'lease read failed')
      if (hold !== null && now() + renewEveryMs >= holdsUntil(hold, ttlMs)) await lose('expired')
      return
    }
    const seen = observed!
    const next = nextStep(seen, hold, holderId, now(), { ttlMs, renewEveryMs })
    if (next.kind === 'lose') return lose(next.reason)
    if (next.kind === 'acquire') return acquire(seen)
    if (next.kind === 'renew') return renew(seen, hold!)
  }

  /** One operation at a time: a tick never overlaps another tick or stop(). */
  const serial = (operation: () => Promise<void>): Promise<void> => (queue = queue.then(operation, operation))

  const tick = () =>
    serial(async () => {
      try {
        await step()
      } catch (err) {
        logger.error({ err, lease: name }, 'lease tick failed')
      }
    })

  const start = () => {
    if (timer !== undefined) return
    void tick()
    timer = setInterval(() => void tick(), renewEveryMs)
    timer.unref()
  }

  const stop = () => {
    clearInterval(timer)
    timer = undefined
    return serial(async () => {
      if (hold === null) return
      const released = hold
      await lose('stopped')
      try {
        await write('LeaseReleased', released.term, observed!.revision, now())
        logger.info({ lease: name, term: released.term }, 'lease released')
      } catch (err) {
        // Taken over already, or the store is down: the lease then simply expires.
        logger.warn({ err, lease: name }, 'lease release failed')
      }
    })
  }

  const holding = () => (hold !== null && now() < holdsUntil(hold, ttlMs) ? termOf(hold) : null)

  return { start, stop, tick, holding }
}
