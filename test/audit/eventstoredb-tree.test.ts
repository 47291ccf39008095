// The audit behaviour on EventStoreDB, whose positions are byte offsets (not 1, 2, 3, ...):
// leaves are numbered by their order in $all (docs/ARCHITECTURE.md, "Audit"), and inclusion and
// consistency proofs (checked by the independent RFC 9162 reading in rfc9162.ts), signed heads,
// `verify`, attestations and the tree's resume from its side file work as on SQLite. It runs
// against the adapter on the stand-in server, and against a real server when EVENTSTORE_URL is
// set (a tap skip with its reason otherwise, as test/contract/eventstoredb.test.ts does).
import t, { type Test } from 'tap'
import { createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { checkAttestation } from '../../services/audit/attest.ts'
import { openTreeFileReadOnly } from '../../services/audit/tree-file.ts'
import { createEventStoreDbStore } from '../../services/store/eventstoredb.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { createFakeEventStoreDb } from '../store/eventstoredb-fake.ts'
import { auth, checkpointNow, getJson, listening, postEvents, samplingBatches } from './helpers.ts'
import { consistencyHolds, inclusionHolds, leaf, mth } from './rfc9162.ts'

const fromHex = (hex: string) => Buffer.from(hex, 'hex')
const treeHeadBytes = (h: { keyId: string; rootHash: string; signedAt: string; treeSize: number }) =>
  Buffer.from(
    `{"keyId":${JSON.stringify(h.keyId)},"kind":"targetwatch/tree-head/v1","rootHash":${JSON.stringify(h.rootHash)},` +
      `"signedAt":${JSON.stringify(h.signedAt)},"treeSize":${h.treeSize}}`,
  )

const exportOf = async (url: string) => (await (await fetch(`${url}/v1/audit/events`, { headers: auth })).text())
const eventsIn = (ndjson: string): RecordedEvent[] => ndjson.trim().split('\n').map((line) => JSON.parse(line))
async function* eventsOf(ndjson: string): AsyncGenerator<RecordedEvent> {
  yield* eventsIn(ndjson)
}

/** The log as the store gives it, read through a fresh adapter (no service running). */
const exportVia = async (server: Server, _dataDir: string): Promise<string> => {
  const store = server.open()
  let text = ''
  try {
    for await (const event of store.readAll()) text += `${JSON.stringify(event)}\n`
  } finally {
    await store.close()
  }
  return text
}

const answerOf = async (url: string) => {
  const response = await fetch(url, { headers: auth })
  return { status: response.status, body: (await response.json()) as any }
}

interface Server {
  /** A new adapter on the same server (a restart keeps the log). */
  open: () => ReturnType<typeof createEventStoreDbStore>
  /** Rewrites an event's data on the server, when the server lets a test do that. */
  rewriteData?: (position: number, edit: (data: Record<string, unknown>) => Record<string, unknown>) => void
}

const esdbEnv = { EVENTSTORE_URL: process.env.EVENTSTORE_URL ?? 'esdb://stand-in:2113?tls=false' }

/** The audit suite on one EventStoreDB server; `fresh` makes an empty one (or a shared real one). */
const auditSuite = (t: Test, fresh: () => Server) => {
  t.test('inclusion and consistency proofs hold under the RFC, with leaves in $all order', async (t) => {
    const server = fresh()
    const h = await listening({ openStore: server.open, env: esdbEnv })
    t.teardown(h.close)
    const before = eventsIn(await exportOf(h.url)).length
    await postEvents(h, samplingBatches('P', 23))
    const first = await checkpointNow(h)
    await postEvents(h, samplingBatches('Q', 41))
    const second = await checkpointNow(h)

    const events = eventsIn(await exportOf(h.url))
    const leaves = events.map((event) => leaf(event.meta.hash))
    const positions = events.map((event) => event.position)
    t.ok(positions.some((p, i) => i > 0 && p !== positions[i - 1]! + 1), 'the positions are byte offsets, not 1, 2, 3, ...')
    // The log also holds the dispatcher's lease events (the shared log of every store but SQLite).
    t.ok(first.treeSize >= before + 23, 'the first head signs the tree of every event before it')
    t.ok(positions.indexOf(first.position) >= first.treeSize, 'and is itself recorded after them, at its EventStoreDB position')
    t.ok(second.treeSize >= first.treeSize + 42, 'the second head covers the first head’s event and the 41 after it')
    t.equal(first.rootHash, mth(leaves.slice(0, first.treeSize)).toString('hex'), 'each signed root is the RFC root of the leaves in $all order')
    t.equal(second.rootHash, mth(leaves.slice(0, second.treeSize)).toString('hex'), 'the signed root is the RFC root of the leaves in $all order')

    for (const size of [first.treeSize - 1, first.treeSize, first.treeSize + 13, second.treeSize]) {
      const root = mth(leaves.slice(0, size))
      for (let index = Math.max(0, before - 3); index < size; index++) {
        const proof = await getJson(`${h.url}/v1/audit/proof/inclusion?position=${positions[index]}&treeSize=${size}`)
        if (proof.leafIndex !== index || proof.position !== positions[index]) return t.fail(`position ${positions[index]} is not leaf ${index}: ${JSON.stringify(proof)}`)
        if (proof.rootHash !== root.toString('hex') || !inclusionHolds(index, size, fromHex(proof.leafHash), proof.proof.map(fromHex), root))
          return t.fail(`inclusion of leaf ${index} in ${size} does not hold`)
        if (!fromHex(proof.leafHash).equals(leaves[index]!) || proof.eventHash !== events[index]!.meta.hash) return t.fail(`leaf ${index} is not its event's`)
      }
    }
    t.pass('inclusion holds for each new event at four sizes, found by its EventStoreDB position')

    for (const [from, to] of [[1, second.treeSize], [first.treeSize, second.treeSize], [before + 7, before + 8], [before + 16, before + 32], [second.treeSize, second.treeSize + 1]]) {
      const proof = await getJson(`${h.url}/v1/audit/proof/consistency?from=${from}&to=${to}`)
      t.ok(consistencyHolds(from!, to!, mth(leaves.slice(0, from)), mth(leaves.slice(0, to)), proof.proof.map(fromHex)), `consistency ${from} -> ${to}`)
    }
    const byDefault = await getJson(`${h.url}/v1/audit/proof/inclusion?position=${positions[before + 9]}`)
    t.equal(byDefault.treeSize, second.treeSize, 'without treeSize, the proof is against the latest signed head')
    t.match(byDefault.checkpoint, { treeSize: second.treeSize, rootHash: second.rootHash, position: second.position })

    const head = positions.at(-1)!
    const cases: [string, number, RegExp][] = [
      [`/v1/audit/proof/inclusion?position=${positions[before + 1]! + 1}`, 404, /no event at position/],
      [`/v1/audit/proof/inclusion?position=${head + 1000}`, 400, /query\.position: \d+ is beyond the log/],
      [`/v1/audit/proof/inclusion?position=${positions[before + 5]}&treeSize=${before + 3}`, 400, /query\.position: \d+ is not in a tree of \d+ events/],
      [`/v1/audit/proof/inclusion?position=${positions[before]}&treeSize=${events.length + 1}`, 400, new RegExp(`query\\.treeSize: ${events.length + 1} is beyond the log, which has ${events.length} events`)],
      [`/v1/audit/proof/consistency?from=2&to=${events.length + 1}`, 400, /query\.to: \d+ is beyond the log/],
    ]
    for (const [url, status, message] of cases) {
      const answer = await answerOf(`${h.url}${url}`)
      t.equal(answer.status, status, url)
      t.match(answer.body.error?.message, message, url)
    }
  })

  t.test('signed heads verify with the public key; checkpoints list them with their positions', async (t) => {
    const server = fresh()
    const h = await listening({ openStore: server.open, env: esdbEnv })
    t.teardown(h.close)
    await postEvents(h, samplingBatches('K', 5))
    const signed = await checkpointNow(h)
    const key = await getJson(`${h.url}/v1/audit/public-key`)
    const listed = await getJson(`${h.url}/v1/audit/checkpoints`)
    const head = listed.checkpoints.at(-1)
    t.match(head, { treeSize: signed.treeSize, position: signed.position, rootHash: signed.rootHash })
    t.ok(verify(null, treeHeadBytes(head), createPublicKey(key.publicKeyPem), Buffer.from(head.signature, 'base64')), 'the signature holds over the canonical head')
    const events = eventsIn(await exportOf(h.url))
    const recordedAt = events.findIndex((event) => event.position === signed.position)
    t.equal(listed.treeSize, events.length, 'treeSize counts the events, the head’s own included')
    t.equal(listed.unsigned, events.length - recordedAt - 1, 'unsigned counts the events after the head’s own, not byte offsets')
    await postEvents(h, samplingBatches('K2', 2))
    const next = await checkpointNow(h)
    const now = eventsIn(await exportOf(h.url))
    t.ok(next.treeSize >= recordedAt + 3 && next.treeSize < now.length, 'the next head covers the first head’s event and the two after it')
    t.equal(next.rootHash, mth(now.slice(0, next.treeSize).map((e) => leaf(e.meta.hash))).toString('hex'))
    const again = await h.app.inject({ method: 'POST', url: '/v1/audit/checkpoints', headers: h.auth() })
    t.equal(again.statusCode, 200, 'no new head while nothing new was recorded but that head')
  })

  t.test('verify passes on the untouched log and finds a rewritten event at its position', async (t) => {
    const server = fresh()
    const h = await listening({ openStore: server.open, env: esdbEnv })
    t.teardown(h.close)
    await postEvents(h, samplingBatches('V', 30))
    await checkpointNow(h)
    const report = await getJson(`${h.url}/v1/audit/verify`)
    const events = eventsIn(await exportOf(h.url))
    t.match(report, { ok: true, checked: events.length, head: events.at(-1)!.position, problems: [] })
    t.equal(report.signedHeads.checked >= 1, true, 'against the signed head')
    const rewrite = server.rewriteData
    if (!rewrite) return t.test('a rewritten event', { skip: 'tampering needs write access to the server’s records (the stand-in has it)' }, async () => {})
    const victim = events.find((event) => event.type === 'SamplingBatchTested' && (event.data as { batchId?: string }).batchId === 'V-11')!
    rewrite(victim.position, (data) => ({ ...data, result: 'fail' }))
    const tampered = await getJson(`${h.url}/v1/audit/verify`)
    t.equal(tampered.ok, false)
    t.equal(tampered.firstBadPosition, victim.position, 'the problem is named at the EventStoreDB position of the rewritten event')
    t.match(tampered.problems[0], { check: 'hash', position: victim.position })
    const refused = await answerOf(`${h.url}/v1/audit/proof/inclusion?position=${victim.position}`)
    t.match(refused, { status: 503, body: { error: { code: 'INTEGRITY_VIOLATED', details: { position: victim.position } } } }, 'the finding refuses further proofs, as on SQLite')
  })

  t.test('attested answers carry the tree size at their position and re-derive from the log', async (t) => {
    const server = fresh()
    const h = await listening({ openStore: server.open, env: esdbEnv })
    t.teardown(h.close)
    await postEvents(h, samplingBatches('A', 40, { region: 'zunyi' }, 7))
    const events = eventsIn(await exportOf(h.url))
    const leaves = events.map((event) => leaf(event.meta.hash))
    const body = await getJson(`${h.url}/v1/targets/food-sampling-pass-rate?at=2020-06-30&region=zunyi&attest=true`)
    const size = events.filter((event) => event.position <= body.position).length
    t.equal(body.attestation.treeSize, size, 'treeSize counts the events up to the answer’s position')
    t.equal(body.attestation.rootHash, mth(leaves.slice(0, size)).toString('hex'), 'the RFC root of those events')
    const exported = await exportOf(h.url)
    const check = await checkAttestation(body, eventsOf(exported), { trustedKey: null })
    t.same(check.problems, [], 'attest-check re-derives it from the export')
    t.equal(check.ok, true)

    const middle = events[events.length - 15]!
    const historical = await getJson(`${h.url}/v1/targets/food-sampling-pass-rate?at=2020-06-30&position=${middle.position}&attest=true`)
    t.equal(historical.attestation.treeSize, events.length - 14, 'a historical answer is attested over the events up to its position')
    t.same((await checkAttestation(historical, eventsOf(exported), { trustedKey: null })).problems, [])

    const altered = JSON.parse(JSON.stringify(body))
    altered.attestation.treeSize -= 1
    const refused = await checkAttestation(altered, eventsOf(exported), { trustedKey: null })
    t.equal(refused.ok, false, 'a changed tree size does not hold')
    t.match(refused.problems.join('\n'), /the log holds \d+ events up to position \d+; the attestation covers \d+/)
  })

  t.test('the tree resumes from its side file, which records each leaf’s position, and rebuilds the same proofs', async (t) => {
    const server = fresh()
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-esdb-tree-'))
    t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
    const first = await listening({ dataDir, openStore: server.open, env: esdbEnv })
    await postEvents(first, samplingBatches('R', 50))
    const head = await checkpointNow(first)
    const events = eventsIn(await exportOf(first.url))
    const probe = events[events.length - 20]!.position
    const proof = await getJson(`${first.url}/v1/audit/proof/inclusion?position=${probe}&treeSize=${head.treeSize}`)
    const size = first.services.audit.tree.size()
    await first.close()

    const side = openTreeFileReadOnly(path.join(dataDir, 'merkle.db'))
    t.ok(side, 'the side file is of the current layout')
    const saved = side!.checkpoint()!.frontier.size
    t.ok(saved >= size, 'it holds every leaf the tree had')
    // What the log holds now: closing may have recorded the lease's release after the tree stopped.
    const logged = eventsIn(await exportVia(server, dataDir))
    const blocks = Math.floor(saved / 16)
    t.same(side!.blockPositions(blocks - 1), logged.slice((blocks - 1) * 16, blocks * 16).map((e) => e.position), 'a block records its leaves’ positions')
    t.same(side!.checkpoint()!.tailPositions, logged.slice(blocks * 16, saved).map((e) => e.position), 'and tree_meta the tail’s')
    side!.close()

    const froms: unknown[] = []
    const watched = () => {
      const store = server.open()
      const subscribeAll = store.subscribeAll.bind(store)
      store.subscribeAll = (from, ...rest) => (froms.push(from), subscribeAll(from, ...rest))
      return store
    }
    const resumed = await listening({ dataDir, openStore: watched, env: esdbEnv })
    t.ok(froms.includes(logged[saved - 1]!.position), 'the tree resumed after its last leaf’s recorded position, without a rebuild')
    t.ok(resumed.services.audit.tree.size() >= saved)
    t.same(await getJson(`${resumed.url}/v1/audit/proof/inclusion?position=${probe}&treeSize=${head.treeSize}`), proof)
    await postEvents(resumed, samplingBatches('R2', 3))
    const next = await checkpointNow(resumed)
    const now = eventsIn(await exportOf(resumed.url))
    t.equal(next.rootHash, mth(now.slice(0, next.treeSize).map((e) => leaf(e.meta.hash))).toString('hex'), 'and goes on from there')
    await resumed.close()

    rmSync(path.join(dataDir, 'merkle.db'))
    const rebuilt = await listening({ dataDir, openStore: server.open, env: esdbEnv })
    t.teardown(rebuilt.close)
    await rebuilt.services.audit.tree.waitForPosition(await rebuilt.services.store.head())
    t.same(await getJson(`${rebuilt.url}/v1/audit/proof/inclusion?position=${probe}&treeSize=${head.treeSize}`), proof, 'the same proof after a rebuild')
    t.equal((await getJson(`${rebuilt.url}/v1/audit/verify`)).ok, true)
  })
}

t.test('on the EventStoreDB adapter over the stand-in server', async (t) => {
  auditSuite(t, () => {
    const server = createFakeEventStoreDb()
    return { open: () => createEventStoreDbStore({ client: server.client }), rewriteData: server.rewriteData }
  })
})

const url = process.env.EVENTSTORE_URL
if (!url) {
  const reason =
    'EVENTSTORE_URL is not set ' + '(run `docker compose up -d eventstore` and EVENTSTORE_URL=esdb://localhost:2113?tls=false npm test)'
  t.test('on a real EventStoreDB server', { skip: reason }, async () => {})
} else {
  // One server for every test: its log is shared and only grows; the suite measures from what it finds.
  t.test('on a real EventStoreDB server', async (t) => auditSuite(t, () => ({ open: () => createEventStoreDbStore({ url }) })))
}
