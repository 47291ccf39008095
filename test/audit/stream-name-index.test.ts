// The scrub's check of the stream-name index in bulk (services/audit/raw-sqlite.ts,
// streamNameIndexSound): two scans instead of a lookup per stream. Sound on a real SQLite log
// whose names sort differently as UTF-16 and as UTF-8 and span pages of the scan; unsound after a
// byte of one name changes in a leaf of the index (in order, so only the lookup of that stream
// fails) or in the table's page alone; the verification then still names the stream, from a
// lookup per stream.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import { openRawLog } from '../../services/audit/raw-sqlite.ts'
import { dataDirSource } from '../../services/audit/verify-sources.ts'
import { verifyLog } from '../../services/audit/verify.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { newEvent } from '../contract/helpers.ts'

// U+FF21 sorts after U+1F600 as UTF-16 code units (0xFF21 > 0xD83D) and before it as UTF-8 bytes.
const names = ['sampling-Ａ', 'sampling-😀', 'sampling-区域', 'sampling-a', 'sampling-', ...Array.from({ length: 2500 }, (_, n) => `sampling-N-${n}`)]

const seeded = async (t: Test) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-name-index-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const store = createSqliteStore({ file: path.join(dir, 'events.db') })
  for (const name of names) await store.append(name, [newEvent({ name })], 'no_stream')
  await store.close()
  return { dir, file: path.join(dir, 'events.db') }
}

const sound = async (file: string) => {
  const raw = openRawLog(file)
  try {
    return await raw.streamNameIndexSound()
  } finally {
    raw.close()
  }
}

t.test('a sound index: every stream found, non-BMP names and the first page boundary included', async (t) => {
  const { file } = await seeded(t)
  t.equal(await sound(file), true)
})

/** Changes the last byte of `name` to '/' (which sorts where it stood) where it is stored in a page of `btree`. */
const flipName = (file: string, btree: string, name: string) => {
  const db = new Database(file, { readonly: true })
  const pages = new Set(db.prepare('SELECT pageno FROM dbstat WHERE name = ?').pluck().all(btree) as number[])
  db.close()
  const bytes = fs.readFileSync(file)
  const pageSize = bytes.readUInt16BE(16)
  const key = Buffer.from(name)
  for (let at = bytes.indexOf(key); at >= 0; at = bytes.indexOf(key, at + 1))
    // The whole name: the names here run to sampling-N-2499, so none starts with sampling-N-1500 but itself.
    if (pages.has(Math.floor(at / pageSize) + 1)) {
      bytes[at + key.length - 1] = '/'.charCodeAt(0)
      fs.writeFileSync(file, bytes)
      return
    }
  throw new Error(`no page of ${btree} holds ${name}`)
}

const verifyHere = async (dir: string) => {
  const source = dataDirSource(dir, { sqliteCheck: false })
  try {
    return await verifyLog(source, { trustedKeys: null })
  } finally {
    source.close()
  }
}

for (const [btree, where] of [
  ['sqlite_autoindex_streams_1', 'in a leaf of the index'],
  ['streams', 'in the table alone'],
] as const) {
  t.test(`one name changed ${where}: unsound, and the verification names that stream`, async (t) => {
    const { dir, file } = await seeded(t)
    flipName(file, btree, 'sampling-N-1500')
    t.equal(await sound(file), false)
    const report = await verifyHere(dir)
    const named = report.problems.filter((problem) => /stream-name index does not find it/.test(problem.message)).map((problem) => problem.message)
    t.match(named, [btree === 'streams' ? /stream sampling-N-150\/: the stream-name index does not find it/ : /stream sampling-N-1500: the stream-name index does not find it/])
  })
}
