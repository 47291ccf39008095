// `targetwatch verify --data DIR` against a real SQLite log tampered with in four ways — one
// byte of one event's data, an event deleted, two events swapped, the tail cut behind the last
// signed head — catches each and names the first bad position; the untouched log verifies.
import t from 'tap'
import Database from 'better-sqlite3'
import { generateKeyPairSync } from 'node:crypto'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { exportChunks } from '../../services/audit/export.ts'
import { parsePublicKey } from '../../services/audit/ledger-key.ts'
import { openRawLog } from '../../services/audit/raw-sqlite.ts'
import { canonicalJson, eventHash } from '../../services/store/hashing.ts'
import { verifyLog } from '../../services/audit/verify.ts'
import { dataDirSource, fileSource } from '../../services/audit/verify-sources.ts'
import { givenHeads } from '../../services/cli/verify.ts'
import { checkpointNow, cli, listening, postEvents, samplingBatches } from './helpers.ts'

const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-tamper-'))
t.teardown(async () => {
  await built.catch(() => undefined)
  rmSync(root, { recursive: true, force: true })
})
const original = path.join(root, 'original')
const marker = 'aflatoxin-B1-sample-0017'

/**
 * The log: the 2020 plan (1, published at first start), 29 batches (2..30), head A (31, signs 30),
 * 20 batches (32..51), head B (52, signs 51), 10 batches (53..62), head C (63, signs 62), 3
 * unsigned batches (64..66).
 */
const built = (async () => {
  const h = await listening({ dataDir: original })
  const first = samplingBatches('T', 29)
  first[12] = { ...first[12], data: { ...first[12].data, result: 'fail', ...{ failedItems: [marker] } } }
  const items = await postEvents(h, first)
  const heads = [await checkpointNow(h)]
  await postEvents(h, samplingBatches('U', 20))
  heads.push(await checkpointNow(h))
  await postEvents(h, samplingBatches('V', 10))
  heads.push(await checkpointNow(h))
  await postEvents(h, samplingBatches('W', 3))
  const checkpoints = (await h.app.inject({ method: 'GET', url: '/v1/audit/checkpoints', headers: h.auth() })).json()
  const publicKey = (await h.app.inject({ method: 'GET', url: '/v1/audit/public-key' })).json()
  await h.close()
  writeFileSync(path.join(root, 'checkpoints.json'), JSON.stringify(checkpoints))
  writeFileSync(path.join(root, 'public-key.json'), JSON.stringify(publicKey))
  return { markerPosition: items[12].position, heads }
})()

let copies = 0
/** A fresh copy of the untouched data dir. */
const copy = () => {
  const dir = path.join(root, `copy-${++copies}`)
  cpSync(original, dir, { recursive: true })
  return dir
}

const withDatabase = (dir: string, change: (db: Database.Database) => void) => {
  const db = new Database(path.join(dir, 'events.db'))
  change(db)
  db.close()
}

/** The CLI, as an auditor runs it. */
const verify = async (dir: string, ...extra: string[]) => {
  const run = await cli(['verify', '--data', dir, ...extra])
  return { code: run.code, report: JSON.parse(run.stdout || '{}'), stderr: run.stderr }
}

/** The same verification in this process, for the variants (a child process costs seconds). */
const verifyHere = async (dir: string, options: { trusted?: string[]; heads?: string } = {}) => {
  const source = dataDirSource(dir)
  try {
    const given = options.heads ? givenHeads(options.heads) : []
    const report = await verifyLog(source, { trustedKeys: options.trusted ? new Set(options.trusted) : null, given })
    return { code: report.ok ? 0 : 1, report }
  } finally {
    source.close()
  }
}

t.test('the untouched log verifies, with and without the pinned key', async (t) => {
  const { heads } = await built
  t.same(heads.map((h) => [h.treeSize, h.position]), [[30, 31], [51, 52], [62, 63]], 'the layout the tamperings rely on')
  const plain = await verify(original)
  t.equal(plain.code, 0, plain.stderr)
  t.match(plain.report, { ok: true, checked: 66, head: 66, problems: [], signedHeads: { checked: 3, latest: { treeSize: 62 } } })
  const pinned = await verifyHere(original, { trusted: [parsePublicKey(path.join(root, 'public-key.json')).keyId] })
  t.equal(pinned.code, 0, 'verifies with the key pinned')
  const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const stranger = await verifyHere(original, { trusted: [parsePublicKey(other).keyId] })
  t.equal(stranger.code, 1, 'heads by a key the auditor does not trust fail')
  t.match(stranger.report.problem, /not one of the keys you trust/)
})

t.test('one byte of one event’s data changed in the file is caught at that position', async (t) => {
  const { markerPosition } = await built
  const dir = copy()
  const file = path.join(dir, 'events.db')
  t.notOk(existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0, 'the log is all in the main file')
  const bytes = readFileSync(file)
  const at = bytes.indexOf(marker)
  t.ok(at > 0 && bytes.indexOf(marker, at + 1) === -1, 'the marker is stored exactly once')
  bytes[at + marker.length - 1] = '8'.charCodeAt(0) // ...-0017 -> ...-0018
  writeFileSync(file, bytes)
  const { code, report } = await verify(dir)
  t.equal(code, 1)
  t.equal(report.firstBadPosition, markerPosition)
  t.match(report.problem, /content does not match its hash/)
})

t.test('an event deleted is caught at its position', async (t) => {
  await built
  const dir = copy()
  withDatabase(dir, (db) => db.prepare('DELETE FROM events WHERE position = 40').run())
  const { code, report } = await verify(dir)
  t.equal(code, 1)
  t.equal(report.firstBadPosition, 40)
  t.match(report.problem, /position 40 is missing/)
})

t.test('two events swapped are caught at the first of them; without the side file, within the signed range', async (t) => {
  await built
  const swap = (db: Database.Database) =>
    db.transaction(() => {
      db.prepare('UPDATE events SET position = -1 WHERE position = 35').run()
      db.prepare('UPDATE events SET position = 35 WHERE position = 45').run()
      db.prepare('UPDATE events SET position = 45 WHERE position = -1').run()
    })()
  const dir = copy()
  withDatabase(dir, swap)
  const located = await verify(dir)
  t.equal(located.code, 1)
  t.equal(located.report.firstBadPosition, 35, 'the side file’s leaf hashes locate it exactly')
  t.ok(located.report.problems.some((p: { check: string }) => p.check === 'tree'), 'the signed root of 51 events no longer matches')

  const bare = copy()
  withDatabase(bare, swap)
  rmSync(path.join(bare, 'merkle.db'))
  const ranged = await verifyHere(bare)
  t.equal(ranged.code, 1)
  t.equal(ranged.report.firstBadPosition, 31, 'the first position after the last head that still matches')
  t.match(ranged.report.problems.find((p: { check: string }) => p.check === 'tree')?.message, /somewhere in positions 31\.\.51/)
})

t.test('the tail cut behind the last signed head is caught, even when the cut is made consistent', async (t) => {
  await built
  const cut = (db: Database.Database) => db.prepare('DELETE FROM events WHERE position > 55').run()
  // A careful tamperer also rewrites the streams table, so every chain ends where the events now end.
  const tidy = (db: Database.Database) => {
    db.exec('DELETE FROM streams WHERE id NOT IN (SELECT stream_id FROM events)')
    db.exec(`UPDATE streams SET
      revision = (SELECT max(revision) FROM events WHERE stream_id = streams.id),
      last_hash = (SELECT hash FROM events WHERE stream_id = streams.id ORDER BY revision DESC LIMIT 1)`)
  }

  const naive = copy()
  withDatabase(naive, cut)
  rmSync(path.join(naive, 'merkle.db'))
  const byStreams = await verifyHere(naive)
  t.equal(byStreams.code, 1, 'a plain cut: the streams table still records the lost revisions')
  t.equal(byStreams.report.firstBadPosition, 56)

  const careful = copy()
  withDatabase(careful, (db) => {
    cut(db)
    tidy(db)
  })
  const byWitness = await verify(careful)
  t.equal(byWitness.code, 1, 'a consistent cut: the side file witnessed head C, signed over 62 events')
  t.equal(byWitness.report.firstBadPosition, 56)
  t.match(byWitness.report.problem, /covers 62 events but the log has 55: events 56\.\.62 are missing/)

  const stripped = copy()
  withDatabase(stripped, (db) => {
    cut(db)
    tidy(db)
  })
  rmSync(path.join(stripped, 'merkle.db'))
  const byKeptHead = await verifyHere(stripped, { heads: path.join(root, 'checkpoints.json') })
  t.equal(byKeptHead.code, 1, 'side file gone too: the heads the auditor kept still catch it')
  t.equal(byKeptHead.report.firstBadPosition, 56)
})

t.test('verify of an export file catches an edited line', async (t) => {
  const { markerPosition } = await built
  const file = path.join(root, 'history.ndjson')
  const raw = openRawLog(path.join(original, 'events.db'))
  let exported = ''
  for await (const chunk of exportChunks(raw)) exported += chunk
  raw.close()
  writeFileSync(file, exported)
  t.match(await verifyLog(fileSource(file), { trustedKeys: null }), { ok: true, checked: 66 }, 'the export verifies')
  const edited = readFileSync(file, 'utf8').replace(marker, `${marker}x`)
  writeFileSync(file, edited)
  t.match(await verifyLog(fileSource(file), { trustedKeys: null }), { ok: false, firstBadPosition: markerPosition })
})

t.test('a reordering within one stream, and an edit whose hash was recomputed, are caught at their positions', async (t) => {
  const dir = path.join(root, 'one-stream')
  const h = await listening({ dataDir: dir })
  await postEvents(h, samplingBatches('C', 10))
  const [correction] = await postEvents(h, [{ type: 'SamplingResultCorrected', data: { batchId: 'C-3', result: 'fail', reason: 're-test' } }])
  await postEvents(h, samplingBatches('D', 5))
  await checkpointNow(h)
  await h.close()
  const tested = (db: Database.Database) =>
    db.prepare("SELECT e.position FROM events e JOIN streams s ON s.id = e.stream_id WHERE s.name = 'sampling-C-3' AND e.revision = 0").pluck().get() as number

  const swapped = path.join(root, 'one-stream-swapped')
  cpSync(dir, swapped, { recursive: true })
  let first = 0
  withDatabase(swapped, (db) => {
    first = tested(db)
    db.transaction(() => {
      db.prepare('UPDATE events SET position = -1 WHERE position = ?').run(first)
      db.prepare('UPDATE events SET position = ? WHERE position = ?').run(first, correction.position)
      db.prepare('UPDATE events SET position = ? WHERE position = -1').run(correction.position)
    })()
  })
  const order = await verifyHere(swapped)
  t.equal(order.report.firstBadPosition, first, 'the correction now stands before the test it corrects')
  t.ok(order.report.problems.some((p) => p.check === 'order' && p.position === first))

  const rehashed = path.join(root, 'one-stream-rehashed')
  cpSync(dir, rehashed, { recursive: true })
  let edited = 0
  withDatabase(rehashed, (db) => {
    edited = tested(db)
    const row = db.prepare('SELECT stream_id, revision, event_id, type, occurred_at, recorded_at, data, meta FROM events WHERE position = ?').get(edited) as Record<string, never>
    const data = { ...JSON.parse(row.data), result: 'fail' }
    const id = (row.event_id as Buffer).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')
    const meta = JSON.parse(row.meta)
    const fields = { id, type: row.type, stream: 'sampling-C-3', revision: row.revision, occurredAt: row.occurred_at, recordedAt: row.recorded_at, meta, data }
    const hash = eventHash(meta.prevHash, fields)
    db.prepare('UPDATE events SET data = ?, hash = ? WHERE position = ?').run(canonicalJson(data), Buffer.from(hash, 'hex'), edited)
  })
  const relinked = await verifyHere(rehashed)
  t.notOk(relinked.report.problems.some((p) => p.check === 'hash'), 'the edited event matches its new hash')
  t.ok(relinked.report.problems.some((p) => p.check === 'chain' && p.position === correction.position), 'the next event no longer links to it')
  t.equal(relinked.report.firstBadPosition, edited, 'and the signed root, located by the side file, names the edit')
})
