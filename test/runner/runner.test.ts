// The projection runner: resumes from snapshots instead of replaying, rebuilds from zero when a
// projection's version changes, answers historical states from snapshot + bounded replay, and
// never trusts a corrupt snapshot.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import pino from 'pino'
import type { Projection } from '../../projections/projection.ts'
import { createRunner } from '../../services/runner/runner.ts'
import { createSqliteSnapshotStore } from '../../services/runner/snapshots.ts'
import type { EventStore, RecordedEvent } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'

const logger = pino({ level: 'silent' })

/** Counts events and remembers how many evolve calls it has seen (to prove what was replayed). */
const counting = (version: number, calls: { n: number }): Projection<{ total: number; last: number }> => ({
  name: 'counter',
  version,
  initialState: () => ({ total: 0, last: 0 }),
  evolve: (state, event) => {
    calls.n++
    state.total += (event.data as { n: number }).n
    state.last = event.position
    return state
  },
})

const appendN = async (store: EventStore, count: number, from = 0) => {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      store.append(`s-${from + i}`, [{ id: randomUUID(), type: 'Counted', occurredAt: new Date().toISOString(), data: { n: 1 }, meta: { principal: 't', requestId: 't', schemaVersion: 1 } }], 'no_stream'),
    ),
  )
}

const setup = (t: Test) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-runner-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return { events: path.join(dir, 'events.db'), snapshots: path.join(dir, 'snapshots.db') }
}

const open = async (files: { events: string; snapshots: string }, projection: Projection<any>, snapshotEvery = 100) => {
  const store = createSqliteStore({ file: files.events })
  const snapshots = createSqliteSnapshotStore(files.snapshots)
  const runner = createRunner({ store, projections: [projection], snapshots, logger, snapshotEvery })
  await runner.start()
  return {
    store,
    runner,
    close: async () => {
      await runner.stop()
      await store.close()
      snapshots.close()
    },
  }
}

t.test('a restart resumes from the last snapshot and replays only what came after', async (t) => {
  const files = setup(t)
  const calls = { n: 0 }
  const first = await open(files, counting(1, calls))
  await appendN(first.store, 250)
  await first.runner.waitFor(250)
  await first.close() // stop writes a final snapshot at 250
  const afterStop = { n: 0 }
  const second = await open(files, counting(1, afterStop))
  t.equal(second.runner.state<{ total: number }>('counter').total, 250)
  t.equal(afterStop.n, 0, 'nothing replayed: the snapshot covered the log')
  await appendN(second.store, 30, 1000)
  await second.runner.waitFor(280)
  t.equal(afterStop.n, 30, 'only the new events were folded')
  await second.close()
})

t.test('a new projection version rebuilds from zero', async (t) => {
  const files = setup(t)
  const first = await open(files, counting(1, { n: 0 }))
  await appendN(first.store, 120)
  await first.runner.waitFor(120)
  await first.close()
  const calls = { n: 0 }
  const second = await open(files, counting(2, calls))
  t.equal(calls.n, 120, 'every event folded again')
  t.equal(second.runner.state<{ total: number }>('counter').total, 120)
  await second.close()
})

t.test('stateAt answers from the nearest snapshot plus a bounded replay', async (t) => {
  const files = setup(t)
  const calls = { n: 0 }
  const run = await open(files, counting(1, calls), 100)
  await appendN(run.store, 450)
  await run.runner.waitFor(450)
  calls.n = 0
  const past = await run.runner.stateAt<{ total: number; last: number }>('counter', 333)
  t.same(past, { total: 333, last: 333 })
  t.ok(calls.n <= 100, `replayed ${calls.n} events, not 333`)
  t.equal(run.runner.state<{ total: number }>('counter').total, 450, 'the live state is untouched')
  await run.close()
})

t.test('a corrupt snapshot is detected and skipped, never trusted', async (t) => {
  const files = setup(t)
  const first = await open(files, counting(1, { n: 0 }))
  await appendN(first.store, 150)
  await first.runner.waitFor(150)
  await first.close()
  const db = new Database(files.snapshots)
  const rows = db.prepare('SELECT position FROM snapshots ORDER BY position DESC').all() as { position: number }[]
  t.ok(rows.length >= 2, 'snapshots at 100 and 150')
  // Flip the stored state of the newest snapshot (keeps its checksum): it must not be used.
  db.prepare('UPDATE snapshots SET state = ? WHERE position = ?').run(Buffer.from('not gzip'), rows[0]!.position)
  db.close()
  const calls = { n: 0 }
  const second = await open(files, counting(1, calls))
  t.equal(second.runner.state<{ total: number }>('counter').total, 150, 'the right total after falling back')
  t.equal(calls.n, 50, 'resumed from the older snapshot at 100')
  await second.close()
})

t.test('a snapshot beyond the log head (log replaced) is discarded', async (t) => {
  const files = setup(t)
  const first = await open(files, counting(1, { n: 0 }))
  await appendN(first.store, 150)
  await first.runner.waitFor(150)
  await first.close()
  rmSync(files.events)
  rmSync(files.events + '-wal', { force: true })
  rmSync(files.events + '-shm', { force: true })
  const second = await open(files, counting(1, { n: 0 }))
  await appendN(second.store, 10)
  await second.runner.waitFor(10)
  const events: RecordedEvent[] = []
  for await (const e of second.store.readAll()) events.push(e)
  t.equal(second.runner.state<{ total: number }>('counter').total, events.length, 'state matches the new, shorter log')
  await second.close()
})

t.test('snapshots are compressed inline while catching up and at stop, on the thread pool when live', async (t) => {
  const files = setup(t)
  const seeded = createSqliteStore({ file: files.events })
  await appendN(seeded, 250)
  await seeded.close()
  // The real SQLite snapshot store, with each save's `inline` noted on the way through.
  const sqlite = createSqliteSnapshotStore(files.snapshots)
  const saves: { position: number; inline: boolean }[] = []
  const snapshots = { ...sqlite, save: (snapshot: Parameters<typeof sqlite.save>[0], options?: { inline?: boolean }) => {
    saves.push({ position: snapshot.position, inline: options?.inline === true })
    sqlite.save(snapshot, options)
  } }
  const store = createSqliteStore({ file: files.events })
  const runner = createRunner({ store, projections: [counting(1, { n: 0 })], snapshots, logger, snapshotEvery: 100 })
  await runner.start()
  t.same(saves, [{ position: 100, inline: true }, { position: 200, inline: true }], 'the catch-up snapshots, each written before save() returned')
  const rows = () => {
    const db = new Database(files.snapshots, { readonly: true })
    try {
      return db.prepare('SELECT position FROM snapshots ORDER BY position').pluck().all() as number[]
    } finally {
      db.close()
    }
  }
  t.same(rows(), [100, 200], 'so both are in the file as start() resolves')
  await appendN(store, 100, 1000)
  await runner.waitFor(350)
  t.same(saves.at(-1), { position: 300, inline: false }, 'a live snapshot goes to the thread pool')
  await runner.stop()
  t.same(saves.at(-1), { position: 350, inline: true }, 'the one at stop is written there and then')
  await store.close()
  sqlite.close()
  t.same(rows(), [100, 200, 300, 350])
})
