// ?attest=true: the answer carries tree size, root, projection version, query and an Ed25519
// signature over the canonical JSON of it all; `attest-check` re-derives every figure from an
// export and fails on any change to the answer or to the events.
import t from 'tap'
import { createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { seedPlan } from '../../seeds/plans.ts'
import { checkAttestation } from '../../services/audit/attest.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { auth, cli, getJson, listening, postEvents, samplingBatches } from './helpers.ts'

const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-attest-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
const catalog = seedPlan()

/** Canonical JSON written for this test from RFC 8785's rules for JSON values: sorted keys, no spaces. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`
  return JSON.stringify(value)
}

const exportOf = async (url: string) => (await (await fetch(`${url}/v1/audit/events`, { headers: auth })).text())
async function* eventsOf(ndjson: string): AsyncGenerator<RecordedEvent> {
  for (const line of ndjson.trim().split('\n')) yield JSON.parse(line)
}

const served = (async () => {
  const h = await listening()
  await postEvents(h, samplingBatches('A', 60, { region: 'zunyi' }, 12))
  await postEvents(h, samplingBatches('B', 30, { region: 'bijie' }, 5))
  await postEvents(h, [{ type: 'SamplingResultCorrected', data: { batchId: 'A-12', result: 'pass', reason: 'lab error' } }])
  return h
})()
t.teardown(async () => (await served).close())

t.test('an attested answer is signed over its canonical JSON and names the log it came from', async (t) => {
  const h = await served
  const body = await getJson(`${h.url}/v1/targets?at=2020-06-30&attest=true`)
  const { attestation, ...answer } = body
  t.match(attestation, {
    kind: 'targetwatch/attestation/v1',
    route: '/v1/targets',
    query: { at: '2020-06-30' },
    at: '2020-06-30T23:59:59.999+08:00',
    treeSize: 92,
    projection: { name: 'compliance', version: Number },
    catalogVersion: catalog.version,
    plan: { id: 'guizhou-2020', revision: 0 },
  })
  t.equal(answer.position, attestation.treeSize)
  const proof = await getJson(`${h.url}/v1/audit/proof/consistency?from=92&to=92`)
  t.equal(attestation.rootHash, proof.fromRoot, 'the root of the first 92 events (the 2020 plan and 91 more)')
  const { signature, kind, ...context } = attestation
  const key = createPublicKey((await getJson(`${h.url}/v1/audit/public-key`)).publicKeyPem)
  t.ok(verify(null, Buffer.from(canonical({ kind, answer, ...context })), key, Buffer.from(signature, 'base64')), 'the signature holds')
  const plain = await getJson(`${h.url}/v1/targets?at=2020-06-30`)
  t.notOk('attestation' in plain, 'only when asked')
  t.same(plain.targets, answer.targets, 'the figures are those of the plain answer')
})

t.test('attest-check re-derives the answer from an export and the public key', async (t) => {
  const h = await served
  const exported = await exportOf(h.url)
  const exportFile = path.join(root, 'history.ndjson')
  writeFileSync(exportFile, exported)
  writeFileSync(path.join(root, 'key.json'), JSON.stringify(await getJson(`${h.url}/v1/audit/public-key`)))
  const answerFile = path.join(root, 'answer.json')
  writeFileSync(answerFile, JSON.stringify(await getJson(`${h.url}/v1/targets/food-sampling-pass-rate?at=2020-06-30&region=zunyi&attest=true`)))
  const run = await cli(['attest-check', answerFile, '--file', exportFile, '--public-key', path.join(root, 'key.json')])
  t.equal(run.code, 0, run.stderr)
  t.match(JSON.parse(run.stdout), { ok: true, signature: 'valid', treeSize: 92, problems: [] })

  const altered = JSON.parse(JSON.stringify(await getJson(`${h.url}/v1/targets?at=2020-06-30&attest=true`)))
  const target = altered.targets.find((x: { id: string }) => x.id === 'food-sampling-pass-rate')
  target.regions.find((r: { region: string }) => r.region === 'zunyi').value = 1
  const check = await checkAttestation(altered, eventsOf(exported), { trustedKey: null })
  t.equal(check.ok, false)
  t.equal(check.signature, 'invalid')
  t.match(check.problems.join('\n'), /figures differ from a fold of the log: \.targets\[\d+\]\.regions\[\d+\]\.value: attested 1, recomputed/)

  const answer = await getJson(`${h.url}/v1/targets?at=2020-06-30&attest=true`)
  const forgedLog = exported.replace('"batchId":"A-30","region":"zunyi","result":"pass"', '"batchId":"A-30","region":"zunyi","result":"fail"')
  t.not(forgedLog, exported)
  const forged = await checkAttestation(answer, eventsOf(forgedLog), { trustedKey: null })
  t.equal(forged.ok, false, 'an export with one event changed does not reproduce the answer')
  t.match(forged.problems[0], /content does not match its hash/)
})

t.test('a historical answer is attested at its position; scoped answers check out', async (t) => {
  const h = await served
  const historical = await getJson(`${h.url}/v1/targets/food-sampling-pass-rate?at=2020-06-30&position=60&attest=true`)
  t.equal(historical.attestation.treeSize, 60)
  t.match(historical.attestation.query, { id: 'food-sampling-pass-rate', position: 60 })
  const viewer = (await h.app.inject({ method: 'POST', url: '/v1/keys', headers: h.auth(), payload: { name: 'zunyi', role: 'viewer', regions: ['zunyi'] } })).json()
  t.equal(viewer.statusCode ?? 201, 201)
  const scoped = (await (await fetch(`${h.url}/v1/targets?at=2020-06-30&attest=true`, { headers: { authorization: `Bearer ${viewer.key}` } })).json()) as any
  t.match(scoped.attestation.query, { scope: 'zunyi' })
  const exported = await exportOf(h.url)
  for (const body of [historical, scoped]) {
    const check = await checkAttestation(body, eventsOf(exported), { trustedKey: null })
    t.same(check.problems, [], `${body.attestation.route} at ${body.attestation.treeSize}`)
  }
})

t.test('answers attested while events arrive are each exactly the state at their position', async (t) => {
  const h = await served
  let writing = true
  const writer = (async () => {
    for (let round = 0; writing && round < 40; round++) await postEvents(h, samplingBatches(`L${round}`, 25, { region: 'anshun' }, 3))
  })()
  const bodies: Record<string, unknown>[] = []
  const sizes = () => new Set(bodies.map((b) => (b.attestation as { treeSize: number }).treeSize)).size
  // At least 12 answers, and (bounded) until the log has moved between them: a slower store commits later.
  for (let i = 0; i < 12 || (sizes() < 2 && i < 400); i++) bodies.push(await getJson(`${h.url}/v1/targets/food-sampling-pass-rate?at=2020-06-30&attest=true`))
  writing = false
  await writer
  t.ok(sizes() > 1, 'the log moved between answers')
  const exported = await exportOf(h.url)
  for (const body of bodies) {
    const check = await checkAttestation(body, eventsOf(exported), { trustedKey: null })
    if (!check.ok) return t.fail(`answer at ${check.treeSize}: ${check.problems.join('; ')}`)
  }
  t.pass('every answer re-derives from its own prefix of the log')
})
