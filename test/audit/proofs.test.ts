// Inclusion and consistency proofs fetched over HTTP (127.0.0.1) hold under an independent
// reading of RFC 9162 (test/audit/rfc9162.ts, which does not import the service's Merkle code);
// signed tree heads verify with nothing but the public key; the tree resumes and rebuilds.
import t from 'tap'
import { createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { checkpointNow, getJson, listening, postEvents, samplingBatches } from './helpers.ts'
import { consistencyHolds, inclusionHolds, leaf, mth } from './rfc9162.ts'

const fromHex = (hex: string) => Buffer.from(hex, 'hex')

/** The tree-head message spelled out by hand: canonical JSON, keys in code-unit order. */
const treeHeadBytes = (h: { keyId: string; rootHash: string; signedAt: string; treeSize: number }) =>
  Buffer.from(
    `{"keyId":${JSON.stringify(h.keyId)},"kind":"targetwatch/tree-head/v1","rootHash":${JSON.stringify(h.rootHash)},` +
      `"signedAt":${JSON.stringify(h.signedAt)},"treeSize":${h.treeSize}}`,
  )

/** Every event hash of the log, from the NDJSON export. */
const eventHashes = async (url: string): Promise<string[]> => {
  const response = await fetch(`${url}/v1/audit/events`, { headers: { authorization: 'Bearer test-admin-key-0123456789' } })
  const text = await response.text()
  return text.trim().split('\n').map((line) => JSON.parse(line).meta.hash)
}

t.test('every inclusion proof and consistency proof from the API holds under the RFC', async (t) => {
  const h = await listening()
  t.teardown(h.close)
  await postEvents(h, samplingBatches('P', 23))
  const first = await checkpointNow(h)
  await postEvents(h, samplingBatches('Q', 41))
  const second = await checkpointNow(h)
  // Position 1 is the 2020 plan, published at first start.
  t.equal(first.treeSize, 24, 'the first head signs the plan and the 23 events before it')
  t.equal(first.position, 25, 'and is itself recorded after them')
  t.equal(second.treeSize, 66, 'the second head covers the first head’s event too')

  const leaves = (await eventHashes(h.url)).map(leaf)
  t.equal(leaves.length, 67)
  t.equal(second.rootHash, mth(leaves.slice(0, 66)).toString('hex'), 'the signed root is the RFC root of the first 66 leaves')

  for (const size of [1, 2, 23, 37, 66]) {
    const root = mth(leaves.slice(0, size))
    for (let position = 1; position <= size; position++) {
      const proof = await getJson(`${h.url}/v1/audit/proof/inclusion?position=${position}&treeSize=${size}`)
      if (proof.rootHash !== root.toString('hex') || !inclusionHolds(position - 1, size, fromHex(proof.leafHash), proof.proof.map(fromHex), root))
        return t.fail(`inclusion of ${position} in ${size} does not hold`)
      if (!fromHex(proof.leafHash).equals(leaves[position - 1])) return t.fail(`leaf ${position} is not SHA-256(0x00 || event hash)`)
    }
  }
  t.pass('inclusion holds for every position at sizes 1, 2, 23, 37, 66')

  for (const [from, to] of [[1, 66], [24, 66], [7, 8], [16, 32], [31, 67], [66, 66]]) {
    const proof = await getJson(`${h.url}/v1/audit/proof/consistency?from=${from}&to=${to}`)
    t.ok(
      consistencyHolds(from, to, mth(leaves.slice(0, from)), mth(leaves.slice(0, to)), proof.proof.map(fromHex)),
      `consistency ${from} -> ${to}`,
    )
  }
  const between = await getJson(`${h.url}/v1/audit/proof/consistency?from=${first.treeSize}&to=${second.treeSize}`)
  t.ok(consistencyHolds(first.treeSize, second.treeSize, fromHex(first.rootHash), fromHex(second.rootHash), between.proof.map(fromHex)), 'the two signed heads are consistent')
  const forged = [...between.proof.map(fromHex)]
  forged[0] = leaves[0]
  t.notOk(consistencyHolds(first.treeSize, second.treeSize, fromHex(first.rootHash), fromHex(second.rootHash), forged), 'a changed proof does not hold')

  const byDefault = await getJson(`${h.url}/v1/audit/proof/inclusion?position=10`)
  t.equal(byDefault.treeSize, second.treeSize, 'without treeSize, the proof is against the latest signed head')
  t.match(byDefault.checkpoint, { treeSize: second.treeSize, rootHash: second.rootHash })
})

t.test('signed heads verify with the public key alone, and name the size they sign', async (t) => {
  const h = await listening()
  t.teardown(h.close)
  await postEvents(h, samplingBatches('K', 5))
  await checkpointNow(h)
  const key = await getJson(`${h.url}/v1/audit/public-key`)
  t.equal(key.algorithm, 'Ed25519')
  const publicKey = createPublicKey(key.publicKeyPem)
  const { checkpoints } = await getJson(`${h.url}/v1/audit/checkpoints`)
  t.equal(checkpoints.length, 1)
  const [head] = checkpoints
  t.ok(verify(null, treeHeadBytes(head), publicKey, Buffer.from(head.signature, 'base64')), 'the signature holds over the canonical head')
  t.notOk(verify(null, treeHeadBytes({ ...head, treeSize: head.treeSize + 1 }), publicKey, Buffer.from(head.signature, 'base64')), 'not for another size')
  t.ok(head.treeSize < head.position, 'a head never covers its own event')
  const unauthenticated = await fetch(`${h.url}/v1/audit/checkpoints`)
  t.equal(unauthenticated.status, 401, 'checkpoints are for auditors; the public key is public')
})

t.test('bad proof requests name the parameter', async (t) => {
  const h = await listening()
  t.teardown(h.close)
  await postEvents(h, samplingBatches('E', 4))
  const cases: [string, number, RegExp][] = [
    ['/v1/audit/proof/inclusion?position=5&treeSize=4', 400, /query\.position: 5 is not in a tree of 4/],
    ['/v1/audit/proof/inclusion?position=1&treeSize=9', 400, /query\.treeSize: 9 is beyond the log, which has 5 events/],
    ['/v1/audit/proof/inclusion?position=0', 400, /^query\.position: /],
    ['/v1/audit/proof/consistency?from=3&to=2', 400, /query\.from: 3 is larger than to/],
    ['/v1/audit/proof/consistency', 400, /^query\.from: is required/],
  ]
  for (const [url, status, message] of cases) {
    const response = await fetch(`${h.url}${url}`, { headers: { authorization: 'Bearer test-admin-key-0123456789' } })
    t.equal(response.status, status, url)
    t.match(((await response.json()) as any).error.message, message, url)
  }
})

t.test('the tree resumes from its side file and rebuilds the same roots when the file is gone', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-audit-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const first = await listening({ dataDir })
  await postEvents(first, samplingBatches('R', 50))
  const head = await checkpointNow(first)
  const proof = await getJson(`${first.url}/v1/audit/proof/inclusion?position=17&treeSize=${head.treeSize}`)
  await first.close()

  const resumed = await listening({ dataDir })
  t.equal(resumed.services.audit.tree.size(), 52, 'resumed at the size it had written (the plan, 50 batches, the head), without a rebuild')
  t.same(await getJson(`${resumed.url}/v1/audit/proof/inclusion?position=17&treeSize=${head.treeSize}`), proof)
  await resumed.close()

  rmSync(path.join(dataDir, 'merkle.db'))
  const rebuilt = await listening({ dataDir })
  await rebuilt.services.audit.tree.waitFor(52)
  t.same(await getJson(`${rebuilt.url}/v1/audit/proof/inclusion?position=17&treeSize=${head.treeSize}`), proof, 'the same proof after a rebuild')
  await rebuilt.close()
})
