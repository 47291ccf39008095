// The SQLite writer encodes an event's meta once (canonicalMeta, services/store/hashing.ts) and
// uses that text both as the stored meta and inside the v2 hash. It must be byte for byte the
// canonical JSON of the meta the hash rules describe: every field but `hash`, with prevHash and
// hashVersion set by the store, so that an auditor with nothing but the events gets the same bytes.
import t from 'tap'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { canonicalJson } from '../../domain/canonical-json.ts'
import { canonicalMeta, eventHash, eventHashOfCanonicalData, eventHashOfCanonicalParts, verifyStreamChain } from '../../services/store/hashing.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import type { EventMeta } from '../../services/store/port.ts'

const prevHash = 'ab'.repeat(32)

// What the hash rules say, written the slow, obvious way: copy, drop the hash, set the two fields.
const byTheRules = (meta: Record<string, unknown>, version: 1 | 2) => {
  const { hash: _hash, ...rest } = meta
  return canonicalJson({ ...rest, prevHash, hashVersion: version }, 'meta')
}

const metas: Record<string, unknown>[] = [
  { principal: 'lab-1', requestId: 'r-1', schemaVersion: 1 },
  // A hash, a prevHash and a hashVersion given by the caller never reach the text.
  { principal: 'lab-1', requestId: 'r-2', schemaVersion: 1, hash: 'ff'.repeat(32), prevHash: '00'.repeat(32), hashVersion: 1 },
  // Nested values, an undefined member, a Date (toJSON), keys that sort by UTF-16 code units.
  { principal: 'bureau', requestId: 'r-3', schemaVersion: 2, correlation: { z: [1, 'two', null], a: { c: true, b: 1.5 } }, skipped: undefined, at: new Date(Date.UTC(2020, 2, 11)), 'Z-upper': 1, 'é-accent': 2, '😀': 3, '\uff21': 4 },
  {},
]

t.test('canonicalMeta is the canonical JSON of the meta the hash rules describe, for v1 and v2', async (t) => {
  for (const [index, meta] of metas.entries()) {
    for (const version of [1, 2] as const) t.equal(canonicalMeta(meta as Partial<EventMeta>, prevHash, version), byTheRules(meta, version), `meta ${index}, v${version}`)
  }
  t.equal(canonicalMeta(undefined, prevHash, 2), `{"hashVersion":2,"prevHash":"${prevHash}"}`, 'no meta at all')
})

t.test('a meta field JSON cannot hold is refused, naming the field', async (t) => {
  t.throws(() => canonicalMeta({ principal: 'x', weight: Number.NaN } as unknown as Partial<EventMeta>, prevHash, 2), /meta\.weight: NaN is not a finite number/)
})

t.test('eventHashOfCanonicalParts gives the bytes of eventHash, in both versions', async (t) => {
  const fields = { id: randomUUID(), type: 'SamplingBatchTested', stream: 'sampling-guiyang', revision: 7, occurredAt: '2020-03-11T02:00:00.000Z', recordedAt: '2020-03-11T02:00:01.000Z' }
  const data = { batchId: 'B-1', result: 'pass', region: 'guiyang' }
  for (const meta of metas) {
    for (const version of [1, 2] as const) {
      const stated = { ...meta, hashVersion: version } as Partial<EventMeta>
      const expected = eventHash(prevHash, { ...fields, data, meta: stated })
      t.equal(eventHashOfCanonicalParts(prevHash, fields, version, canonicalMeta(stated, prevHash, version), canonicalJson(data)), expected)
      t.equal(eventHashOfCanonicalData(prevHash, { ...fields, meta: stated }, canonicalJson(data)), expected)
    }
  }
})

t.test('the SQLite store keeps the canonical meta text, and its chain verifies from the events alone', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-canonical-meta-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'events.db')
  const store = createSqliteStore({ file })
  const given = { principal: 'lab-1', requestId: 'r-9', schemaVersion: 1, hash: 'ff'.repeat(32), correlation: { b: 2, a: 1 } }
  const events = [0, 1, 2].map((n) => ({ id: randomUUID(), type: 'SamplingBatchTested', occurredAt: '2020-03-11T02:00:00.000Z', data: { n }, meta: given as unknown as EventMeta }))
  await store.append('s-1', events, 'no_stream')
  const read = []
  for await (const event of store.readStream('s-1')) read.push(event)
  await store.close()
  t.equal(verifyStreamChain(read), null, 'the chain holds, recomputed from the events as read')
  const db = new Database(file, { readonly: true })
  t.teardown(() => db.close())
  const rows = db.prepare('SELECT meta FROM events ORDER BY position').pluck().all() as string[]
  t.equal(rows.length, 3)
  for (const [index, text] of rows.entries()) {
    t.equal(text, canonicalMeta(given as unknown as Partial<EventMeta>, index === 0 ? '0'.repeat(64) : read[index - 1]!.meta.hash!, 2), `row ${index}: the canonical text`)
    t.notOk('hash' in JSON.parse(text), `row ${index}: the given hash is not stored`)
  }
})

t.test('a meta JSON cannot hold refuses only its own append, naming the field; the rest of the group is written', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-canonical-meta-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const writer of ['inline', 'thread'] as const) {
    const store = createSqliteStore({ file: path.join(dir, `${writer}.db`), writer })
    const fact = (meta: Record<string, unknown>) => ({ id: randomUUID(), type: 'SamplingBatchTested', occurredAt: '2020-03-11T02:00:00.000Z', data: { n: 1 }, meta: { principal: 'lab-1', requestId: 'r', schemaVersion: 1, ...meta } as unknown as EventMeta })
    // Both appends go out before either is answered, so they share the writer's group.
    const [bad, good] = await Promise.allSettled([store.append('bad', [fact({ weight: Number.NaN })], 'no_stream'), store.append('good', [fact({})], 'no_stream')])
    t.equal(bad.status, 'rejected', `${writer}: the append with NaN in its meta is refused`)
    if (bad.status === 'rejected') {
      t.equal((bad.reason as Error).name, 'ValidationError', `${writer}: as a validation error`)
      t.match((bad.reason as Error).message, /bad events\[0\]\.meta\.weight: NaN is not a finite number/, `${writer}: naming the append, the event and the field`)
    }
    t.equal(good.status, 'fulfilled', `${writer}: the other append of the group is written`)
    t.equal(await store.head(), 1, `${writer}: one event in the log`)
    await store.close()
  }
})
