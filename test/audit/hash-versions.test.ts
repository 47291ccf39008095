// Hash version 2 covers every recorded field: who submitted a fact (meta.principal, requestId)
// and when it was recorded (recordedAt) can no longer be rewritten under a signed head without
// `verify` naming the position. A log written with version 1 still verifies under version 1,
// and the report says which version each event used.
import t from 'tap'
import Database from 'better-sqlite3'
import { cpSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { verifyLog } from '../../services/audit/verify.ts'
import { dataDirSource } from '../../services/audit/verify-sources.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { checkpointNow, cli, listening, postEvents, samplingBatches } from './helpers.ts'

const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-hash-versions-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
const original = path.join(root, 'original')

// The 2020 plan (1), 20 batches (2..21), a signed head over 21 (its event 22), 3 more batches.
const built = (async () => {
  const h = await listening({ dataDir: original })
  const items = await postEvents(h, samplingBatches('H', 20))
  const head = await checkpointNow(h)
  await postEvents(h, samplingBatches('J', 3))
  await h.close()
  return { positions: items.map((item) => item.position), head }
})()

let copies = 0
const edited = (change: (db: Database.Database) => void): string => {
  const dir = path.join(root, `copy-${++copies}`)
  cpSync(original, dir, { recursive: true })
  const db = new Database(path.join(dir, 'events.db'))
  change(db)
  db.close()
  return dir
}

const verifyHere = async (dir: string) => {
  const source = dataDirSource(dir)
  try {
    return await verifyLog(source, { trustedKeys: null })
  } finally {
    source.close()
  }
}

t.test('every event of a new log says it is hash version 2 and the untouched log verifies', async (t) => {
  await built
  const report = await verifyHere(original)
  t.equal(report.ok, true, JSON.stringify(report.problems))
  t.same(report.hashVersions, { '1': 0, '2': report.checked })
  const db = new Database(path.join(original, 'events.db'), { readonly: true })
  const versions = db.prepare("SELECT DISTINCT json_extract(meta, '$.hashVersion') FROM events").pluck().all()
  db.close()
  t.same(versions, [2], 'stored in every event meta')
})

t.test('a rewritten principal under a signed head is caught at its position, by the CLI too', async (t) => {
  const { positions, head } = await built
  const target = positions[5]
  t.ok(target <= head.treeSize, 'the edited event is under the signed head')
  const dir = edited((db) => {
    const changed = db.prepare(`UPDATE events SET meta = replace(meta, '"principal":"', '"principal":"B') WHERE position = ?`).run(target)
    if (changed.changes !== 1) throw new Error('no row edited')
  })
  const report = await verifyHere(dir)
  t.equal(report.ok, false)
  t.equal(report.firstBadPosition, target)
  t.match(report.problem, /does not match its hash \(hash version 2\)/)
  const run = await cli(['verify', '--data', dir])
  t.equal(run.code, 1, 'the CLI exits 1')
  t.match(run.stderr, new RegExp(`first bad position ${target}`))
})

t.test('a rewritten requestId is caught', async (t) => {
  const { positions } = await built
  const dir = edited((db) => {
    db.prepare(`UPDATE events SET meta = json_set(meta, '$.requestId', 'forged') WHERE position = ?`).run(positions[2])
  })
  const report = await verifyHere(dir)
  t.equal(report.firstBadPosition, positions[2])
})

t.test('recorded_at shifted by a day from a position on (order kept) is caught at that position', async (t) => {
  const { positions } = await built
  const from = positions[10]
  const dir = edited((db) => {
    db.prepare(`UPDATE events SET recorded_at = strftime('%Y-%m-%dT%H:%M:%fZ', recorded_at, '+1 day') WHERE position >= ?`).run(from)
  })
  const report = await verifyHere(dir)
  t.equal(report.ok, false)
  t.equal(report.firstBadPosition, from)
  t.notOk(report.problems.some((p) => p.check === 'recorded-at'), 'the order still holds: only the hash reveals it')
})

t.test('a log written with version 1 still verifies under version 1 and says so', async (t) => {
  const dir = path.join(root, 'legacy')
  mkdirSync(dir)
  const store = createSqliteStore({ file: path.join(dir, 'events.db') })
  for (let i = 0; i < 5; i += 1)
    await store.append(`sampling-L-${i}`, [{ id: `legacy-${i}`, type: 'Probe', occurredAt: '2020-05-01T00:00:00.000Z', data: { i }, meta: { principal: 'key-A', requestId: `r${i}`, schemaVersion: 1, hashVersion: 1 } }], 'no_stream')
  await store.close()
  // A file from before version 2 has no hashVersion in its meta at all.
  const db = new Database(path.join(dir, 'events.db'))
  db.prepare("UPDATE events SET meta = json_remove(meta, '$.hashVersion')").run()
  db.close()
  const report = await verifyHere(dir)
  t.equal(report.ok, true, JSON.stringify(report.problems))
  t.same(report.hashVersions, { '1': 5, '2': 0 })

  const broken = path.join(root, 'legacy-broken')
  cpSync(dir, broken, { recursive: true })
  const db2 = new Database(path.join(broken, 'events.db'))
  db2.prepare(`UPDATE events SET data = '{"i":7}' WHERE position = 3`).run()
  db2.close()
  const bad = await verifyHere(broken)
  t.equal(bad.firstBadPosition, 3)
  t.match(bad.problem, /hash version 1/)
})
