// The lease on PostgreSQL: one row per lease in targetwatch.leases, judged on the database
// server's clock, so instances need no agreement on the time and the audited log carries no
// renewals (the event lease of lease.ts writes one every ttl/3). Same interface and rules as
// lease.ts, README "Architecture: several instances":
//   acquire  INSERT … ON CONFLICT DO UPDATE … WHERE the row has expired  (term + 1: a fencing token)
//   renew    UPDATE … WHERE holder and term are ours and it has not expired
//   release  UPDATE … SET expires_at = now (a clean stop hands over at once)
// The holder counts ttlMs from just before its last successful write on its own clock, and the
// server sets the expiry after receiving that write, so the holder's belief ends first (clock
// rates must agree, not readings). A contender that finds the lease held sleeps until the
// expiry the server reports, so it takes over within the ttl of the holder's last renewal.
import type { Logger } from 'pino'
import type pg from 'pg'
import { schemaName } from '../store/postgres/schema.ts'
import type { Lease, LeaseTerm, LostReason } from './lease.ts'

export interface PostgresLeaseOptions {
  pool: pg.Pool
  name: string
  holderId: string
  ttlMs: number
  renewEveryMs?: number
  clock?: () => Date
  logger: Logger
  onAcquired?: (term: LeaseTerm) => void | Promise<void>
  onLost?: (term: LeaseTerm, reason: LostReason) => void | Promise<void>
}

const table = `${schemaName}.leases`
const sql = {
  /** name, holder, ttl ms. */
  acquire:
    `INSERT INTO ${table} AS l (name, holder_id, term, expires_at) VALUES ($1, $2, 0, clock_timestamp() + $3 * interval '1 millisecond') ` +
    'ON CONFLICT (name) DO UPDATE SET holder_id = EXCLUDED.holder_id, term = l.term + 1, expires_at = EXCLUDED.expires_at ' +
    'WHERE l.expires_at <= clock_timestamp() RETURNING term',
  /** name: who holds it and for how many more ms. */
  holder: `SELECT holder_id, term, greatest(0, extract(epoch FROM expires_at - clock_timestamp()) * 1000)::float8 AS remaining_ms FROM ${table} WHERE name = $1`,
  /** name, holder, term, ttl ms. */
  renew:
    `UPDATE ${table} SET expires_at = clock_timestamp() + $4 * interval '1 millisecond' ` +
    'WHERE name = $1 AND holder_id = $2 AND term = $3 AND expires_at > clock_timestamp() RETURNING term',
  /** name, holder, term. */
  release: `UPDATE ${table} SET expires_at = clock_timestamp() WHERE name = $1 AND holder_id = $2 AND term = $3`,
}

export const createPostgresLease = (options: PostgresLeaseOptions): Lease => {
  const { pool, name, holderId, ttlMs, logger } = options
  const renewEveryMs = options.renewEveryMs ?? Math.floor(ttlMs / 3)
  if (!(ttlMs > 0 && renewEveryMs > 0 && renewEveryMs < ttlMs)) throw new RangeError(`lease ${name}: need 0 < renewEveryMs (${renewEveryMs}) < ttlMs (${ttlMs})`)
  const clock = options.clock ?? (() => new Date())
  const now = () => clock().getTime()
  let hold: { term: number; wroteAt: number } | null = null
  let timer: NodeJS.Timeout | undefined
  let wakeAtExpiry: NodeJS.Timeout | undefined
  let running = false
  let queue: Promise<void> = Promise.resolve()

  const termOf = (term: number): LeaseTerm => ({ name, holderId, term })
  const holdsUntil = (held: { wroteAt: number }) => held.wroteAt + ttlMs

  const lose = async (reason: LostReason) => {
    if (hold === null) return
    const lost = termOf(hold.term)
    hold = null
    logger.warn({ lease: name, term: lost.term, reason }, 'lease lost')
    try {
      await options.onLost?.(lost, reason)
    } catch (err) {
      logger.error({ err, lease: name }, 'lease onLost callback failed')
    }
  }

  const acquire = async () => {
    const startedAt = now()
    const { rows } = await pool.query<{ term: string }>(sql.acquire, [name, holderId, ttlMs])
    if (rows.length === 0) {
      // Held by another: wake when the server says it expires (a tick may come sooner).
      const found = await pool.query<{ holder_id: string; remaining_ms: number }>(sql.holder, [name])
      const remaining = found.rows[0]?.remaining_ms ?? 0
      clearTimeout(wakeAtExpiry)
      if (running && remaining < renewEveryMs) wakeAtExpiry = setTimeout(() => void tick(), Math.ceil(remaining) + 20).unref()
      return
    }
    hold = { term: Number(rows[0].term), wroteAt: startedAt }
    logger.info({ lease: name, term: hold.term, holderId }, 'lease acquired')
    try {
      await options.onAcquired?.(termOf(hold.term))
    } catch (err) {
      logger.error({ err, lease: name }, 'lease onAcquired callback failed')
    }
  }

  const renew = async (held: { term: number; wroteAt: number }) => {
    const startedAt = now()
    if (startedAt >= holdsUntil(held)) return lose('expired')
    try {
      const { rows } = await pool.query(sql.renew, [name, holderId, held.term, ttlMs])
      if (rows.length === 0) return lose('taken')
      hold = { term: held.term, wroteAt: startedAt }
    } catch (err) {
      logger.warn({ err, lease: name }, 'lease renewal failed')
      // The next tick would come after the hold ends: stop the worker now.
      if (now() + renewEveryMs >= holdsUntil(held)) await lose('expired')
    }
  }

  const step = async () => {
    if (hold !== null) return renew(hold)
    try {
      await acquire()
    } catch (err) {
      logger.warn({ err, lease: name }, 'lease acquire failed')
    }
  }

  /** One operation at a time: a tick never overlaps another tick or stop(). */
  const serial = (operation: () => Promise<void>): Promise<void> => (queue = queue.then(operation, operation))

  const tick = (): Promise<void> =>
    serial(async () => {
      try {
        await step()
      } catch (err) {
        logger.error({ err, lease: name }, 'lease tick failed')
      }
    })

  const start = () => {
    if (running) return
    running = true
    void tick()
    timer = setInterval(() => void tick(), renewEveryMs)
    timer.unref()
  }

  const stop = () => {
    running = false
    clearInterval(timer)
    clearTimeout(wakeAtExpiry)
    return serial(async () => {
      if (hold === null) return
      const released = hold
      await lose('stopped')
      try {
        await pool.query(sql.release, [name, holderId, released.term])
        logger.info({ lease: name, term: released.term }, 'lease released')
      } catch (err) {
        // The store is down: the lease then simply expires.
        logger.warn({ err, lease: name }, 'lease release failed')
      }
    })
  }

  const holding = () => (hold !== null && now() < holdsUntil(hold) ? termOf(hold.term) : null)

  return { start, stop, tick, holding }
}
