// Integrity built in (issue 16 item 2; README "Integrity"): a byte flipped in the middle of
// events.db and an event edited under a signed head with raw SQL, each on a real SQLite data
// dir, then the service started on it and every route of the finding called over real HTTP:
// not ready with the reason, appends, stream reads, corrections, proofs and attestations 503
// INTEGRITY_VIOLATED, verify 200 naming the position (never a 500), the metric, the
// integrity.violated webhook at a real receiver, and the CLI naming the position without a
// stack. The scrub finds an edit made while the service runs. `targetwatch serve` on the
// damaged file starts, not ready, with the reason.
import t from 'tap'
import Database from 'better-sqlite3'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { startReceiver, waitUntil, fastAlerts, subscribe } from '../alerts/helpers.ts'
import { adminKey } from '../helpers/harness.ts'
import { rescueRequested } from '../helpers/facts.ts'
import { freePort, projectRoot } from '../helpers/process.ts'
import { auth, checkpointNow, cli, listening, postEvents, samplingBatches } from './helpers.ts'

const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-integrity-'))
const original = path.join(root, 'original')
const receiver = await startReceiver()
t.teardown(async () => {
  await receiver.close()
  rmSync(root, { recursive: true, force: true })
})
const env = { ...fastAlerts, TARGETWATCH_SCRUB_INTERVAL: '0' }

/** 2020 plan, a webhook for integrity.violated, 300 batches, a signed head, 300 batches, an open rescue. */
const built = (async () => {
  const h = await listening({ dataDir: original, env: { ...env, TARGETWATCH_RESCUE_OVERDUE: '1000h' } })
  const webhook = await subscribe(h, { url: receiver.url, filter: { types: ['integrity.violated'] } })
  await postEvents(h, samplingBatches('A', 300))
  const head = await checkpointNow(h)
  await postEvents(h, samplingBatches('B', 300))
  // An elevator rescue an hour old with no rescuer: overdue as soon as a start uses a 1m bound.
  await postEvents(h, [rescueRequested('R-1', { reportedAt: new Date(Date.now() - 3_600_000).toISOString() })])
  await h.close()
  return { webhook, head }
})()

let copies = 0
const copy = () => {
  const dir = path.join(root, `copy-${++copies}`)
  cpSync(original, dir, { recursive: true })
  return dir
}

/** Flips the page-type byte of the b-tree page holding batch A-150's event: a page in the middle of the file. */
const flipPageOf = (dir: string, batchId: string) => {
  const file = path.join(dir, 'events.db')
  const bytes = readFileSync(file)
  const pageSize = bytes.readUInt16BE(16)
  const at = bytes.indexOf(`"batchId":"${batchId}"`)
  const page = Math.floor(at / pageSize)
  if (at < 0 || bytes[page * pageSize] !== 0x0d) throw new Error(`no table leaf page holds ${batchId}`)
  bytes[page * pageSize] ^= 0xff
  writeFileSync(file, bytes)
  return { page: page + 1, pages: bytes.length / pageSize }
}

/**
 * Changes one byte of stream A-150's key in a leaf page of the stream-name index, keeping the
 * index in order: the table still holds the stream, the index no longer finds it.
 */
const flipNameIndexOf = (dir: string, batchId: string) => {
  const file = path.join(dir, 'events.db')
  const db = new Database(file, { readonly: true })
  const leaves = new Set((db.prepare(`SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_streams_1' AND pagetype = 'leaf'`).all() as { pageno: number }[]).map((p) => p.pageno))
  db.close()
  const bytes = readFileSync(file)
  const pageSize = bytes.readUInt16BE(16)
  const key = `sampling-${batchId}`
  for (let at = bytes.indexOf(key); at >= 0; at = bytes.indexOf(key, at + 1))
    if (leaves.has(Math.floor(at / pageSize) + 1)) {
      bytes[at + key.length - 1] = '/'.charCodeAt(0) // sampling-A-150 -> sampling-A-15/, which sorts where it stood
      writeFileSync(file, bytes)
      return
    }
  throw new Error(`no leaf of the stream-name index holds ${key}`)
}

const call = async (url: string, method = 'GET', body?: unknown) => {
  const response = await fetch(url, {
    method,
    headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  return { status: response.status, body: JSON.parse((await response.text()) || 'null') }
}

const correction = { type: 'SamplingResultCorrected', data: { batchId: 'A-150', result: 'fail', reason: '复检不合格 retest failed' } }
const newBatch = { type: 'SamplingBatchTested', data: { batchId: 'Z-1', region: 'zunyi', stage: 'production', sampledOn: '2020-03-01', result: 'pass' } }

/** Every route of the finding, as a client calls them. */
const routesOf = async (url: string) => ({
  readyz: await call(`${url}/readyz`),
  stream: await call(`${url}/v1/streams/sampling-A-150`),
  correction: await call(`${url}/v1/events`, 'POST', correction),
  append: await call(`${url}/v1/events`, 'POST', newBatch),
  verify: await call(`${url}/v1/audit/verify`),
  proof: await call(`${url}/v1/audit/proof/inclusion?position=100`),
  attested: await call(`${url}/v1/targets?at=2020-06-30&attest=true`),
  targets: await call(`${url}/v1/targets?at=2020-06-30`),
  metrics: await fetch(`${url}/metrics`).then((r) => r.text()),
})

/** The position of a sampling batch's event (alert events are interleaved with the batches). */
const positionOf = (dir: string, batchId: string): number => {
  const db = new Database(path.join(dir, 'events.db'), { readonly: true })
  try {
    return (db.prepare('SELECT position FROM events WHERE data LIKE ?').get(`%"batchId":"${batchId}"%`) as { position: number }).position
  } finally {
    db.close()
  }
}

/** Changes a stored result with raw SQL, leaving the stored hash as it was. */
const editResult = (dir: string, position: number) => {
  const db = new Database(path.join(dir, 'events.db'))
  const edited = db.prepare(`UPDATE events SET data = replace(data, '"result":"pass"', '"result":"fail"') WHERE position = ?`).run(position)
  db.close()
  return edited.changes
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const refused = (t: any, answer: { status: number; body: any }, what: string, position: number) => {
  t.equal(answer.status, 503, `${what}: 503`)
  t.equal(answer.body?.error?.code, 'INTEGRITY_VIOLATED', `${what}: INTEGRITY_VIOLATED`)
  t.match(answer.body?.error?.message, new RegExp(`position ${position}`), `${what}: names the position`)
}

t.test('the untouched log: ready, and every route answers as usual', async (t) => {
  await built
  const h = await listening({ dataDir: copy(), env })
  t.teardown(() => h.close())
  const r = await routesOf(h.url)
  t.equal(r.readyz.status, 200)
  t.equal(r.stream.status, 200)
  t.equal(r.correction.status, 201)
  t.equal(r.verify.body.ok, true)
  t.equal(r.proof.status, 200)
  t.equal(r.attested.status, 200)
  t.match(r.metrics, /targetwatch_integrity_intact 1/)
})

t.test('a byte flipped in a page of event data in the middle of events.db', async (t) => {
  const { webhook } = await built
  const dir = copy()
  const { page, pages } = flipPageOf(dir, 'A-150')
  t.ok(page > pages / 4 && page < (pages * 3) / 4, `page ${page} of ${pages} is in the middle of the file`)

  // Before (today's code on such a file): /readyz 200 ready, the append 201, the stream read
  // 503 STORE_UNAVAILABLE "try again later", GET /v1/audit/verify 500 INTERNAL, proofs and
  // attestations 200; CLI verify "database disk image is malformed", no position.
  const cliRun = await cli(['verify', '--data', dir])
  t.equal(cliRun.code, 1, 'CLI verify exits 1')
  t.notMatch(cliRun.stderr, /\n\s+at /, 'no stack trace')
  const report = JSON.parse(cliRun.stdout)
  const bad = report.firstBadPosition
  const target = positionOf(original, 'A-150')
  t.ok(bad > 1 && bad <= target, `the CLI names the first position that cannot be read (${bad}, on the page of A-150 at ${target})`)
  t.ok(report.problems.some((p: { position: number; check: string }) => p.position === target && p.check === 'decode'), 'A-150 is among the unreadable')
  t.match(report.problem, /SQLite page holding it is damaged/)
  t.ok(report.problems.some((p: { check: string; message: string }) => p.check === 'sqlite' && /integrity_check/.test(p.message)), 'and what SQLite integrity_check says')
  t.match(cliRun.stderr, new RegExp(`NOT VERIFIED: first bad position ${bad}`))

  const h = await listening({ dataDir: dir, env })
  t.teardown(() => h.close())
  const r = await routesOf(h.url)
  t.equal(r.readyz.status, 503)
  t.equal(r.readyz.body.ready, false)
  t.match(r.readyz.body.reason, new RegExp(`integrity violated: .*events\\.db: position ${bad}: SQLite integrity_check`))
  t.match(r.readyz.body.integrity, { source: 'startup', check: 'sqlite', position: bad })
  refused(t, r.stream, 'stream read', bad)
  refused(t, r.correction, 'correction', bad)
  refused(t, r.append, 'append', bad)
  refused(t, r.proof, 'inclusion proof', bad)
  refused(t, r.attested, 'attested targets', bad)
  refused(t, r.targets, 'targets', bad)
  t.equal(r.verify.status, 200, 'verify answers, not 500')
  t.match(r.verify.body, { ok: false, firstBadPosition: bad })
  t.match(r.metrics, /targetwatch_integrity_intact 0/)
  t.match(r.metrics, /targetwatch_integrity_findings_total\{source="startup",check="sqlite"\} 1/)

  const delivered = await waitUntil('the integrity.violated webhook', () => receiver.received.find((m) => m.body.includes(dir)), 10_000)
  const body = JSON.parse(delivered.body)
  t.equal(body.type, 'integrity.violated')
  t.match(body.data, { source: 'startup', check: 'sqlite', position: bad })
  t.ok(webhook.id, 'to the subscription that asked for integrity.violated')
})

t.test('a byte flipped in the stream-name index: the finding\'s 404 and 409 BATCH_NOT_FOUND', async (t) => {
  await built
  const dir = copy()
  flipNameIndexOf(dir, 'A-150')
  const at = positionOf(dir, 'A-150')

  // Before (today's code): /readyz 200, GET /v1/streams/sampling-A-150 404 "has no events", the
  // correction 409 BATCH_NOT_FOUND, appends 201, verify ok: true; SQLite quick_check says ok.
  const db = new Database(path.join(dir, 'events.db'), { readonly: true })
  t.same(db.pragma('quick_check'), [{ quick_check: 'ok' }], 'quick_check alone does not see it')
  db.close()

  const h = await listening({ dataDir: dir, env })
  t.teardown(() => h.close())
  const r = await routesOf(h.url)
  t.equal(r.readyz.status, 503)
  t.match(r.readyz.body.reason, /integrity_check: row \d+ missing from index sqlite_autoindex_streams_1/)
  t.equal(r.stream.status, 503, 'the stream read is 503, not 404')
  t.equal(r.stream.body.error.code, 'INTEGRITY_VIOLATED')
  t.equal(r.correction.status, 503, 'the correction is 503, not 409 BATCH_NOT_FOUND')
  t.equal(r.append.status, 503)
  t.equal(r.proof.status, 503)
  t.equal(r.attested.status, 503)
  // The scrub's verification (no integrity_check) names the stream and its first position.
  t.match(r.verify.body, { ok: false, firstBadPosition: at })
  t.match(r.verify.body.problem, /stream sampling-A-150: the stream-name index does not find it/)
})

t.test('a byte flipped in the event-id index: verify names the event idempotency would no longer find', async (t) => {
  await built
  const dir = copy()
  const file = path.join(dir, 'events.db')
  const at = positionOf(dir, 'A-120')
  const db = new Database(file, { readonly: true })
  const id = (db.prepare('SELECT event_id FROM events WHERE position = ?').get(at) as { event_id: Buffer }).event_id
  const leaves = new Set((db.prepare(`SELECT pageno FROM dbstat WHERE name = 'event_ids' AND pagetype = 'leaf'`).all() as { pageno: number }[]).map((p) => p.pageno))
  db.close()
  const bytes = readFileSync(file)
  const pageSize = bytes.readUInt16BE(16)
  let flipped = false
  for (let offset = bytes.indexOf(id); offset >= 0 && !flipped; offset = bytes.indexOf(id, offset + 1))
    if (leaves.has(Math.floor(offset / pageSize) + 1)) {
      bytes[offset + 15] ^= 0x01
      flipped = true
    }
  t.ok(flipped, 'the id is in a leaf of the event-id index')
  writeFileSync(file, bytes)
  const h = await listening({ dataDir: dir, env })
  t.teardown(() => h.close())
  t.equal((await call(`${h.url}/readyz`)).status, 503, 'not ready (integrity_check at start)')
  const verify = await call(`${h.url}/v1/audit/verify`)
  t.match(verify.body, { ok: false, firstBadPosition: at })
  t.match(verify.body.problem, /the event-id index does not find it/)
})

t.test('an event edited under a signed head with raw SQL', async (t) => {
  const { head } = await built
  const dir = copy()
  const at = positionOf(dir, 'A-98')
  t.equal(editResult(dir, at), 1)
  t.ok(at <= head.treeSize, `position ${at} is under the signed head of ${head.treeSize}`)

  // Before: ready, the old snapshot figure and the edited data served, proofs served.
  const h = await listening({ dataDir: dir, env: { ...env, TARGETWATCH_RESCUE_OVERDUE: '1m' } })
  t.teardown(() => h.close())
  const r = await routesOf(h.url)
  t.equal(r.readyz.status, 503)
  t.match(r.readyz.body.integrity, { check: 'hash', position: at })
  t.match(r.readyz.body.reason, /content does not match its hash/)
  refused(t, r.stream, 'stream read', at)
  refused(t, r.append, 'append', at)
  refused(t, r.proof, 'inclusion proof', at)
  refused(t, r.attested, 'attested targets', at)
  refused(t, r.targets, 'targets (the snapshot figure)', at)
  t.match(r.verify.body, { ok: false, firstBadPosition: at })
  const signed = await call(`${h.url}/v1/audit/checkpoints`)
  t.equal(signed.status, 200, 'the signed heads can still be read')
  t.equal(signed.body.checkpoints.length, 1, 'and no new head was signed over the edited log')
  // The rescue is overdue under this start's 1m bound; the alerts engine checks every 200 ms
  // here: give it a few rounds. No alert is derived from a log that failed its check.
  await new Promise((resolve) => setTimeout(resolve, 600))
  const originalDb = new Database(path.join(original, 'events.db'), { readonly: true })
  const originalHead = originalDb.prepare('SELECT max(position) FROM events').pluck().get() as number
  originalDb.close()
  const appended: string[] = []
  for await (const event of h.services.store.readAll({ from: originalHead })) appended.push(event.type)
  t.ok(appended.length > 0 && appended.every((type) => ['IntegrityViolated', 'DeliveryAttempted'].includes(type)), `no RescueOverdue, no head: only the finding and its delivery were appended: ${appended.join(', ')}`)
})

// A log this small is verified on the serving thread; TARGETWATCH_VERIFY_THREAD_FROM=0 puts every
// verification on a thread of its own (services/audit/verify-thread.ts), as a large log's is.
for (const [where, threadFrom] of [['on the serving thread', '50000'], ['on a thread of its own', '0']] as const)
  t.test(`the scrub finds an edit made while the service runs (${where})`, async (t) => {
    await built
    const dir = copy()
    const h = await listening({ dataDir: dir, env: { ...env, TARGETWATCH_SCRUB_INTERVAL: '100ms', TARGETWATCH_VERIFY_THREAD_FROM: threadFrom } })
    t.teardown(() => h.close())
    t.equal((await call(`${h.url}/readyz`)).status, 200, 'ready while intact')
    const at = positionOf(dir, 'A-40')
    t.equal(editResult(dir, at), 1)
    const readyz = await waitUntil('not ready', async () => {
      const answer = await call(`${h.url}/readyz`)
      return answer.status === 503 ? answer : null
    })
    t.match(readyz.body.integrity, { source: 'scrub', check: 'hash', position: at })
    refused(t, await call(`${h.url}/v1/events`, 'POST', newBatch), 'append', at)
    t.ok(h.services.audit.scrub.last(), 'a scrub run completed')
    const { started } = h.services.audit.verifyThreads.stats()
    if (threadFrom === '0') t.ok(started >= 1, `the scrubs ran on threads (${started} started)`)
    else t.equal(started, 0, 'no thread was started')
  })

t.test('targetwatch serve on the damaged file: starts, not ready, says why', async (t) => {
  await built
  const dir = copy()
  flipPageOf(dir, 'A-150')
  const bad = (JSON.parse((await cli(['verify', '--data', dir])).stdout) as { firstBadPosition: number }).firstBadPosition
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), 'serve'], {
    cwd: projectRoot,
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', TARGETWATCH_DATA_DIR: dir, TARGETWATCH_ADMIN_KEY: adminKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (c) => (output += c))
  child.stderr.on('data', (c) => (output += c))
  const exited = new Promise((resolve) => child.on('exit', resolve))
  t.teardown(async () => {
    child.kill('SIGTERM')
    await exited
  })
  const readyz = await waitUntil('the process to listen', () => call(`http://127.0.0.1:${port}/readyz`).catch(() => null), 20_000, 100)
  t.equal(readyz.status, 503, output)
  t.match(readyz.body.reason, new RegExp(`position ${bad}: SQLite integrity_check`))
  refused(t, await call(`http://127.0.0.1:${port}/v1/events`, 'POST', newBatch), 'append', bad)
  t.match(output, /integrity violated/, 'the log says so')
})
