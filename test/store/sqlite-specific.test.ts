// What the contract cannot say about SQLite: group commit, the file layout, reopening,
// a full disk, a killed process and the WAL's size on disk.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { ConcurrencyError, StoreUnavailable } from '../../domain/errors.ts'
import { verifyStreamChain } from '../../services/store/hashing.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { checkpointPages, schemaVersion, walSizeLimit } from '../../services/store/sqlite-schema.ts'
import Database from 'better-sqlite3'
import { collect, errorOf, newEvent, newEvents } from '../contract/helpers.ts'

const tempFile = (t: Test) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-sqlite-'))
  t.teardown(() => fs.rmSync(directory, { recursive: true, force: true }))
  return path.join(directory, 'events.db')
}

type Writer = 'inline' | 'thread'
const writers: Writer[] = ['inline', 'thread']

const openStore = (t: Test, file: string, writer: Writer = 'inline') => {
  const store = createSqliteStore({ file, writer })
  t.teardown(() => store.close())
  return store
}

const chainsHold = (events: RecordedEvent[]) => {
  const byStream = new Map<string, RecordedEvent[]>()
  for (const event of events) byStream.set(event.stream, [...(byStream.get(event.stream) ?? []), event])
  return [...byStream.values()].every((stream) => verifyStreamChain(stream) === null)
}

for (const writer of writers) {
  t.test(`500 appends issued in one turn share a handful of transactions (${writer} writer)`, async (t) => {
    const store = openStore(t, tempFile(t), writer)
    const results = await Promise.all(Array.from({ length: 500 }, (_, index) => store.append(`group-${index % 50}`, newEvents(2), 'any')))
    const stats = store.stats()
    t.same([stats.appends, stats.events], [500, 1000])
    t.ok(stats.transactions <= 5, `${stats.transactions} transaction(s) for 500 appends`)
    t.same(results.flatMap((result) => result.positions).sort((a, b) => a - b), Array.from({ length: 1000 }, (_, index) => index + 1), 'dense positions')
  })

    t.test(`appends in one group see each other, and one failing append does not fail the rest (${writer} writer)`, async (t) => {
    const store = openStore(t, tempFile(t), writer)
    const outcomes = await Promise.allSettled([
      store.append('seen', [newEvent()], 'no_stream'),
      store.append('seen', [newEvent()], 0),
      store.append('seen', [newEvent()], 0),
      store.append('seen', [newEvent()], 1),
      store.append('other', [newEvent()], 'exists'),
    ])
    t.same(outcomes.map((outcome) => outcome.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected'])
    t.ok(outcomes[2].status === 'rejected' && outcomes[2].reason instanceof ConcurrencyError)
    t.equal(store.stats().transactions, 1, 'all in one transaction')
    t.same((await collect(store.readAll())).map((event) => [event.stream, event.revision, event.position]), [['seen', 0, 1], ['seen', 1, 2], ['seen', 2, 3]])
  })
}

t.test('a reopened file holds every event, chain and stream revision', async (t) => {
  const file = tempFile(t)
  const first = createSqliteStore({ file })
  await Promise.all(Array.from({ length: 20 }, (_, index) => first.append(`reopen-${index % 4}`, newEvents(5), 'any')))
  const before = await collect(first.readAll())
  await first.close()
  const second = openStore(t, file)
  const after = await collect(second.readAll())
  t.same(after, before)
  t.ok(chainsHold(after), 'chains verify')
  t.equal((await second.append('reopen-0', [newEvent()], 24)).nextRevision, 25, 'the stream revision survived')
  t.equal(second.database.pragma('user_version', { simple: true }), schemaVersion, 'schema version recorded')
  t.equal(second.database.pragma('journal_mode', { simple: true }), 'wal')
  t.equal(second.database.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL')
})

t.test('uuid ids are stored as 16 bytes in any letter case, other ids as text, and both round-trip', async (t) => {
  const store = openStore(t, tempFile(t))
  // A uuid is one id whatever its letter case (README, attack hardening item 6): upper case is
  // lowered before idempotency, so it is stored as 16 bytes and read back in lower case.
  const ids = ['0f8fad5b-d9cb-469f-a165-70867728950e', '1F8FAD5B-D9CB-469F-A165-70867728950E', 'import:legacy-42']
  await store.append('ids', ids.map((id) => newEvent({ id }, { id })), 'no_stream')
  t.same((await collect(store.readStream('ids'))).map((event) => event.id), [ids[0], ids[1]!.toLowerCase(), ids[2]])
  const stored = store.database.prepare('SELECT typeof(event_id) AS kind, length(event_id) AS size FROM events ORDER BY position').all()
  t.same(stored, [{ kind: 'blob', size: 16 }, { kind: 'blob', size: 16 }, { kind: 'text', size: 16 }])
  await t.rejects(store.append('ids', [newEvent({ id: ids[0]!.toUpperCase() }, { id: ids[0]!.toUpperCase() })], 'any'), { code: 'EVENT_ID_CONFLICT' }, 'the first id in upper case is the same event')
})

t.test('ids and hashes read back alike through every read path, zero bytes and non-ASCII ids included', async (t) => {
  const store = openStore(t, tempFile(t))
  // The id and the hash share one column on the way out (sqlite-schema.ts): ids whose bytes are
  // zero, ids that look like hex, and text ids with digits or CJK must all come apart again.
  const ids = ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff', 'deadbeef', '导入:贵阳-0001', ':colon-first']
  await store.append('split', ids.map((id) => newEvent({ id }, { id })), 'no_stream')
  const expectedHashes = store.database.prepare('SELECT lower(hex(hash)) FROM events ORDER BY position').pluck().all()
  const viaAll = await collect(store.readAll())
  const viaStream = await collect(store.readStream('split'))
  const viaSubscription: RecordedEvent[] = []
  const stop = new AbortController()
  await store.subscribeAll('start', (event) => void viaSubscription.push(event), stop.signal).caughtUp
  stop.abort()
  for (const [path, events] of [['readAll', viaAll], ['readStream', viaStream], ['subscribeAll', viaSubscription]] as const) {
    t.same(events.map((event) => event.id), ids, `${path}: ids`)
    t.same(events.map((event) => event.meta.hash), expectedHashes, `${path}: hashes`)
  }
  t.ok(chainsHold(viaAll), 'chains verify')
})

for (const writer of writers) {
  t.test(`a full disk rejects appends with StoreUnavailable, writes nothing, and recovers (${writer} writer)`, async (t) => {
    const store = openStore(t, tempFile(t), writer)
    await store.append('disk', newEvents(10), 'no_stream')
    const before = await collect(store.readAll())
    // max_page_count caps this connection's file at its current size: the next page is "disk full".
    const pages = (await store.writerPragma('page_count')) as number
    await store.writerPragma(`max_page_count = ${pages}`)
    const big = { blob: 'x'.repeat(200_000) }
    const outcomes = await Promise.allSettled([store.append('disk', [newEvent(big)], 9), store.append('disk-2', newEvents(3), 'any')])
    for (const outcome of outcomes) {
      t.ok(outcome.status === 'rejected' && outcome.reason instanceof StoreUnavailable, 'StoreUnavailable')
      t.match(outcome.status === 'rejected' && outcome.reason, { status: 503, details: { code: 'SQLITE_FULL' }, message: /SQLITE_FULL.*nothing was written/ })
    }
    t.same(await collect(store.readAll()), before, 'the log is unchanged')
    await store.writerPragma('max_page_count = 1073741823')
    const result = await store.append('disk', [newEvent(big)], 9)
    t.same([result.nextRevision, result.positions], [10, [11]], 'works again once space returns')
    t.ok(chainsHold(await collect(store.readAll())), 'chains verify')
  })

  t.test(`close flushes pending appends; later appends are refused (${writer} writer)`, async (t) => {
    const file = tempFile(t)
    const store = createSqliteStore({ file, writer })
    const pending = store.append('closing', newEvents(3), 'no_stream')
    await store.close()
    t.equal((await pending).nextRevision, 2, 'the pending append was committed')
    t.ok(await errorOf(store.append('closing', [newEvent()], 'any')) instanceof StoreUnavailable)
    const reopened = openStore(t, file)
    t.equal(await reopened.head(), 3)
  })

  t.test(`a killed writer loses no acknowledged append (${writer} writer)`, async (t) => {
    const file = tempFile(t)
    const script = fileURLToPath(new URL('./fixtures/append-loop.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script, file, writer], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_, signal) => resolve(signal)))
    const deadline = Date.now() + 20_000
    while (!output.includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 1000))
    child.kill('SIGKILL')
    t.equal(await exited, 'SIGKILL', 'killed mid-write')
    // The last line may be cut off by the kill; only complete lines were acknowledged.
    const acknowledged = output.split('\n').slice(0, -1)
    t.ok(acknowledged.length > 100, `${acknowledged.length} appends acknowledged before the kill`)
    const store = openStore(t, file)
    const events = await collect(store.readAll())
    const counts = new Map<string, number>()
    for (const event of events) counts.set(event.id, (counts.get(event.id) ?? 0) + 1)
    t.ok(acknowledged.every((id) => counts.get(id) === 1), 'every acknowledged id is present exactly once')
    t.ok([...counts.values()].every((count) => count === 1), 'no id twice')
    t.same(events.map((event) => event.position), Array.from({ length: events.length }, (_, index) => index + 1), 'dense positions')
    t.ok(chainsHold(events), 'chains verify')
    // The ids the killed writer had not merged into the index yet are found from the log again.
    const last = events.find((event) => event.id === acknowledged[acknowledged.length - 1])!
    const retry = { id: last.id, type: last.type, occurredAt: last.occurredAt, data: last.data, meta: { principal: last.meta.principal, requestId: last.meta.requestId, schemaVersion: 1 } }
    t.same(await store.append(last.stream, [retry], last.revision === 0 ? 'no_stream' : last.revision - 1), { nextRevision: last.revision, positions: [last.position], idempotent: true }, 'the last acknowledged append, retried, is idempotent')
    t.equal(await store.head(), events.length, 'nothing written twice')
  })
}

for (const writer of writers)
  t.test(`the write connection checkpoints every checkpointPages pages, not SQLite's default 1,000 (${writer} writer)`, async (t) => {
    const file = tempFile(t)
    const store = openStore(t, file, writer)
    t.equal(await store.writerPragma('wal_autocheckpoint'), checkpointPages, 'set on the connection that commits the groups')
    const walBytes = () => fs.statSync(`${file}-wal`).size
    const padding = 'x'.repeat(3000)
    // ~3,000 pages: past SQLite's default interval, short of ours.
    for (let round = 0; round < 20; round++)
      await store.append(`ckpt-${round}`, Array.from({ length: 200 }, (_, n) => newEvent({ n, padding })), 'no_stream')
    t.ok(walBytes() > 2_000 * 4096, `the WAL holds every page since the start (${(walBytes() / 1048576).toFixed(1)} MB): no checkpoint ran at 1,000`)
    t.ok(walBytes() < checkpointPages * 4096, 'and it is short of one checkpoint of ours')
    t.ok(walSizeLimit > checkpointPages * 4120, 'a WAL of one checkpoint is reused at its restart, not cut back (journal_size_limit)')
  })

for (const writer of writers)
  t.test(`a WAL grown behind a long reader is cut back to walSizeLimit once it restarts (${writer} writer)`, async (t) => {
    const file = tempFile(t)
    const store = openStore(t, file, writer)
    await store.append('wal-0', newEvents(1), 'no_stream')
    // A reader holding one snapshot, as the scrub does for its run: no checkpoint can pass it.
    const reader = new Database(file, { readonly: true })
    t.teardown(() => reader.close())
    reader.prepare('BEGIN').run()
    reader.prepare('SELECT count(*) FROM events').get()
    const walBytes = () => fs.statSync(`${file}-wal`).size
    const padding = 'x'.repeat(3000)
    for (let round = 1; round <= 300 && walBytes() <= walSizeLimit * 1.5; round++)
      await store.append(`wal-${round}`, Array.from({ length: 200 }, (_, n) => newEvent({ n, padding })), 'no_stream')
    const grown = walBytes()
    t.ok(grown > walSizeLimit, `the WAL grew past the limit behind the reader (${(grown / 1048576).toFixed(0)} MB)`)
    reader.prepare('COMMIT').run()
    // The next commits checkpoint everything (no reader left) and restart the WAL from its start.
    for (let round = 0; round < 50 && walBytes() > walSizeLimit; round++)
      await store.append(`wal-after-${round}`, Array.from({ length: 200 }, (_, n) => newEvent({ n, padding })), 'no_stream')
    t.ok(walBytes() <= walSizeLimit, `cut back to at most ${walSizeLimit / 1048576} MB (${(walBytes() / 1048576).toFixed(1)} MB)`)
    t.equal(await store.head(), (await collect(store.readAll())).length, 'every event still reads back')
  })
