// The lease, on the memory and the sqlite store: two holders compete and exactly one wins, the
// holder keeps it by renewing, a silent holder is taken over only after the ttl, a clean stop
// hands over at once, and a holder that cannot write gives up before anyone else takes over.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import fc from 'fast-check'
import pino from 'pino'
import t, { type Test } from 'tap'
import { StoreUnavailable } from '../../domain/errors.ts'
import { leaseEventSchemas } from '../../domain/system-events.ts'
import { createLease, type Lease, type LeaseTerm, type LostReason } from '../../services/cluster/lease.ts'
import { createMemoryStore } from '../../services/store/memory.ts'
import type { EventStore } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { collect, waitFor } from '../contract/helpers.ts'

const logger = pino({ level: 'silent' })
const ttlMs = 30_000
const renewEveryMs = 10_000

type StoreFactory = (t: Test) => EventStore

const memory: StoreFactory = (t) => {
  const store = createMemoryStore()
  t.teardown(() => store.close())
  return store
}

const sqlite: StoreFactory = (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-lease-'))
  const store = createSqliteStore({ file: path.join(directory, 'events.db') })
  t.teardown(async () => {
    await store.close()
    fs.rmSync(directory, { recursive: true, force: true })
  })
  return store
}

/** One clock for every instance of a test (ms since an arbitrary start). */
const sharedClock = () => {
  let now = Date.parse('2020-06-01T00:00:00Z')
  return { clock: () => new Date(now), advance: (ms: number) => void (now += ms) }
}

interface Instance {
  lease: Lease
  acquired: LeaseTerm[]
  lost: Array<[LeaseTerm, LostReason]>
}

const instance = (store: EventStore, holderId: string, clock: () => Date, name = 'webhook-dispatcher'): Instance => {
  const acquired: LeaseTerm[] = []
  const lost: Array<[LeaseTerm, LostReason]> = []
  const lease = createLease({
    store, name, holderId, ttlMs, renewEveryMs, clock, logger,
    onAcquired: (term) => void acquired.push(term),
    onLost: (term, reason) => void lost.push([term, reason]),
  })
  return { lease, acquired, lost }
}

for (const [label, open] of [['memory', memory], ['sqlite', sqlite]] as const) {
  t.test(`${label}: two holders compete, exactly one acquires`, async (t) => {
    const store = open(t)
    const time = sharedClock()
    const [a, b] = [instance(store, 'a', time.clock), instance(store, 'b', time.clock)]
    await Promise.all([a.lease.tick(), b.lease.tick()])
    const holders = [a, b].filter((one) => one.lease.holding() !== null)
    t.equal(holders.length, 1, 'one holder')
    t.equal(a.acquired.length + b.acquired.length, 1, 'one onAcquired')
    const events = await collect(store.readStream('lease-webhook-dispatcher'))
    t.same(events.map((event) => event.type), ['LeaseAcquired'], 'one LeaseAcquired in the log')
    t.match(events[0].data, { holderId: holders[0] === a ? 'a' : 'b', term: 0, ttlMs, expiresAt: '2020-06-01T00:00:30.000Z' })
  })

  t.test(`${label}: the holder keeps the lease by renewing; the other waits`, async (t) => {
    const store = open(t)
    const time = sharedClock()
    const [a, b] = [instance(store, 'a', time.clock), instance(store, 'b', time.clock)]
    await a.lease.tick()
    for (let round = 0; round < 12; round += 1) {
      time.advance(renewEveryMs)
      await b.lease.tick()
      await a.lease.tick()
      t.ok(a.lease.holding() !== null && b.lease.holding() === null, `round ${round}: a holds`)
    }
    t.same([a.acquired.length, a.lost.length, b.acquired.length], [1, 0, 0])
    const types = (await collect(store.readStream('lease-webhook-dispatcher'))).map((event) => event.type)
    t.same(types, ['LeaseAcquired', ...Array(12).fill('LeaseRenewed')])
  })

  t.test(`${label}: a silent holder is taken over after the ttl, never before`, async (t) => {
    const store = open(t)
    const time = sharedClock()
    const [a, b] = [instance(store, 'a', time.clock), instance(store, 'b', time.clock)]
    await a.lease.tick()
    await b.lease.tick() // b sees a's acquisition now
    // a stops ticking (crashed, or paused).
    time.advance(ttlMs - 1)
    await b.lease.tick()
    t.equal(b.lease.holding(), null, 'not before the ttl has passed since b saw the last renewal')
    t.not(a.lease.holding(), null, 'a still believes, rightly: its hold ends at the ttl too')
    time.advance(1)
    t.equal(a.lease.holding(), null, "a's belief ends at the ttl even without a tick")
    await b.lease.tick()
    t.match(b.lease.holding(), { holderId: 'b', term: 1 }, 'b takes over with a higher term')
    await a.lease.tick()
    t.same(a.lost.map(([term, reason]) => [term.term, reason]), [[0, 'taken']], 'a, waking up, learns from the log that b took over')
    for (let round = 0; round < 6; round += 1) {
      time.advance(renewEveryMs)
      await b.lease.tick()
      await a.lease.tick()
    }
    t.same([a.lease.holding(), b.lease.holding()?.term], [null, 1], 'and does not take it back while b renews')
  })

  t.test(`${label}: a clean stop releases at once`, async (t) => {
    const store = open(t)
    const time = sharedClock()
    const [a, b] = [instance(store, 'a', time.clock), instance(store, 'b', time.clock)]
    await a.lease.tick()
    await b.lease.tick()
    await a.lease.stop()
    t.same(a.lost.map(([, reason]) => reason), ['stopped'], 'the worker is stopped first')
    t.equal(a.lease.holding(), null)
    await b.lease.tick()
    t.match(b.lease.holding(), { holderId: 'b' }, 'b acquires without waiting for the ttl')
    const events = await collect(store.readStream('lease-webhook-dispatcher'))
    t.same(events.map((event) => event.type), ['LeaseAcquired', 'LeaseReleased', 'LeaseAcquired'])
    for (const event of events)
      t.ok(leaseEventSchemas[event.type as keyof typeof leaseEventSchemas].safeParse(event.data).success, `${event.type} matches its schema in domain/`)
    t.same(events.map((event) => (event.data as { term: number }).term), [0, 0, 2], 'a term is the revision of its LeaseAcquired')
  })

  t.test(`${label}: a holder that cannot write gives up before anyone may take over`, async (t) => {
    const store = open(t)
    const time = sharedClock()
    let failing = false
    const flaky: EventStore = {
      ...store,
      append: (...args) => (failing ? Promise.reject(new StoreUnavailable('disk full')) : store.append(...args)),
    }
    const a = instance(flaky, 'a', time.clock)
    const b = instance(store, 'b', time.clock)
    await a.lease.tick()
    await b.lease.tick()
    failing = true
    time.advance(renewEveryMs)
    await a.lease.tick()
    t.not(a.lease.holding(), null, 'one failed renewal: still held')
    time.advance(renewEveryMs)
    await a.lease.tick()
    t.equal(a.lease.holding(), null, 'the next tick would be too late: given up')
    t.same(a.lost.map(([, reason]) => reason), ['expired'])
    time.advance(renewEveryMs)
    await b.lease.tick()
    t.match(b.lease.holding(), { holderId: 'b' }, 'b takes over after the ttl')
  })
}

t.test('exactly one holder at every instant, whatever the schedule', async () => {
  const action = fc.oneof(
    fc.record({ kind: fc.constant('tick' as const), who: fc.nat(2) }),
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 25_000 }) }),
    fc.record({ kind: fc.constant('crash' as const), who: fc.nat(2) }),
    fc.record({ kind: fc.constant('stop' as const), who: fc.nat(2) }),
  )
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 60 }), async (actions) => {
      const store = createMemoryStore()
      const time = sharedClock()
      let generation = 0
      const fresh = (who: number) => instance(store, `holder-${who}-${generation++}`, time.clock)
      const instances = [fresh(0), fresh(1), fresh(2)]
      const terms: number[] = []
      for (const step of actions) {
        if (step.kind === 'advance') time.advance(step.ms)
        else if (step.kind === 'tick') await instances[step.who].lease.tick()
        else if (step.kind === 'stop') await instances[step.who].lease.stop()
        else instances[step.who] = fresh(step.who) // the process dies; a new one starts with a new id
        const holding = instances.map((one) => one.lease.holding()).filter((term) => term !== null)
        if (holding.length > 1) return false
        for (const one of instances) for (const term of one.acquired) if (!terms.includes(term.term)) terms.push(term.term)
      }
      await store.close()
      return terms.every((term, index) => index === 0 || term > terms[index - 1])
    }),
    { numRuns: 200 },
  )
})

t.test('start() ticks on its own timer and stop() hands over', async (t) => {
  // Real timers on a shared machine: a ttl long enough that event-loop stalls do not expire it.
  const store = memory(t)
  const make = (holderId: string) => {
    const log: string[] = []
    const lease = createLease({ store, name: 'timers', holderId, ttlMs: 3_000, logger, onAcquired: () => void log.push('acquired'), onLost: (_, reason) => void log.push(reason) })
    return { lease, log }
  }
  const [a, b] = [make('a'), make('b')]
  a.lease.start()
  await waitFor(() => a.log.length === 1, 'a acquires')
  b.lease.start()
  for (const deadline = Date.now() + 10_000; (await renewals(store)) < 2; ) {
    if (Date.now() > deadline) throw new Error('a did not renew twice within 10 s')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.same([a.log, b.log], [['acquired'], []], 'a holds across renewals; b waits')
  await a.lease.stop()
  await waitFor(() => b.log.length === 1, 'b acquires after the release', 10_000)
  t.same([a.log, b.log], [['acquired', 'stopped'], ['acquired']], 'b took over without waiting for the ttl')
  await b.lease.stop()
})

const renewals = async (store: EventStore): Promise<number> =>
  (await collect(store.readStream('lease-timers'))).filter((event) => event.type === 'LeaseRenewed').length
