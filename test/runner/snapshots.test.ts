// The SQLite snapshot store compresses on libuv's thread pool: a snapshot is visible the moment
// save() returns, keeps the state as it was then, reaches the file without anyone waiting for it,
// and a close() right after save() still writes it.
import t, { type Test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { createSqliteSnapshotStore } from '../../services/runner/snapshots.ts'

const fileIn = (t: Test) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-snapshots-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return path.join(dir, 'snapshots.db')
}

/** Rows in the file, read through a connection of its own. */
const rowsIn = (file: string): { projection: string; position: number }[] => {
  const db = new Database(file, { readonly: true })
  try {
    return db.prepare('SELECT projection, position FROM snapshots ORDER BY projection, position').all() as { projection: string; position: number }[]
  } finally {
    db.close()
  }
}

const untilWritten = async (file: string, count: number) => {
  for (let tries = 0; tries < 200 && rowsIn(file).length < count; tries++) await sleep(10)
}

const bigState = (n: number) => ({ n, days: Array.from({ length: 5_000 }, (_, i) => ({ day: i, count: i * n })) })

t.test('a snapshot is found as soon as save() returns, with the state as it was then', async (t) => {
  const file = fileIn(t)
  const store = createSqliteSnapshotStore(file)
  t.teardown(() => store.close())
  const state = bigState(1)
  store.save({ projection: 'p', version: 1, position: 10, anchor: 'a10', state })
  state.n = 99 // the runner goes on mutating its state after a snapshot
  const found = store.latest('p', 1)
  t.same(found, { projection: 'p', version: 1, position: 10, anchor: 'a10', state: bigState(1) }, 'the state as saved, not as mutated')
  t.not(found?.state, state, 'a copy, which the caller may mutate')
  await untilWritten(file, 1)
  t.same(rowsIn(file), [{ projection: 'p', position: 10 }], 'the row reaches the file without a close')
  t.same(store.latest('p', 1)?.state, bigState(1), 'and reads back from it intact')
})

t.test('latest() chooses between written and waiting snapshots by position', async (t) => {
  const file = fileIn(t)
  const store = createSqliteSnapshotStore(file)
  t.teardown(() => store.close())
  store.save({ projection: 'p', version: 1, position: 10, anchor: 'a10', state: bigState(10) })
  await untilWritten(file, 1)
  store.save({ projection: 'p', version: 1, position: 20, anchor: 'a20', state: bigState(20) })
  t.equal(store.latest('p', 1)?.position, 20, 'the waiting one is newer')
  t.equal(store.latest('p', 1, 15)?.position, 10, 'the written one is the latest at or before 15')
  t.equal(store.latest('p', 2), null, 'another version has none')
  store.discard('p', 1, 20)
  t.equal(store.latest('p', 1)?.position, 10, 'discard drops a waiting snapshot too')
  store.save({ projection: 'p', version: 1, position: 30, anchor: 'a30', state: bigState(30) })
  store.prune('p', 1, 25)
  t.equal(store.latest('p', 1)?.position, 10, 'prune drops waiting snapshots beyond the head')
  await sleep(100)
  t.same(rowsIn(file), [{ projection: 'p', position: 10 }], 'and neither is written later')
})

t.test('close() right after save() writes the snapshot; a reopened store finds it', async (t) => {
  const file = fileIn(t)
  const store = createSqliteSnapshotStore(file)
  for (let position = 1; position <= 5; position++)
    store.save({ projection: position % 2 ? 'odd' : 'even', version: 1, position, anchor: `a${position}`, state: bigState(position) })
  store.close()
  t.same(rowsIn(file).length, 5, 'every snapshot is in the file')
  await sleep(50) // compressions that finish after close() write nothing and throw nothing
  const reopened = createSqliteSnapshotStore(file)
  t.teardown(() => reopened.close())
  t.same(reopened.latest('odd', 1), { projection: 'odd', version: 1, position: 5, anchor: 'a5', state: bigState(5) })
  t.same(reopened.latest('even', 1)?.state, bigState(4))
  t.throws(() => store.save({ projection: 'p', version: 1, position: 6, anchor: 'a6', state: {} }), /closed/, 'a closed store refuses saves')
})

t.test('save(…, { inline: true }) writes the row before it returns', async (t) => {
  const file = fileIn(t)
  const store = createSqliteSnapshotStore(file)
  t.teardown(() => store.close())
  store.save({ projection: 'p', version: 1, position: 10, anchor: 'a10', state: bigState(10) }, { inline: true })
  t.same(rowsIn(file), [{ projection: 'p', position: 10 }], 'in the file already, read through another connection')
  t.same(store.latest('p', 1), { projection: 'p', version: 1, position: 10, anchor: 'a10', state: bigState(10) })
})
