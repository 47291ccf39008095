// Pages for subscribers are read in two column groups (services/store/sqlite-pages.ts): a fold
// that reads type and data never reads ids, names or metadata, yet every event is whole.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import type { RecordedEvent } from '../../services/store/port.ts'
import type { HeavyRow, LightRow } from '../../services/store/sqlite-schema.ts'
import { lazyPage } from '../../services/store/sqlite-pages.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { collect, newEvent, newEvents } from '../contract/helpers.ts'

t.test('events delivered to a subscriber are the events readAll returns, field for field', async (t) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-pages-'))
  t.teardown(() => fs.rmSync(directory, { recursive: true, force: true }))
  const store = createSqliteStore({ file: path.join(directory, 'events.db') })
  t.teardown(() => store.close())
  await store.append('pages-a', newEvents(1500), 'no_stream')
  await store.append('pages-b', [newEvent({ n: 1 }, { id: 'import:legacy-7' }), newEvent({ nested: { list: [1, 'x'] } })], 'no_stream')
  const delivered: RecordedEvent[] = []
  const stop = new AbortController()
  const subscription = store.subscribeAll('start', (event) => void delivered.push(event), stop.signal)
  await subscription.caughtUp
  stop.abort()
  await subscription.done
  const read = await collect(store.readAll())
  t.equal(delivered.length, read.length)
  t.same(delivered, read, 'the same fields and values')
  t.equal(JSON.stringify(delivered), JSON.stringify(read), 'serialised alike, key order included')
  t.same(structuredClone(delivered.at(-2)), read.at(-2), 'a clone is whole')
  t.same({ ...delivered[0] }, read[0], 'a spread copy is whole')
})

const lightRows = (count: number): LightRow[] =>
  Array.from({ length: count }, (_, index) => [index + 1, 0, 'Counted', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z', `{"n":${index}}`])
const heavyRows = (first: number, last: number): HeavyRow[] =>
  Array.from({ length: last - first + 1 }, (_, index) => [first + index, `:id-${first + index}`, '{"principal":"p","prevHash":"0"}', 'ab', `s-${first + index}`])

t.test('the heavy columns are read once per page, and only when a field of them is asked for', async (t) => {
  const reads: [number, number][] = []
  const page = lazyPage(lightRows(3), (first, last) => (reads.push([first, last]), heavyRows(first, last)))
  t.same(page.map((event) => [event.type, event.data, event.position]), [['Counted', { n: 0 }, 1], ['Counted', { n: 1 }, 2], ['Counted', { n: 2 }, 3]])
  t.same(reads, [], 'type, data and position come from the light columns')
  t.equal(page[1].meta.principal, 'p')
  t.same([page[0].id, page[2].stream, page[2].meta.hash], ['id-1', 's-3', 'ab'])
  t.same(reads, [[1, 3]], 'one read of the heavy group for the whole page')
  page[0].meta = { ...page[0].meta, principal: 'changed' }
  t.equal(page[0].meta.principal, 'changed', 'a field can still be assigned')
})
