// The writer thread on its own (services/store/sqlite-writer-thread.ts): what the store's callers
// see when the thread cannot do its work, and that it starts again.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { StoreUnavailable } from '../../domain/errors.ts'
import { prepareAppend } from '../../services/store/append-rules.ts'
import { threadWriter } from '../../services/store/sqlite-writer-thread.ts'
import type { GroupResult, WriteRequest } from '../../services/store/sqlite-writer.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { collect, newEvents } from '../contract/helpers.ts'

const write = (writer: ReturnType<typeof threadWriter>, group: WriteRequest[]) =>
  new Promise<GroupResult>((resolve) => writer.write(group, new Date('2020-03-01T00:00:00Z').toISOString(), resolve))
const request = (stream: string, count: number): WriteRequest => ({ stream, prepared: prepareAppend(stream, newEvents(count), 'no_stream'), expected: 'no_stream' })

t.test('a thread that cannot open its file answers 503 with the reason, and the next write starts a new thread', async (t) => {
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
  t.ok('outcomes' in written, 'a new thread wrote the group')
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
