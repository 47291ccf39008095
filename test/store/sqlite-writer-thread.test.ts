// The writer thread on its own (services/store/sqlite-writer-thread.ts): what the store's callers
// see when the thread cannot do its work, and that it starts again.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { StoreUnavailable } from '../../domain/errors.ts'
import { prepareAppend } from '../../services/store/append-rules.ts'
import { threadWriter, writerThreads } from '../../services/store/sqlite-writer-thread.ts'
import type { GroupResult, WriteRequest } from '../../services/store/sqlite-writer.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { checkpointPages } from '../../services/store/sqlite-schema.ts'
import { collect, newEvents } from '../contract/helpers.ts'

const write = (writer: ReturnType<typeof threadWriter>, group: WriteRequest[]) =>
  new Promise<GroupResult>((resolve) => writer.write(group, new Date('2020-03-01T00:00:00Z').toISOString(), resolve))
const request = (stream: string, count: number): WriteRequest => ({ stream, prepared: prepareAppend(stream, newEvents(count), 'no_stream'), expected: 'no_stream' })

t.test('a thread that cannot open its file answers 503 with the reason, and the next write opens it again', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-writer-'))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  const file = path.join(root, 'not-yet', 'events.db')
  const writer = threadWriter(file)
  t.teardown(() => writer.close())
  const failed = await write(writer, [request('s', 2)])
  t.ok('failure' in failed && failed.failure instanceof StoreUnavailable, 'StoreUnavailable')
  t.match('failure' in failed && failed.failure, { status: 503, message: /could not open .*directory does not exist.*nothing was written/ })
  fs.mkdirSync(path.dirname(file))
  const written = await write(writer, [request('s', 2), request('t', 1)])
  t.ok('outcomes' in written, 'the group was written once the file could be opened')
  t.same('outcomes' in written && written.outcomes.map((outcome) => outcome.ok && outcome.result.positions), [[1, 2], [3]])
})

t.test('pragmas set on the write connection outlive a new thread', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-writer-'))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  const store = createSqliteStore({ file: path.join(root, 'events.db'), writer: 'thread' })
  t.teardown(() => store.close())
  await store.append('s', newEvents(1), 'no_stream')
  await store.writerPragma('synchronous = NORMAL')
  t.equal(await store.writerPragma('synchronous'), 1, 'on the writer connection')
  t.equal(store.database.pragma('synchronous', { simple: true }), 2, 'the read connection keeps FULL')
  t.equal((await collect(store.readAll())).length, 1, 'reads see what the thread wrote')
})

t.test('the stores of one process share one writer thread; one closing leaves the others writing', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-writer-'))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  const before = writerThreads().started
  const stores = ['a', 'b', 'c'].map((name) => createSqliteStore({ file: path.join(root, `${name}.db`), writer: 'thread' }))
  await Promise.all(stores.map((store) => store.writerReady()))
  const opened = writerThreads().started
  t.ok(opened - before <= 1, 'at most one thread started for three stores (none if one was running)')
  t.ok(writerThreads().current, 'a thread runs')
  const results = await Promise.all(stores.map((store, i) => store.append(`s-${i}`, newEvents(i + 1), 'no_stream')))
  t.same(results.map((r) => r.positions), [[1], [1, 2], [1, 2, 3]], 'each file has its own log')
  await stores[0]!.close()
  const after = await Promise.all(stores.slice(1).map((store) => store.append('more', newEvents(1), 'no_stream')))
  t.same(after.map((r) => r.positions), [[3], [4]], 'the others still write after one closed')
  t.equal(writerThreads().started, opened, 'still the one thread')
  for (const store of stores.slice(1)) await store.close()
  const reopened = createSqliteStore({ file: path.join(root, 'a.db'), writer: 'thread' })
  t.teardown(() => reopened.close())
  t.same((await reopened.append('s-0', newEvents(1), 0)).positions, [2], 'a store opened after every other closed reuses it')
  t.equal(writerThreads().started, opened, 'no new thread within the linger')
})

t.test('a writer thread that dies answers 503 for what it held; the next writes start a new one with the PRAGMAs set so far', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-writer-'))
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }))
  const first = createSqliteStore({ file: path.join(root, 'first.db'), writer: 'thread' })
  const second = createSqliteStore({ file: path.join(root, 'second.db'), writer: 'thread' })
  t.teardown(() => Promise.all([first.close(), second.close()]))
  await first.append('s', newEvents(1), 'no_stream')
  await second.append('s', newEvents(1), 'no_stream')
  await first.writerPragma('synchronous = NORMAL')
  // A PRAGMA the writer itself sets at opening (sqlite-writer.ts): the one set since wins again.
  await first.writerPragma('wal_autocheckpoint = 500')
  const dying = writerThreads().current
  t.ok(dying, 'a thread runs')
  const started = writerThreads().started
  const held = [first.append('t', newEvents(1), 'no_stream'), second.append('t', newEvents(1), 'no_stream')]
  await dying!.terminate()
  for (const outcome of await Promise.allSettled(held))
    if (outcome.status === 'rejected') t.match(outcome.reason, { status: 503, details: { code: 'WRITER_THREAD_EXITED' }, message: /whether its last batch was written is unknown/ })
    else t.pass('written before the thread died') // the thread may have answered first
  const again = await Promise.all([first.append('u', newEvents(1), 'no_stream'), second.append('u', newEvents(1), 'no_stream')])
  t.ok(again.every((r) => r.positions.length === 1), 'both stores write again')
  t.equal(writerThreads().started, started + 1, 'on one new thread')
  t.equal(await first.writerPragma('synchronous'), 1, "the first store's PRAGMA was set again on it")
  t.equal(await second.writerPragma('synchronous'), 2, "the second store's connection keeps its own")
  t.equal(await first.writerPragma('wal_autocheckpoint'), 500, "the first store's checkpoint interval is its own again, not the writer's default")
  t.equal(await second.writerPragma('wal_autocheckpoint'), checkpointPages, "the second store's is the writer's")
  const log = await collect(first.readAll())
  t.same(log.map((e) => e.position), log.map((_, i) => i + 1), 'dense positions')
})
