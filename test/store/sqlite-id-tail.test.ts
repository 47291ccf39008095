// The event-id table and its tail (services/store/sqlite-id-tail.ts): new rows' ids stay out of
// event_ids until the writer merges them in bulk; meanwhile idempotency and id conflicts are
// judged from the tail in memory, which is rebuilt from the log's unmerged suffix when the file is
// opened again (also after a crash) and picks up rows another connection wrote. At close the tail
// is merged, and files of layouts 2 (the whole index) and 3 (the partial index) are upgraded in place.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import { IdConflict } from '../../domain/errors.ts'
import { openRawLog } from '../../services/audit/raw-sqlite.ts'
import type { NewEvent } from '../../services/store/port.ts'
import { eventIdProblems, sqliteIntegrityCheck } from '../../services/store/sqlite-corruption.ts'
import { tailMergedAt } from '../../services/store/sqlite-id-tail.ts'
import { schemaVersion } from '../../services/store/sqlite-schema.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { collect, errorOf, newEvent } from '../contract/helpers.ts'

const tempFile = (t: Test) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-id-tail-'))
  t.teardown(() => fs.rmSync(directory, { recursive: true, force: true }))
  return path.join(directory, 'events.db')
}

/**
 * For every row in position order, read on a connection of its own: 1 when event_ids finds its
 * id at its position, else 0. Also checks that the last merged position counts the 1s.
 */
const indexedFlags = (file: string): number[] => {
  const db = new Database(file, { readonly: true })
  try {
    const flags = db
      .prepare('SELECT EXISTS (SELECT 1 FROM event_ids i WHERE i.event_id = e.event_id AND i.position = e.position) FROM events e ORDER BY e.position')
      .pluck()
      .all() as number[]
    const through = db.prepare('SELECT position FROM event_ids_merged').pluck().get() as number
    const count = db.prepare('SELECT count(*) FROM event_ids').pluck().get() as number
    if (through !== flags.filter((flag) => flag === 1).length || count !== through) throw new Error(`event_ids_merged says ${through}, event_ids holds ${count}, flags ${flags.join('')}`)
    return flags
  } finally {
    db.close()
  }
}

/**
 * Rewrites a file of this layout as one of an older layout: 2 (a unique index of every event id)
 * or 3 (the partial index, its last `tail` rows unindexed as a crash leaves them).
 */
const toOldLayout = (file: string, version: 2 | 3, tail = 0) => {
  const raw = new Database(file)
  raw.exec('DROP TABLE event_ids; DROP TABLE event_ids_merged')
  if (version === 2) raw.exec('CREATE UNIQUE INDEX events_by_event_id ON events (event_id)')
  else {
    raw.exec('ALTER TABLE events ADD COLUMN id_indexed INTEGER NOT NULL DEFAULT 1; CREATE UNIQUE INDEX events_by_event_id ON events (event_id) WHERE id_indexed = 1')
    raw.prepare('UPDATE events SET id_indexed = 0 WHERE position > (SELECT max(position) FROM events) - ?').run(tail)
  }
  raw.pragma(`user_version = ${version}`)
  raw.close()
}

/** A copy of an event as a client retries it: same id, type, data and meta. */
const again = (event: NewEvent): NewEvent => ({ ...event, meta: { ...event.meta } })

const textId = (n: number) => `order-${n}`

for (const writer of ['inline', 'thread'] as const) {
  t.test(`the tail judges retries and conflicts before any merge, and close merges it (${writer} writer)`, async (t) => {
    const file = tempFile(t)
    const store = createSqliteStore({ file, writer })
    await store.writerReady()
    const uuidEvent = newEvent({ n: 1 })
    const textEvent = newEvent({ n: 2 }, { id: textId(2) })
    await store.append('tail-a', [uuidEvent, textEvent], 'no_stream')
    await store.append('tail-b', [newEvent({ n: 3 })], 'no_stream')
    t.same(indexedFlags(file), [0, 0, 0], 'new rows are not in the index yet')

    const replay = await store.append('tail-a', [again(uuidEvent), again(textEvent)], 'no_stream')
    t.same(replay, { nextRevision: 1, positions: [1, 2], idempotent: true }, 'a retry from the tail is answered as the first time')
    const upper = await store.append('tail-a', [{ ...again(uuidEvent), id: uuidEvent.id.toUpperCase() }, again(textEvent)], 'no_stream')
    t.equal(upper.idempotent, true, 'the same uuid in upper case is the same event')
    const elsewhere = await errorOf(store.append('tail-c', [again(uuidEvent)], 'any'))
    t.ok(elsewhere instanceof IdConflict, 'a tail id in another stream is a conflict')
    t.match((elsewhere as Error).message, /already recorded in stream tail-a, not tail-c/)
    const changed = await errorOf(store.append('tail-a', [{ ...again(textEvent), data: { n: 99 } }], 'any'))
    t.match((changed as Error).message, /already recorded in tail-a \(revision 1\) with other content/, 'a text id from the tail with other content')
    const twiceInGroup = await Promise.allSettled([store.append('tail-d', [newEvent({ n: 4 }, { id: textId(4) })], 'any'), store.append('tail-e', [newEvent({ n: 4 }, { id: textId(4) })], 'any')])
    t.same(twiceInGroup.map((outcome) => outcome.status), ['fulfilled', 'rejected'], 'one id twice in one group: the second is refused')
    t.equal(await store.head(), 4, 'nothing else was written')

    await store.close()
    t.same(indexedFlags(file), [1, 1, 1, 1], 'at close the tail is merged into the index')
    const reopened = createSqliteStore({ file, writer })
    t.teardown(() => reopened.close())
    t.equal((await reopened.append('tail-a', [again(uuidEvent), again(textEvent)], 'no_stream')).idempotent, true, 'after the merge the index answers the retry')
    t.ok((await errorOf(reopened.append('tail-c', [again(textEvent)], 'any'))) instanceof IdConflict, 'and the conflict')
  })

  t.test(`the tail is merged while writing once it is long enough (${writer} writer)`, async (t) => {
    const file = tempFile(t)
    const store = createSqliteStore({ file, writer })
    t.teardown(() => store.close())
    const first = newEvent({ n: 0 })
    await store.append('long-0', [first], 'no_stream')
    const total = tailMergedAt + 200
    for (let from = 1; from < total; from += 500) {
      const events = Array.from({ length: Math.min(500, total - from) }, (_, index) => newEvent({ n: from + index }))
      await store.append(`long-${from}`, events, 'no_stream')
    }
    const flags = indexedFlags(file)
    t.equal(flags.length, total)
    const merged = flags.filter((flag) => flag === 1).length
    t.ok(merged >= tailMergedAt, `${merged} of ${total} rows merged without a close`)
    t.same(flags.slice(0, merged).every((flag) => flag === 1) && flags.slice(merged).every((flag) => flag === 0), true, 'the unindexed rows are the suffix')
    t.equal((await store.append('long-0', [again(first)], 'no_stream')).idempotent, true, 'a merged id is still found')
  })
}

t.test('an unmerged tail is rebuilt from the log by a later opening (a crash leaves it unmerged)', async (t) => {
  const file = tempFile(t)
  // The first store is never closed, as if its process had died: its tail is only in the log.
  const crashed = createSqliteStore({ file })
  const events = Array.from({ length: 30 }, (_, n) => newEvent({ n }, n % 2 ? { id: textId(n) } : {}))
  await crashed.append('crashed', events, 'no_stream')
  t.same(new Set(indexedFlags(file)), new Set([0]), 'the rows were not merged')
  const reopened = createSqliteStore({ file, writer: 'thread' })
  t.teardown(async () => {
    await reopened.close()
    crashed.database.close()
  })
  t.equal((await reopened.append('crashed', events.map(again), 'no_stream')).idempotent, true, 'the retry is recognised from the rebuilt tail')
  for (const event of [events[0], events[1]]) t.ok((await errorOf(reopened.append('other', [again(event)], 'any'))) instanceof IdConflict, `${event.id} elsewhere is a conflict`)
  t.equal(await reopened.head(), 30, 'no duplicate was written')
})

t.test('a second connection on the same file sees the tail the first one wrote', async (t) => {
  const file = tempFile(t)
  const one = createSqliteStore({ file })
  const two = createSqliteStore({ file })
  t.teardown(async () => {
    await one.close()
    await two.close()
  })
  await two.append('warm', [newEvent()], 'no_stream') // two's tail is loaded before one writes
  const event = newEvent({ n: 7 })
  await one.append('first', [event], 'no_stream')
  t.ok((await errorOf(two.append('second', [again(event)], 'any'))) instanceof IdConflict, "the other connection's new row is found")
  t.equal((await two.append('first', [again(event)], 'no_stream')).idempotent, true, 'and its retry is idempotent there too')
  t.equal(await one.head(), 2)
})

for (const version of [2, 3] as const) {
  t.test(`a layout-${version} file (${version === 2 ? 'the whole event-id index' : 'the partial index and a tail'}) is upgraded in place`, async (t) => {
    const file = tempFile(t)
    const first = createSqliteStore({ file })
    const events = Array.from({ length: 40 }, (_, n) => newEvent({ n }, n % 3 ? {} : { id: textId(n) }))
    await first.append('old', events, 'no_stream')
    await first.close()
    toOldLayout(file, version, 5)

    const store = createSqliteStore({ file })
    t.teardown(() => store.close())
    t.equal(store.database.pragma('user_version', { simple: true }), schemaVersion, `upgraded to layout ${schemaVersion}`)
    t.same(new Set(indexedFlags(file)), new Set([1]), 'every existing row is in event_ids, the tail of a crash too')
    t.equal(store.database.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'events_by_event_id'").pluck().get(), 0, 'the old index is gone')
    t.equal((await store.append('old', events.map(again), 'no_stream')).idempotent, true, 'old ids are still found')
    for (const at of [5, 6, 39]) t.ok((await errorOf(store.append('new', [again(events[at])], 'any'))) instanceof IdConflict, `the id at revision ${at} elsewhere is a conflict`)
    t.same(store.database.pragma('integrity_check', { simple: true }), 'ok')
    t.same(eventIdProblems(store.database), [], 'event_ids holds exactly the ids of the log')
    t.equal((await collect(store.readAll())).length, 40)
  })
}

t.test('the read-only reader of an older layout says how to upgrade it, and after an opening by the store it reads', async (t) => {
  const file = tempFile(t)
  const first = createSqliteStore({ file })
  await first.append('old', [newEvent({ n: 1 })], 'no_stream')
  await first.close()
  toOldLayout(file, 3)
  t.throws(() => openRawLog(file), { message: new RegExp(`has layout version 3; this build reads version ${schemaVersion}: the service upgrades a file in place when it opens it`) })
  await createSqliteStore({ file }).close()
  const raw = openRawLog(file)
  t.teardown(() => raw.close())
  t.equal(raw.head(), 1)
})

t.test('the raw verifier checks the tail: a duplicate id there, or one also in the index, is reported', async (t) => {
  const file = tempFile(t)
  const store = createSqliteStore({ file })
  await store.append('a', [newEvent({ n: 1 }), newEvent({ n: 2 })], 'no_stream')
  await store.close()
  const tailStore = createSqliteStore({ file })
  await tailStore.append('b', [newEvent({ n: 3 }), newEvent({ n: 4 })], 'no_stream')
  tailStore.database.close() // as a crash: rows 3 and 4 stay in the tail

  const unindexed = async () => {
    const log = openRawLog(file)
    try {
      const rows = []
      for await (const page of log.chainPages()) rows.push(...page.rows)
      return rows.filter((row) => !row.indexed).map((row) => row.position)
    } finally {
      log.close()
    }
  }
  t.same(await unindexed(), [], 'a sound tail and index: every id found once')
  const db = new Database(file)
  // Row 4 given row 1's id (indexed) and row 3 given it too: each is a duplicate idempotency would miss.
  db.exec('UPDATE events SET event_id = (SELECT event_id FROM events WHERE position = 1) WHERE position IN (3, 4)')
  db.close()
  t.same(await unindexed(), [3, 4], 'tail rows whose id the index or the tail already holds are reported')
})

t.test('the structural check holds event_ids to the log: an id missing, one at another position, one too many', async (t) => {
  const file = tempFile(t)
  const store = createSqliteStore({ file })
  await store.append('a', Array.from({ length: 6 }, (_, n) => newEvent({ n })), 'no_stream')
  await store.close()
  t.same(sqliteIntegrityCheck(file), { ok: true, problems: [] }, 'a file at rest: every id merged, nothing else')

  const db = new Database(file)
  db.exec('DELETE FROM event_ids WHERE position = 2; UPDATE event_ids SET position = 3 WHERE position = 5')
  const damaged = sqliteIntegrityCheck(file)
  t.equal(damaged.ok, false)
  t.same(damaged.problems, [
    'event_ids does not find the event at position 2 by its id',
    'event_ids does not find the event at position 5 by its id',
    'event_ids holds 5 ids for the 6 positions merged into it',
  ])
  db.exec("DELETE FROM event_ids WHERE position = 3 AND event_id <> (SELECT event_id FROM events WHERE position = 3); INSERT INTO event_ids VALUES (unhex('00112233445566778899aabbccddeeff'), 6)")
  db.exec("INSERT INTO event_ids SELECT event_id, position FROM events WHERE position IN (2, 5)")
  db.close()
  t.same(sqliteIntegrityCheck(file).problems, ['event_ids holds 7 ids for the 6 positions merged into it'], 'an id no event has is one too many')
})
