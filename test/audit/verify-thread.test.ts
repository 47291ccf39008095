// Verification of a SQLite data dir on a thread of its own (services/audit/verify-thread.ts): the
// same report as on the serving thread, for a sound log and for damaged ones (an edited event, a
// torn page), the failure of the thread named, and a cancelled run ended at once. Real data dirs,
// written by the service.
import t from 'tap'
import Database from 'better-sqlite3'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { verifyDataDir } from '../../services/audit/verify-data-dir.ts'
import { createVerifyThreads, VerifyCancelled } from '../../services/audit/verify-thread.ts'
import { persistentStore } from '../helpers/test-store.ts'
import { checkpointNow, listening, postEvents, samplingBatches } from './helpers.ts'

const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-verify-thread-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
const original = path.join(root, 'original')
const onSqlite = persistentStore() === 'sqlite'

/** 200 batches, a signed head, 200 more: the witnesses the running service would pass. */
const built = (async () => {
  if (!onSqlite) return []
  const h = await listening({ dataDir: original })
  await postEvents(h, samplingBatches('A', 200))
  await checkpointNow(h)
  await postEvents(h, samplingBatches('B', 200))
  const witnesses = h.services.audit.tree.witnessedHeads().map((head) => ({ ...head, source: 'witness' as const }))
  await h.close()
  return witnesses
})()

let copies = 0
const copy = () => {
  const dir = path.join(root, `copy-${++copies}`)
  cpSync(original, dir, { recursive: true })
  return dir
}

const threads = createVerifyThreads()
t.teardown(() => threads.cancel())

t.test('the thread answers with the report the serving thread gives', { skip: onSqlite ? false : 'the data dir verification reads SQLite' }, async (t) => {
  const witnesses = await built
  const onThread = await threads.verify({ dataDir: original, witnesses })
  const here = await verifyDataDir(original, () => witnesses)
  t.equal(onThread.ok, true, 'the sound log verifies on the thread')
  const db = new Database(path.join(original, 'events.db'), { readonly: true })
  t.equal(onThread.checked, db.prepare('SELECT count(*) FROM events').pluck().get(), 'every event is checked')
  db.close()
  t.ok(onThread.signedHeads.checked >= 1, 'the signed head is checked')
  t.same(onThread, here, 'the same report, field by field')
  t.same(threads.stats(), { running: 0, started: 1 }, 'one thread started, none left running')
})

t.test('an event edited with raw SQL: the same finding from the thread', { skip: onSqlite ? false : 'the data dir verification reads SQLite' }, async (t) => {
  const witnesses = await built
  const dir = copy()
  const db = new Database(path.join(dir, 'events.db'))
  const at = (db.prepare(`SELECT position FROM events WHERE data LIKE '%"batchId":"A-40"%'`).get() as { position: number }).position
  db.prepare(`UPDATE events SET data = replace(data, '"result":"pass"', '"result":"fail"') WHERE position = ?`).run(at)
  db.close()
  const onThread = await threads.verify({ dataDir: dir, witnesses })
  t.equal(onThread.ok, false)
  t.equal(onThread.firstBadPosition, at, 'the edited position is named')
  t.same(onThread, await verifyDataDir(dir, () => witnesses), 'as on the serving thread')
})

t.test('a torn page: the damage crosses the thread as a report, not an error', { skip: onSqlite ? false : 'the data dir verification reads SQLite' }, async (t) => {
  const witnesses = await built
  const dir = copy()
  const file = path.join(dir, 'events.db')
  const bytes = readFileSync(file)
  const pageSize = bytes.readUInt16BE(16)
  const page = Math.floor(bytes.indexOf('"batchId":"A-150"') / pageSize)
  bytes[page * pageSize] ^= 0xff
  writeFileSync(file, bytes)
  const onThread = await threads.verify({ dataDir: dir, witnesses })
  t.equal(onThread.ok, false)
  t.ok(
    onThread.problems.some((problem) => problem.check === 'decode' || problem.check === 'sqlite'),
    `the unreadable page is reported (${onThread.problem})`,
  )
  t.same(onThread, await verifyDataDir(dir, () => witnesses), 'as on the serving thread')
})

/** Nice values of this process's threads (Linux: /proc/self/task/<tid>/stat, field 19). */
const threadNices = (): number[] =>
  readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])]
    } catch {
      return [] // the thread ended meanwhile
    }
  })

t.test('the thread runs at the lowest CPU priority, the serving thread keeps its own', { skip: onSqlite && existsSync('/proc/self/task') ? false : 'reads SQLite and Linux thread priorities' }, async (t) => {
  const witnesses = await built
  const ours = os.getPriority()
  let done = false
  const run = threads.verify({ dataDir: original, witnesses }).finally(() => (done = true))
  const seen = new Set<number>()
  while (!done) {
    for (const nice of threadNices()) seen.add(nice)
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  t.equal((await run).ok, true)
  t.ok(seen.has(19), `a thread at nice 19 while it ran (seen: ${[...seen].join(', ')})`)
  t.equal(os.getPriority(), ours, 'the serving thread keeps its priority')
})

t.test('a data dir with no log: the thread fails with what it could not open', async (t) => {
  const missing = path.join(root, 'no-such-dir')
  await t.rejects(threads.verify({ dataDir: missing, witnesses: [] }), { message: /no-such-dir/ })
  t.equal(threads.stats().running, 0)
})

t.test('cancel ends a verification under way', { skip: onSqlite ? false : 'the data dir verification reads SQLite' }, async (t) => {
  await built
  const before = threads.stats().started
  const run = threads.verify({ dataDir: original, witnesses: [] })
  t.equal(threads.stats().running, 1, 'under way')
  const refused = t.rejects(run, VerifyCancelled)
  await threads.cancel()
  await refused
  t.same(threads.stats(), { running: 0, started: before + 1 })
})

t.test('the service stops at once while its scrub runs on a thread', { skip: onSqlite ? false : 'the data dir verification reads SQLite' }, async (t) => {
  await built
  const h = await listening({ dataDir: copy(), env: { TARGETWATCH_VERIFY_THREAD_FROM: '0' } })
  // The first scrub starts with the service.
  for (let tries = 0; h.services.audit.verifyThreads.stats().running === 0 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 5))
  t.equal(h.services.audit.verifyThreads.stats().running, 1, 'the start scrub is on its thread')
  await h.close()
  t.equal(h.services.audit.verifyThreads.stats().running, 0, 'no thread left once closed')
  t.equal(h.services.audit.scrub.last(), null, 'the cancelled run is not recorded as a run')
})
