// The PostgreSQL lease (services/cluster/postgres-lease.ts) on a real server: of two contenders
// exactly one acquires; the holder keeps it by renewing; a silent holder is taken over only once
// its row has expired, with the next term; a clean stop hands over at once; a holder whose
// renewals fail gives up before the row expires; and nothing of it is written to the event log.
import pg from 'pg'
import pino from 'pino'
import t, { type Test } from 'tap'
import { createPostgresLease } from '../../services/cluster/postgres-lease.ts'
import type { Lease, LeaseTerm, LostReason } from '../../services/cluster/lease.ts'
import { createPostgresStore } from '../../services/store/postgres.ts'
import { waitFor } from '../contract/helpers.ts'
import { freshDatabaseUrl } from '../helpers/postgres.ts'

const logger = pino({ level: 'silent' })
const ttlMs = 1_000
const renewEveryMs = 300

interface Contender {
  lease: Lease
  acquired: LeaseTerm[]
  lost: Array<[number, LostReason]>
}

const contender = (pool: pg.Pool, holderId: string): Contender => {
  const acquired: LeaseTerm[] = []
  const lost: Array<[number, LostReason]> = []
  const lease = createPostgresLease({
    pool, name: 'webhook-dispatcher', holderId, ttlMs, renewEveryMs, logger,
    onAcquired: (term) => void acquired.push(term),
    onLost: (term, reason) => void lost.push([term.term, reason]),
  })
  return { lease, acquired, lost }
}

/** A database with the store's tables, and a pool of its own per contender (as per process). */
const openPools = async (t: Test, label: string) => {
  const url = await freshDatabaseUrl(label)
  const store = await createPostgresStore({ connectionString: url })
  t.teardown(() => store.close())
  const pools = [new pg.Pool({ connectionString: url }), new pg.Pool({ connectionString: url })]
  t.teardown(() => Promise.all(pools.map((pool) => pool.end().catch(() => undefined))))
  return { store, pools }
}

t.test('two contenders: exactly one acquires, keeps it by renewing, and a clean stop hands over at once', async (t) => {
  const { store, pools } = await openPools(t, 'lease')
  const [a, b] = [contender(pools[0], 'a'), contender(pools[1], 'b')]
  await Promise.all([a.lease.tick(), b.lease.tick()])
  const holders = [a, b].filter((one) => one.lease.holding() !== null)
  t.equal(holders.length, 1, 'one holder')
  t.same(holders[0].acquired.map((term) => term.term), [0], 'term 0')
  const [holder, other] = holders[0] === a ? [a, b] : [b, a]
  holder.lease.start()
  other.lease.start()
  await new Promise((resolve) => setTimeout(resolve, ttlMs * 2.5))
  t.ok(holder.lease.holding(), 'still holding after 2.5 ttl: renewals')
  t.equal(other.lease.holding(), null, 'the other waits')
  const started = Date.now()
  await holder.lease.stop()
  t.same(holder.lost, [[0, 'stopped']], 'the holder stopped its worker')
  await waitFor(() => other.lease.holding() !== null, 'the hand-over', 2_000)
  t.ok(Date.now() - started < ttlMs, `handed over in ${Date.now() - started} ms, before the ttl`)
  t.same(other.acquired.map((term) => term.term), [1], 'with the next term')
  await other.lease.stop()
  t.equal(await store.head(), 0, 'the event log holds nothing of it')
})

t.test('a silent holder is taken over only after its row expires; one whose renewals fail gives up first', async (t) => {
  const { pools } = await openPools(t, 'lease-expiry')
  const [a, b] = [contender(pools[0], 'a'), contender(pools[1], 'b')]
  // The row's expiry counts from the start of a's write, so the clock starts before it.
  const acquiredAt = Date.now()
  await a.lease.tick()
  t.ok(a.lease.holding(), 'a holds')
  // a falls silent (a paused or killed process): b tries until the row has expired.
  b.lease.start()
  t.teardown(() => b.lease.stop())
  await waitFor(() => b.lease.holding() !== null, 'the take-over', ttlMs * 4)
  const tookMs = Date.now() - acquiredAt
  t.ok(tookMs >= ttlMs, `not before the ttl: ${tookMs} ms`)
  t.ok(tookMs <= ttlMs + renewEveryMs, `and right after it (b sleeps until the expiry): ${tookMs} ms`)
  t.equal(a.lease.holding(), null, "a's own belief had ended (ttl from the start of its last write)")
  await a.lease.tick()
  t.same(a.lost, [[0, 'expired']], 'its next tick stops its worker')
  t.same(b.acquired.map((term) => term.term), [1])

  // b's database goes away: its renewals fail, and it gives up before the row could expire.
  await pools[1].end()
  const brokeAt = Date.now()
  await waitFor(() => b.lost.length > 0, "b's giving up", ttlMs * 3)
  t.same(b.lost, [[1, 'expired']], 'lost as expired')
  t.ok(Date.now() - brokeAt < ttlMs, `within ${Date.now() - brokeAt} ms, inside the ttl`)
})
