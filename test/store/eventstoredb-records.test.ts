// One port event <-> one EventStoreDB record: ids, the envelope, the hash chain, and what is
// not part of the log.
import { randomUUID } from 'node:crypto'
import type { RecordedEvent as EsdbRecord } from '@eventstore/db-client'
import t from 'tap'
import { StoreUnavailable } from '../../domain/errors.ts'
import { prepareAppend } from '../../services/store/append-rules.ts'
import { eventHash, genesisHash } from '../../services/store/hashing.ts'
import { esdbEventId, fromEsdbRecord, isLogStream, logStreamRegex, toEsdbRecord, type Envelope } from '../../services/store/eventstoredb/records.ts'
import type { NewEvent } from '../../services/store/port.ts'

const newEvent = (overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'SamplingBatchTested',
  occurredAt: '2020-05-12T09:00:00+08:00',
  data: { region: 'zunyi', batchId: 'ZY-1', result: 'pass' },
  meta: { principal: 'key-1', requestId: 'req-1', schemaVersion: 1, correlationId: 'corr-1' },
  ...overrides,
})

/** What the client hands back for a record written from `data` (JSON on the wire). */
const asRead = (stream: string, revision: bigint, written: ReturnType<typeof toEsdbRecord>['record'], offset = 9000n): EsdbRecord =>
  ({
    streamId: stream,
    id: written.id,
    revision,
    type: written.type,
    isJson: true,
    created: new Date('2020-05-12T01:02:03.456Z'),
    data: JSON.parse(JSON.stringify(written.data)),
    metadata: JSON.parse(JSON.stringify(written.metadata)),
    position: { commit: offset, prepare: offset },
  }) as EsdbRecord

t.test('an event becomes a JSON record whose envelope carries the chain, and reads back the same', async (t) => {
  const event = newEvent()
  const [prepared] = prepareAppend('sampling-ZY-1', [event], 'any')
  const prevHash = 'a'.repeat(64)
  const { record, hash } = toEsdbRecord(prepared, 'sampling-ZY-1', 3, prevHash)
  t.equal(hash, eventHash(prevHash, { ...event, stream: 'sampling-ZY-1', revision: 3 }), 'the hash is the one hashing.ts defines')
  t.equal(record.id, event.id, 'a lowercase uuid is the record id itself')
  t.equal(record.contentType, 'application/json')
  t.equal(JSON.stringify(record.data), prepared.dataJson, 'the data is written as its canonical JSON')
  const envelope = record.metadata as unknown as Envelope
  t.same(envelope, {
    tw: 1,
    occurredAt: event.occurredAt,
    meta: { ...event.meta, prevHash, hashVersion: 1, hash },
    $correlationId: 'corr-1',
  })
  const read = fromEsdbRecord(asRead('sampling-ZY-1', 3n, record))
  t.same(read, {
    id: event.id,
    type: event.type,
    stream: 'sampling-ZY-1',
    revision: 3,
    position: 9001,
    occurredAt: event.occurredAt,
    recordedAt: '2020-05-12T01:02:03.456Z',
    data: event.data,
    meta: { ...event.meta, prevHash, hashVersion: 1, hash },
  })
})

t.test('ids that are not lowercase uuids get a stable uuid and are kept in the envelope', async (t) => {
  for (const id of ['alert-target-1-zunyi-3', '事件-1']) {
    const [prepared] = prepareAppend('s', [newEvent({ id })], 'any')
    const { record } = toEsdbRecord(prepared, 's', 0, genesisHash)
    t.match(record.id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, `${id}: a version 8 uuid`)
    t.equal(record.id, esdbEventId(id), `${id}: the same uuid every time`)
    t.equal((record.metadata as unknown as Envelope).id, id)
    t.equal(fromEsdbRecord(asRead('s', 0n, record))?.id, id, `${id}: reads back as given`)
  }
  t.not(esdbEventId('a'), esdbEventId('b'), 'different ids, different uuids')
  // A uuid in upper case is the same id as in lower case (README, attack hardening item 6): the
  // port lowers it, so it is the record's own uuid and reads back lowered.
  const [upper] = prepareAppend('s', [newEvent({ id: 'ABCDEF01-2345-6789-ABCD-EF0123456789' })], 'any')
  const { record } = toEsdbRecord(upper, 's', 0, genesisHash)
  t.equal(record.id, 'abcdef01-2345-6789-abcd-ef0123456789', 'an upper-case uuid is stored as its lower-case self')
  t.equal(fromEsdbRecord(asRead('s', 0n, record))?.id, 'abcdef01-2345-6789-abcd-ef0123456789')
})

t.test('an imported recordedAt is kept; otherwise the server time is recordedAt', async (t) => {
  const [prepared] = prepareAppend('s', [newEvent({ recordedAt: '2020-03-01T08:00:00+08:00' })], 'any')
  const { record } = toEsdbRecord(prepared, 's', 0, genesisHash)
  t.equal(fromEsdbRecord(asRead('s', 0n, record))?.recordedAt, '2020-03-01T00:00:00.000Z')
})

t.test('system streams, reservations and records without the envelope are not the log', async (t) => {
  const [prepared] = prepareAppend('s', [newEvent()], 'any')
  const { record } = toEsdbRecord(prepared, 's', 0, genesisHash)
  t.equal(fromEsdbRecord(asRead('$settings', 0n, record)), null)
  t.equal(fromEsdbRecord(asRead('tw~eventid-x', 0n, record)), null)
  t.equal(fromEsdbRecord({ ...asRead('s', 0n, record), metadata: { $correlationId: 'x' } } as EsdbRecord), null, 'another application\'s record')
  t.equal(fromEsdbRecord(undefined), null)
  t.throws(() => fromEsdbRecord({ ...asRead('s', 0n, record), position: undefined } as EsdbRecord), StoreUnavailable, 'a server too old to give positions')
})

t.test('the server-side filter says what isLogStream says', async (t) => {
  const regex = new RegExp(logStreamRegex)
  for (const stream of ['sampling-ZY-1', 'lease-webhooks', '$settings', '$$sampling-1', '$ce-sampling', 'tw~eventid-1', 'a$b', 'tw-eventid']) {
    t.equal(regex.test(stream), isLogStream(stream), stream)
  }
})
