// Issue 18 item 2, round two: a batch's chunks of streams are pipelined. While the writer commits
// one chunk's appends, the next chunk is read and judged and its appends are queued (they become
// the next group commit); never more than two chunks are in flight, so a 10,000-fact batch does
// not hold every fact's judgement at once. Before the change each chunk waited for the previous
// one's COMMIT, so the serving thread idled while the writer worked. A real SQLite store (a file
// in a temp dir) is wrapped so that its appends are held until the test releases them.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t, { type Test } from 'tap'
import { StoreUnavailable } from '../../domain/errors.ts'
import { createIngest } from '../../services/ingest/submit.ts'
import { chunkStreams as chunk } from '../../services/ingest/submit-batch.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import type { EventStore } from '../../services/store/port.ts'
import { seedDirectory } from '../projections/fixtures.ts'
import { batch } from '../helpers/facts.ts'

const admin = { keyId: 'test-admin', name: 'test', role: 'admin' as const, regions: null }

const heldStore = (t: Test) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-pipelined-'))
  const store = createSqliteStore({ file: path.join(dir, 'events.db') })
  t.teardown(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  let held: (() => void)[] = []
  let holding = true
  const calls: string[] = []
  const watched: EventStore = {
    ...store,
    append: async (stream, events, expected) => {
      calls.push(stream)
      if (holding) await new Promise<void>((resolve) => held.push(resolve))
      return store.append(stream, events, expected)
    },
  }
  const release = () => {
    holding = false
    for (const resolve of held) resolve()
    held = []
  }
  return { store, watched, calls, release }
}

/** Lets every pending callback, immediate and read run until the number of calls stops moving. */
const settled = async (calls: string[]) => {
  for (let last = -1; last !== calls.length; ) {
    last = calls.length
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
  }
}

t.test('the next chunk is judged and queued while the one before is being written; two in flight at most', async (t) => {
  const { store, watched, calls, release } = heldStore(t)
  const ingest = createIngest({ store: watched, plans: seedDirectory, clock: () => new Date('2021-01-01T00:00:00Z') })
  const facts = Array.from({ length: chunk * 3 + 10 }, (_, n) => batch({}, { sampledOn: `2020-05-${String(1 + (n % 28)).padStart(2, '0')}` }))
  const answered = ingest.submitBatch(admin, facts, 'pipelined')
  await settled(calls)
  t.equal(calls.length, chunk * 2, "the second chunk's appends were made before the first chunk's were written, the third's not")
  release()
  const items = await answered
  t.equal(items.length, facts.length)
  t.same(new Set(items.map((item) => item.status)), new Set([201]), 'every fact appended')
  t.same(
    items.map((item) => item.stream),
    facts.map((fact) => `sampling-${fact.data.batchId}`),
    'each answer is its own fact',
  )
  // Each stream written once, in the batch's order of streams: one position each, rising.
  const positions = items.map((item) => item.position!)
  t.same(positions, [...positions].sort((a, b) => a - b), 'written in the order of the request')
  const logged: string[] = []
  for await (const event of store.readAll()) logged.push((event.data as { batchId: string }).batchId)
  t.same(logged, facts.map((fact) => fact.data.batchId), 'the log holds every fact once, in the order of the request')
})

t.test('a stream the store cannot write does not stop the pipeline; it is answered 503, the others appended', async (t) => {
  const { store, release } = heldStore(t)
  release()
  const failing: EventStore = {
    ...store,
    // The first chunk's third stream cannot be written (its disk is gone, say).
    append: (stream, events, expected) => (stream === `sampling-${facts[2].data.batchId}` ? Promise.reject(new StoreUnavailable('disk unplugged')) : store.append(stream, events, expected)),
  }
  const facts = Array.from({ length: chunk + 5 }, () => batch())
  const ingest = createIngest({ store: failing, plans: seedDirectory, clock: () => new Date('2021-01-01T00:00:00Z') })
  const items = await ingest.submitBatch(admin, facts, 'refused')
  t.equal(items[2].status, 503, 'the stream the store could not write is answered 503')
  t.equal(items.filter((item) => item.status === 201).length, facts.length - 1, 'every other fact, in both chunks, appended')
  let count = 0
  for await (const _ of store.readAll()) count += 1
  t.equal(count, facts.length - 1)
})
