// A layout-1 file (no fold column) is upgraded in place at open: the column is added, every fact
// row is given encode(data), the version becomes current; an upgrade cut short (column added, some
// rows filled, version still 1) goes on at the next open. The rebuild is the same before and after.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { encodeFold } from '../../projections/compact-facts.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { schemaVersion } from '../../services/store/sqlite-schema.ts'
import { rebuild, seedLog } from '../helpers/fold-log.ts'

const foldsOf = (file: string) => {
  const raw = new Database(file, { readonly: true })
  const rows = raw.prepare('SELECT position, type, data, fold FROM events ORDER BY position').all() as { position: number; type: string; data: string; fold: string | null }[]
  const version = raw.pragma('user_version', { simple: true })
  raw.close()
  return { rows, version }
}

t.test('a layout-1 file is upgraded at open, and one cut short is finished', async (t) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-fold-upgrade-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const file = path.join(directory, 'events.db')
  await seedLog(file, 1200)
  const before = await (async () => {
    const store = createSqliteStore({ file })
    const states = await rebuild(store, true)
    await store.close()
    return states
  })()

  // Back to layout 1: its event-id index whole (no event_ids table), no fold column.
  for (const cutShort of [false, true]) {
    const raw = new Database(file)
    raw.exec('DROP TABLE event_ids; DROP TABLE event_ids_merged; CREATE UNIQUE INDEX events_by_event_id ON events (event_id)')
    raw.exec('ALTER TABLE events DROP COLUMN fold')
    if (cutShort) {
      raw.exec('ALTER TABLE events ADD COLUMN fold TEXT')
      const some = raw.prepare("SELECT position, type, data FROM events WHERE type = 'SamplingBatchTested' LIMIT 50").all() as { position: number; type: string; data: string }[]
      for (const row of some) raw.prepare('UPDATE events SET fold = ? WHERE position = ?').run(encodeFold(row.type, JSON.parse(row.data)), row.position)
    }
    raw.pragma('user_version = 1')
    raw.close()
    const check = new Database(file, { readonly: true })
    t.equal(check.pragma('user_version', { simple: true }), 1, 'layout 1 on disk')
    check.close()

    const store = createSqliteStore({ file })
    const { rows, version } = foldsOf(file)
    t.equal(version, schemaVersion, `${cutShort ? 'cut short: ' : ''}upgraded to layout ${schemaVersion}`)
    t.same(rows.filter((row) => row.fold !== encodeFold(row.type, JSON.parse(row.data))).map((row) => row.position), [], 'every row has fold = encode(data)')
    t.ok(rows.filter((row) => row.fold !== null).length > 1100, 'the facts have folds')
    const after = await rebuild(store, false)
    t.same(after, before, 'the fold path after the upgrade rebuilds what the plain path did before')
    await store.close()
  }
})
