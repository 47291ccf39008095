// The rebuild's fold path (services/runner/fold-catch-up.ts) and the plain path (every event
// read whole, as on the stores without a fold column) fold the same SQLite log to the same state
// in every projection; and the fold path really reads the fold column (a forged fold changes its
// result, which is why verify and the scrub compare each fold with its data).
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import t from 'tap'
import { encodeFold } from '../../projections/compact-facts.ts'
import { projections } from '../../services/services.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { rebuild, seedLog } from '../helpers/fold-log.ts'

t.test('the fold path and the plain path rebuild the same state', async (t) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-fold-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const file = path.join(directory, 'events.db')
  await seedLog(file, 3000)

  const raw = new Database(file)
  const rows = raw.prepare('SELECT position, type, data, fold FROM events').all() as { position: number; type: string; data: string; fold: string | null }[]
  t.ok(rows.filter((row) => row.fold !== null).length > 2900, 'the facts were written with a fold')
  t.same(
    rows.filter((row) => row.fold !== encodeFold(row.type, JSON.parse(row.data))).map((row) => row.position),
    [],
    'every stored fold is encode(data)',
  )
  t.ok(new Set(rows.filter((row) => row.fold !== null).map((row) => row.type)).size >= 3, 'several fact types have folds')

  const store = createSqliteStore({ file })
  const folded = await rebuild(store, false)
  const plain = await rebuild(store, true)
  for (const projection of projections) t.same(folded[projection.name], plain[projection.name], `${projection.name}: fold path equals plain path`)
  t.ok(Object.keys((folded.compliance as { inspections: object }).inspections).length > 0, 'the facts were folded')
  t.ok(Object.keys((folded['api-keys'] as { keys: object }).keys).length === 1, 'a system event (no fold) was folded whole')

  // A forged fold: the fold path reads it (the plain path does not), so only verify/scrub stand
  // between a forged fold and the read models (README "Integrity").
  const target = raw.prepare("SELECT position, fold FROM events WHERE type = 'SamplingBatchTested' AND fold LIKE '%\"pass\"]' LIMIT 1").get() as { position: number; fold: string }
  raw.prepare('UPDATE events SET fold = ? WHERE position = ?').run(target.fold.replace('"pass"]', '"fail"]'), target.position)
  raw.close()
  const forged = await rebuild(store, false)
  t.notSame(forged.compliance, plain.compliance, 'the fold path folds the stored fold')
  t.same(await rebuild(store, true), plain, 'the plain path folds data')
  await store.close()
})
