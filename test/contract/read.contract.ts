// Contract, part 2: positions, hash chains, paged reads, head, positionAt and recordedAt.
import type { Test } from 'tap'
import { ValidationError } from '../../domain/errors.ts'
import { eventHash, genesisHash, verifyStreamChain } from '../../services/store/hashing.ts'
import type { ContractContext } from './event-store.contract.ts'
import { readHistories } from '../../services/ingest/history.ts'
import { collect, errorOf, freshStream, manualClock, newEvent, newEvents } from './helpers.ts'

export const readContract = (t: Test, { name, open, densePositions, controllableClock }: ContractContext): void => {
  t.test(`${name}: positions are ${densePositions ? 'dense' : 'increasing'} across streams and head is the last`, async (t) => {
    const store = await open(t)
    const start = await store.head()
    const streams = [freshStream('a'), freshStream('b'), freshStream('c')]
    const returned: number[] = []
    for (let round = 0; round < 4; round += 1) {
      for (const stream of streams) returned.push(...(await store.append(stream, newEvents(2), 'any')).positions)
    }
    const read = (await collect(store.readAll({ from: start }))).map((event) => event.position)
    t.same(read, returned, 'readAll returns the positions append returned')
    t.ok(read.every((position, index) => index === 0 || position > read[index - 1]), 'strictly increasing')
    if (densePositions) t.same(read, Array.from({ length: 24 }, (_, index) => start + index + 1), 'dense')
    t.equal(await store.head(), read[read.length - 1])
  })

  t.test(`${name}: readHistories (readStreams where the adapter has it) reads each stream as readStream does`, async (t) => {
    const store = await open(t)
    const [a, b, missing] = [freshStream('whole-a'), freshStream('whole-b'), freshStream('whole-missing')]
    await store.append(a, newEvents(3), 'no_stream')
    await store.append(b, newEvents(2), 'no_stream')
    await store.append(a, newEvents(2, 3), 2)
    const histories = await readHistories(store, [a, b, missing])
    t.same([...histories.keys()].sort(), [a, b, missing].sort(), 'one entry per stream asked for')
    t.same(histories.get(a), await collect(store.readStream(a)), 'a stream written twice: every event, in revision order')
    t.same(histories.get(b), await collect(store.readStream(b)))
    t.same(histories.get(missing), [], 'a stream without events reads as []')
    t.same(await readHistories(store, []), new Map(), 'no streams, no read')
  })

  t.test(`${name}: per-stream hash chains verify and change when content changes`, async (t) => {
    const store = await open(t)
    const stream = freshStream('chain')
    await store.append(stream, newEvents(2), 'no_stream')
    await store.append(freshStream('between'), newEvents(1), 'no_stream')
    await store.append(stream, newEvents(3, 2), 1)
    const read = await collect(store.readStream(stream))
    t.equal(verifyStreamChain(read), null)
    t.equal(read[0].meta.prevHash, genesisHash)
    read.forEach((event, index) => {
      t.equal(event.meta.prevHash, index === 0 ? genesisHash : read[index - 1].meta.hash, `revision ${index} links`)
      t.equal(event.meta.hash, eventHash(event.meta.prevHash, event), `revision ${index} hash`)
    })
    const tampered = structuredClone(read)
    tampered[3].data = { n: 'changed' }
    t.equal(verifyStreamChain(tampered), 3, 'changed data breaks the chain at its revision')
    t.not(eventHash(genesisHash, { ...read[0], stream: 'elsewhere' }), read[0].meta.hash, 'the stream name is hashed')
    t.equal(verifyStreamChain(read.slice(1)), 0, 'a chain missing its start does not verify')
  })

  t.test(`${name}: readAll and readStream page through long logs with from, to and limit`, async (t) => {
    const store = await open(t)
    const start = await store.head()
    const [big, small] = [freshStream('big'), freshStream('small')]
    for (let batch = 0; batch < 25; batch += 1) await store.append(batch % 2 === 0 ? big : small, newEvents(100, batch * 100), 'any')
    const all = await collect(store.readAll({ from: start }))
    t.equal(all.length, 2500)
    t.same(all.map((event) => (event.data as { n: number }).n), Array.from({ length: 2500 }, (_, n) => n), 'in append order')
    const at = (index: number) => all[index].position
    const window = await collect(store.readAll({ from: at(999), to: at(2099) }))
    t.same(window.map((event) => event.position), all.slice(1000, 2100).map((event) => event.position), 'from exclusive, to inclusive')
    t.equal((await collect(store.readAll({ from: at(999), to: at(2099), limit: 1500 }))).length, 1100, 'to stops before limit')
    const limited = await collect(store.readAll({ from: at(99), limit: 1234 }))
    t.same([limited.length, limited[0].position, limited[1233].position], [1234, at(100), at(1333)], 'limit across pages')
    t.equal((await collect(store.readAll({ from: at(2399), limit: 1000 }))).length, 100, 'limit past the end')
    t.same(await collect(store.readAll({ from: at(2499) })), [], 'from the head: nothing')
    const bigStream = await collect(store.readStream(big))
    t.same(bigStream.map((event) => event.revision), Array.from({ length: 1300 }, (_, revision) => revision))
    const tail = await collect(store.readStream(big, { fromRevision: 1100 }))
    t.same([tail.length, tail[0].revision], [200, 1100])
    const slice = await collect(store.readStream(big, { fromRevision: 950, limit: 100 }))
    t.same(slice.map((event) => event.revision), Array.from({ length: 100 }, (_, index) => 950 + index), 'fromRevision and limit')
  })

  if (!controllableClock) return

  t.test(`${name}: recordedAt comes from the clock, never goes back, and positionAt finds by it`, async (t) => {
    const time = manualClock('2020-05-01T00:00:00.000Z')
    const store = await open(t, { clock: time.clock })
    const stream = freshStream('clock')
    await store.append(stream, [newEvent()], 'any')
    time.set('2020-05-02T00:00:00.000Z')
    await store.append(stream, newEvents(2), 'any')
    time.set('2020-04-01T00:00:00.000Z')
    await store.append(stream, [newEvent()], 'any')
    const recorded = (await collect(store.readStream(stream))).map((event) => event.recordedAt)
    t.same(recorded, ['2020-05-01T00:00:00.000Z', '2020-05-02T00:00:00.000Z', '2020-05-02T00:00:00.000Z', '2020-05-02T00:00:00.000Z'],
      'a clock that steps back is clamped to the last recordedAt')
    t.equal(await store.positionAt('2020-04-30T23:59:59Z'), 0)
    t.equal(await store.positionAt('2020-05-01T00:00:00Z'), 1)
    t.equal(await store.positionAt('2020-05-01T12:00:00+08:00'), 1, 'offsets are honoured')
    t.equal(await store.positionAt('2020-05-02T00:00:00Z'), 4)
    t.ok(await errorOf(store.positionAt('yesterday')) instanceof ValidationError, 'a non-instant is refused')
  })

  t.test(`${name}: an imported recordedAt is kept, and must not go back in time`, async (t) => {
    const store = await open(t, { clock: manualClock('2021-01-01T00:00:00.000Z').clock })
    const stream = freshStream('import')
    await store.append(stream, [newEvent({ n: 1 }, { recordedAt: '2020-03-01T08:00:00+08:00' })], 'no_stream')
    const [imported] = await collect(store.readStream(stream))
    t.equal(imported.recordedAt, '2020-03-01T00:00:00.000Z', 'kept, normalised to UTC')
    const error = await errorOf(store.append(stream, [newEvent({ n: 2 }, { recordedAt: '2020-02-01T00:00:00Z' })], 'any'))
    t.ok(error instanceof ValidationError, 'an earlier import is refused (positionAt relies on order)')
    t.equal(await store.head(), 1)
  })
}
