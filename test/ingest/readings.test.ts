// Readings are judged on their own: their decider reads nothing from the stream (every report of
// one indicator in one region), so the command handler appends one sent without an id without
// reading that stream. These specifications pin both halves of that.
import t from 'tap'
import fc from 'fast-check'
import { judge } from '../../domain/decide/index.ts'
import type { ClientEvent } from '../../domain/events.ts'
import { seedDirectory } from '../projections/fixtures.ts'
import { createIngest } from '../../services/ingest/submit.ts'
import { createMemoryStore } from '../../services/store/memory.ts'
import type { EventStore } from '../../services/store/port.ts'

const context = { plans: seedDirectory(), now: '2021-01-01T00:00:00+08:00' }
const admin = { keyId: 'test-admin', name: 'test', role: 'admin' as const, regions: null }
const reading = (asOf: string, numerator: number, denominator = 100): ClientEvent => ({
  type: 'IndicatorReported',
  data: { indicator: 'elevator-inspection-rate', region: 'zunyi', asOf, numerator, denominator },
})

t.test('a reading is decided the same whatever its stream already holds', async (t) => {
  const day = fc.integer({ min: 1, max: 28 }).map((d) => `2020-06-${String(d).padStart(2, '0')}`)
  const report = fc.tuple(day, fc.integer({ min: 0, max: 100 })).map(([asOf, n]) => reading(asOf, n))
  fc.assert(
    fc.property(fc.array(report, { maxLength: 20 }), report, (earlier, next) => {
      const history = earlier.map((event) => ({ type: event.type, data: event.data }))
      const alone = judge([], next, context)
      const withHistory = judge(history, next, context)
      t.same(withHistory.region, alone.region)
      t.same(withHistory.decide(), alone.decide())
    }),
  )
})

t.test('readings without ids are appended without reading their stream; one with an id is answered as a retry', async (t) => {
  const store = createMemoryStore()
  t.teardown(() => store.close())
  const streamReads: string[] = []
  const watched: EventStore = { ...store, readStream: (stream, options) => (streamReads.push(stream), store.readStream(stream, options)) }
  const ingest = createIngest({ store: watched, plans: seedDirectory, clock: () => new Date('2021-01-01T00:00:00Z') })
  const results = await Promise.all([1, 2, 3].map((n) => ingest.submit(admin, reading(`2020-06-0${n}`, 90 + n), `r${n}`)))
  t.same(results.map((result) => [result.status, result.revision]).sort(), [[201, 0], [201, 1], [201, 2]], 'three revisions of one stream')
  t.same(streamReads, [], 'the stream was never read')
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e'
  const first = await ingest.submit(admin, { ...reading('2020-06-04', 95), id }, 'with-id')
  const again = await ingest.submit(admin, { ...reading('2020-06-04', 95), id }, 'with-id-again')
  t.same([first.status, again.status, again.position], [201, 200, first.position], 'the retry gets the original')
  t.equal(streamReads.length, 2, 'a reading with an id reads its stream')
})
