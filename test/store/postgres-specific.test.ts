// What the contract cannot show about the PostgreSQL store: several store instances (as several
// processes would) on one database keep one dense order that a live reader never skips, commits
// of one are seen live by the others (LISTEN/NOTIFY, or polling when notifications are off),
// appends made together share a transaction, an unreachable server is a 503, and
// TARGETWATCH_STORE=postgres needs a valid DATABASE_URL.
import pg from 'pg'
import t, { type Test } from 'tap'
import { StoreUnavailable } from '../../domain/errors.ts'
import { ConfigError, loadConfig } from '../../services/config.ts'
import { openStore } from '../../services/services.ts'
import { verifyStreamChain } from '../../services/store/hashing.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { createPostgresStore } from '../../services/store/postgres.ts'
import { collect, errorOf, freshStream, newEvent, newEvents, waitFor } from '../contract/helpers.ts'
import { freshDatabaseUrl } from '../helpers/postgres.ts'
import { freePort } from '../helpers/process.ts'

const openOn = async (t: Test, url: string, pollMs?: number) => {
  const store = await createPostgresStore({ connectionString: url, ...(pollMs ? { pollMs } : {}) })
  t.teardown(() => store.close())
  return store
}

t.test('three store instances on one database: one dense order, and a live reader never skips a position', async (t) => {
  const url = await freshDatabaseUrl('writers')
  const [a, b, reader] = [await openOn(t, url), await openOn(t, url), await openOn(t, url)]
  const seen: number[] = []
  const controller = new AbortController()
  const subscription = reader.subscribeAll('start', (event) => void seen.push(event.position), controller.signal)
  await subscription.caughtUp
  // Two writers race on shared and own streams, with single appends and batches of varying size.
  const write = async (store: typeof a, label: string) => {
    const positions: number[] = []
    for (let round = 0; round < 40; round += 1) {
      const appends = [
        store.append(freshStream(label), newEvents(1 + (round % 7)), 'no_stream'),
        store.append('shared', [newEvent({ label, round })], 'any'),
      ]
      for (const result of await Promise.all(appends)) positions.push(...result.positions)
    }
    return positions
  }
  const [fromA, fromB] = await Promise.all([write(a, 'a'), write(b, 'b')])
  const total = fromA.length + fromB.length
  await waitFor(() => seen.length === total, `the reader to see all ${total} events`, 20_000)
  controller.abort()
  await subscription.done
  t.same(seen, Array.from({ length: total }, (_, index) => index + 1), 'the live reader saw 1, 2, 3, ... with no gap and no repeat')
  t.same([...fromA, ...fromB].sort((x, y) => x - y), seen, 'the positions the writers were given are exactly those')
  t.equal(await a.head(), total, 'head agrees on every instance')
  t.equal(await b.head(), total)
  const shared = await collect(reader.readStream('shared'))
  t.same(shared.map((event) => event.revision), Array.from({ length: 80 }, (_, revision) => revision), 'the shared stream has every revision once')
  t.equal(verifyStreamChain(shared), null, 'its hash chain holds across writers')
})

t.test('a commit by another instance reaches a live subscriber by NOTIFY, and by polling when notifications are lost', async (t) => {
  const url = await freshDatabaseUrl('notify')
  const writer = await openOn(t, url)
  // pollMs of 10 minutes: only a notification can wake this one within the test.
  const listening = await openOn(t, url, 600_000)
  const received: RecordedEvent[] = []
  const controller = new AbortController()
  t.teardown(() => controller.abort())
  await listening.subscribeAll('end', (event) => void received.push(event), controller.signal).caughtUp
  const started = Date.now()
  const { positions } = await writer.append(freshStream('notified'), newEvents(3), 'no_stream')
  await waitFor(() => received.length === 3, 'the notified events', 5_000)
  t.same(received.map((event) => event.position), positions, 'delivered live through LISTEN/NOTIFY')
  t.ok(Date.now() - started < 5_000, `within ${Date.now() - started} ms`)

  // A commit whose NOTIFY never arrives, as a lost notification looks to a listener: written
  // straight into the tables by a client that does not notify. A store polling every 100 ms finds it.
  const polling = await openOn(t, url, 100)
  const late: number[] = []
  await polling.subscribeAll('end', (event) => void late.push(event.position), controller.signal).caughtUp
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('BEGIN')
  const head = Number((await client.query('SELECT position FROM targetwatch.log_head FOR UPDATE')).rows[0].position)
  await client.query("INSERT INTO targetwatch.streams (name, revision, last_hash) VALUES ('silent', 0, decode(repeat('00', 32), 'hex'))")
  await client.query(
    "INSERT INTO targetwatch.events SELECT $1, id, 0, 'silent-event', 'Silent', '2020-01-01T00:00:00Z', '2030-01-01T00:00:00.000Z', '{}', '{}', decode(repeat('00', 32), 'hex') FROM targetwatch.streams WHERE name = 'silent'",
    [head + 1],
  )
  await client.query('UPDATE targetwatch.log_head SET position = $1', [head + 1])
  await client.query('COMMIT')
  await waitFor(() => late.length === 1, 'the polled event', 5_000)
  t.same(late, [head + 1], 'polling found the commit that sent no notification')
})

t.test('appends made together are group-committed: one transaction, each judged on its own', async (t) => {
  const store = await openOn(t, await freshDatabaseUrl('group'))
  const stream = freshStream('group')
  await store.append(stream, [newEvent()], 'no_stream')
  const before = store.stats()
  const outcomes = await Promise.allSettled([
    ...Array.from({ length: 50 }, () => store.append(freshStream('together'), newEvents(2), 'no_stream')),
    store.append(stream, [newEvent()], 5),
  ])
  const after = store.stats()
  t.equal(after.transactions - before.transactions, 1, '51 appends, one transaction (one fsync)')
  t.equal(outcomes.filter((outcome) => outcome.status === 'fulfilled').length, 50, 'the 50 good appends committed')
  t.match(outcomes[50], { status: 'rejected', reason: { code: 'WRONG_EXPECTED_REVISION' } }, 'the wrong expectation was refused alone')
  t.equal(await store.head(), 101, 'and wrote nothing')
})

t.test('an unreachable server is StoreUnavailable (503), when opening and when it goes away', async (t) => {
  const port = await freePort()
  const error = await errorOf(createPostgresStore({ connectionString: `postgres://postgres@127.0.0.1:${port}/none` }))
  t.ok(error instanceof StoreUnavailable, 'opening: StoreUnavailable')
  t.match(error, { status: 503, message: /cannot open the PostgreSQL store/ })

  const url = await freshDatabaseUrl('gone')
  const store = await openOn(t, url)
  await store.append(freshStream('before'), [newEvent()], 'no_stream')
  // Every connection of this database is ended from the server side, as a restart would.
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
  await admin.end()
  const outcome = await errorOf(store.append(freshStream('after'), [newEvent()], 'no_stream'))
  // The pool may have replaced the dead connection already; either way no half-append is left.
  if (outcome !== undefined) t.ok(outcome instanceof StoreUnavailable, `a lost connection is StoreUnavailable: ${(outcome as Error).message}`)
  else t.pass('the pool reconnected and the append went through')
  t.equal(await store.head(), outcome === undefined ? 2 : 1, 'the head counts exactly the acknowledged appends')
})

t.test('TARGETWATCH_STORE=postgres needs DATABASE_URL, checked with a clear message, and opens the store', async (t) => {
  t.throws(() => loadConfig({ TARGETWATCH_STORE: 'postgres' }), new ConfigError('DATABASE_URL', 'is required when TARGETWATCH_STORE=postgres (e.g. postgres://targetwatch:secret@localhost:5432/targetwatch)'))
  t.throws(() => loadConfig({ TARGETWATCH_STORE: 'postgres', DATABASE_URL: 'mysql://x@y/z' }), { variable: 'DATABASE_URL', message: /must start with postgres:\/\// })
  t.throws(() => loadConfig({ TARGETWATCH_STORE: 'postgres', DATABASE_URL: 'not a url' }), { variable: 'DATABASE_URL', message: /is not a URL/ })
  const url = await freshDatabaseUrl('config')
  const config = loadConfig({ TARGETWATCH_STORE: 'postgres', DATABASE_URL: url })
  t.equal(config.dispatcherLease.enabled, true, 'several instances may share it: the dispatcher lease is on by default')
  const store = await openStore(config, () => new Date())
  t.teardown(() => store.close())
  t.equal(store.kind, 'postgres')
  t.same((await store.append(freshStream('configured'), [newEvent()], 'no_stream')).positions, [1])
})
