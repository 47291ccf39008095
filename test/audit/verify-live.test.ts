// Reading the SQLite log raw beside a live writer (services/audit/raw-sqlite.ts): the raw reader
// takes a snapshot per page, not one for the whole run, so checkpoints pass it and the WAL stays
// small however long the scrub or the export; what a live writer moves
// meanwhile (a stream's revision and last hash, new streams, heads signed after the head was read)
// is judged from what the same page's transaction saw, so a sound log still verifies. Real SQLite
// files and the store's own writer, interleaved with the verification in one process.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { openRawLog } from '../../services/audit/raw-sqlite.ts'
import { exportChunks } from '../../services/audit/export.ts'
import { verifyDataDir } from '../../services/audit/verify-data-dir.ts'
import { dataDirSource } from '../../services/audit/verify-sources.ts'
import { verifyLog } from '../../services/audit/verify.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { newEvent } from '../contract/helpers.ts'
import { checkpointNow, listening, postEvents, samplingBatches } from './helpers.ts'
import { persistentStore } from '../helpers/test-store.ts'

const onSqlite = persistentStore() === 'sqlite'
const skip = onSqlite ? false : 'the data dir verification reads SQLite'

const tempDir = (t: Test) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-verify-live-'))
  t.teardown(() => fs.rmSync(directory, { recursive: true, force: true }))
  return directory
}

const events = (count: number, fields: Record<string, unknown> = {}) => Array.from({ length: count }, (_, n) => newEvent({ n, ...fields }))

type Store = ReturnType<typeof createSqliteStore>

/** 20 long streams of 1,000 events and 10,000 of one: chain pages end inside long streams. */
const populate = async (store: Store) => {
  for (let stream = 0; stream < 20; stream++) for (let part = 0; part < 10; part++) await store.append(`long-${stream}`, events(100), part === 0 ? 'no_stream' : part * 100 - 1)
  for (let stream = 0; stream < 10_000; stream += 100) await Promise.all(Array.from({ length: 100 }, (_, n) => store.append(`short-${stream + n}`, events(1), 'no_stream')))
}

const walBytes = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0)
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`
/** 1,000 pages between checkpoints (4 MB) and a commit: far from all that is written meanwhile. */
const walBound = 8 * 1048576

/**
 * The store's writer, checkpointing every 1,000 pages (SQLite's default) instead of the store's
 * checkpointPages (~64 MB): what is tested is that the raw reader lets checkpoints pass it, which
 * a small interval shows with little written.
 */
const liveWriter = async (t: Test, file: string) => {
  const store = createSqliteStore({ file })
  t.teardown(() => store.close())
  await store.writerPragma('wal_autocheckpoint = 1000')
  t.equal(await store.writerPragma('wal_autocheckpoint'), 1000, 'the writer checkpoints every 1,000 pages here')
  return store
}

t.test('a chain page carries the stream the page before ended in, as its own transaction reads it', { skip }, async (t) => {
  const file = path.join(tempDir(t), 'events.db')
  const store = createSqliteStore({ file })
  t.teardown(() => store.close())
  // 150 events in stream a, 150 in b: the first page of 200 ends inside b.
  await store.append('a', events(150), 'no_stream')
  await store.append('b', events(150), 'no_stream')
  const raw = openRawLog(file)
  t.teardown(() => raw.close())
  const pages = raw.chainPages()[Symbol.asyncIterator]()
  const nextPage = async () => {
    const next = await pages.next()
    if (next.done) throw new Error('no page left')
    return next.value
  }
  const first = await nextPage()
  t.same(
    first.streams.map((row) => [row.name, row.revision]),
    [['a', 149], ['b', 149]],
    'the first page gives the rows of both streams it holds',
  )
  t.equal(first.rows.at(-1)!.revision, 49, 'and ends at b revision 49')
  // The writer goes on with b between the two pages.
  await store.append('b', events(5), 149)
  const second = await nextPage()
  t.same([second.carried?.name, second.carried?.revision], ['b', 154], "b again, at the revision this page's transaction sees")
  t.same(
    second.rows.map((row) => row.revision),
    Array.from({ length: 105 }, (_, n) => 50 + n),
    'its rows go on from revision 50 through the five appended meanwhile',
  )
  t.same(second.streams, [], 'no stream beyond b')
})

t.test('a read without a bound stops at the head of its start; head() is the head now', { skip }, async (t) => {
  const file = path.join(tempDir(t), 'events.db')
  const store = createSqliteStore({ file })
  t.teardown(() => store.close())
  await store.append('a', events(300), 'no_stream')
  const raw = openRawLog(file)
  t.teardown(() => raw.close())
  const positions: number[] = []
  const streamRevisions: number[] = []
  let appended = false
  for await (const event of raw.readAll()) {
    positions.push(event.position)
    // Between its first page (200 rows) and its second.
    if (!appended) await store.append('a', events(5), 299)
    appended = true
  }
  t.equal(positions.length, 300, 'readAll(): the 300 events there were when it started')
  t.equal(positions.at(-1), 300)
  for await (const event of raw.readStream('a')) streamRevisions.push(event.revision)
  t.equal(streamRevisions.length, 300, 'readStream: up to the same head')
  t.equal(raw.head(), 305, 'head(): the head now')
})

t.test('a verification beside a live writer: the WAL stays small, the sound log verifies', { skip }, async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'events.db')
  const store = await liveWriter(t, file)
  await populate(store)
  const before = await store.head()

  let done = false
  const verification = verifyDataDir(dir, () => []).finally(() => {
    done = true
  })
  // Beside it: appends to the long streams (which its pages cross) and to new streams, ~200 KB a round.
  const padding = 'x'.repeat(10_000)
  const revisions = Array.from({ length: 20 }, () => 999)
  let appended = 0
  let written = 0
  let largestWal = 0
  for (let round = 0; !done; round++) {
    const stream = round % 20
    await store.append(`long-${stream}`, events(10, { padding }), revisions[stream])
    revisions[stream] += 10
    await store.append(`new-${round}`, events(10, { padding }), 'no_stream')
    appended += 20
    written += 20 * padding.length
    largestWal = Math.max(largestWal, walBytes(file))
  }
  const report = await verification
  t.equal(report.ok, true, `the log verifies (${report.problem ?? 'no problem'})`)
  t.same(report.problems, [])
  t.equal(report.checked, before, 'it checks the events up to the head it read at its start')
  t.ok(appended >= 200, `the writer appended ${appended} events while it ran`)
  t.ok(written > 3 * walBound, `more than three times the bound was written meanwhile (${mb(written)})`)
  t.ok(largestWal < walBound, `the WAL stayed under ${mb(walBound)} (largest ${mb(largestWal)})`)

  const after = await verifyDataDir(dir, () => [])
  t.equal(after.ok, true, 'and at rest, with all that was appended')
  t.equal(after.checked, before + appended)
})

t.test('an export beside a live writer: the WAL stays small, the export is the log as of its start', { skip }, async (t) => {
  const file = path.join(tempDir(t), 'events.db')
  const store = await liveWriter(t, file)
  await populate(store)
  const before = await store.head()
  const raw = openRawLog(file)
  t.teardown(() => raw.close())
  const padding = 'x'.repeat(10_000)
  let written = 0
  let largestWal = 0
  let text = ''
  let round = 0
  for await (const chunk of exportChunks(raw)) {
    text += chunk
    // Between two chunks of the export: two appends of ~100 KB.
    await store.append(`new-${round++}`, events(10, { padding }), 'no_stream')
    await store.append(`new-${round++}`, events(10, { padding }), 'no_stream')
    written += 20 * padding.length
    largestWal = Math.max(largestWal, walBytes(file))
  }
  const positions = text
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { position: number }).position)
  t.same(positions, Array.from({ length: before }, (_, n) => n + 1), `every event up to the head at its start, once, in order (${before})`)
  t.ok(written > 3 * walBound, `more than three times the bound was written meanwhile (${mb(written)})`)
  t.ok(largestWal < walBound, `the WAL stayed under ${mb(walBound)} (largest ${mb(largestWal)})`)
})

t.test('a head signed after the verification read the head is noted, not a truncation', { skip }, async (t) => {
  const dir = tempDir(t)
  const h = await listening({ dataDir: dir })
  await postEvents(h, samplingBatches('A', 20))
  await checkpointNow(h)
  await postEvents(h, samplingBatches('B', 20))
  await checkpointNow(h)
  const heads = h.services.audit.tree.witnessedHeads().map((head) => ({ ...head, source: 'witness' as const }))
  await h.close()
  const [early, late] = [heads[0].treeSize, heads.at(-1)!.treeSize]
  t.ok(early < late, `two signed heads (${early} and ${late} events)`)

  // As if the head had been read when only the first signed head's events were stored.
  const verifyAsOf = async (currentHead: boolean) => {
    const source = dataDirSource(dir)
    try {
      const { currentHead: now, ...rest } = source
      const read = source.items
      return await verifyLog(
        {
          ...rest,
          ...(currentHead ? { currentHead: now } : {}),
          items: async function* () {
            for await (const item of read()) if (item.position <= early) yield item
          },
          chains: undefined,
          witnesses: () => heads,
        },
        { trustedKeys: null },
      )
    } finally {
      source.close()
    }
  }
  const live = await verifyAsOf(true)
  t.equal(live.ok, true, `no problem (${live.problem ?? 'none'})`)
  t.ok(
    live.notes.some((note) => /signed head\(s\) cover events appended after this verification read the log's head/.test(note)),
    'the later heads are named in a note',
  )
  const frozen = await verifyAsOf(false)
  t.equal(frozen.ok, false, 'without the head now, the same heads read as a truncation')
  t.match(frozen.problem, /covers \d+ events but the log has \d+/)
})
