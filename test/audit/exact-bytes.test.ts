// Issue 15 item 8: README "Exact bytes" — an outside auditor's worked examples. Each value the
// README states is recomputed here from the bytes it states, with node:crypto alone (what an
// auditor would do), and the bytes themselves are rebuilt by the service's own code from the
// stated event / answer, so the README cannot drift from either.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { attestationMessage, contextOf, treeHeadMessage, AttestationSchema, splitAttested } from '../../domain/attestation.ts'
import { eventHash } from '../../services/store/hashing.ts'
import { eventLeaf } from '../../services/audit/tree.ts'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const section = readme.slice(readme.indexOf('### Exact bytes'), readme.indexOf('### Integrity'))

/** The one-line body of the fenced block whose info string carries `tag` (e.g. exact-bytes=tree-head). */
const block = (tag: string): string => {
  const match = new RegExp('```\\w+ ' + tag.replace(/[=-]/g, '\\$&') + '\\n([^]*?)\\n```').exec(section)
  if (!match) throw new Error(`README "Exact bytes": no block ${tag}`)
  return match[1]!
}
const results = (tag: string): Record<string, string> =>
  Object.fromEntries(block(tag).split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]))
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest()

const seedHex = /seed\s+`([0-9a-f]{64})`/.exec(section)![1]!
const statedSpki = /SubjectPublicKeyInfo is `([A-Za-z0-9+/=]+)`/.exec(section)![1]!
// PKCS#8 of an Ed25519 seed: the fixed 16-byte prefix of RFC 8410, then the 32 bytes.
const privateKey = createPrivateKey({ key: Buffer.from(`302e020100300506032b657004220420${seedHex}`, 'hex'), format: 'der', type: 'pkcs8' })
const publicKey = createPublicKey({ key: Buffer.from(statedSpki, 'base64'), format: 'der', type: 'spki' })

t.test('the key: the stated public key is the seed\'s, and keyId is SHA-256 of its DER bytes', async (t) => {
  t.equal(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64'), statedSpki)
  const keyId = sha256(Buffer.from(statedSpki, 'base64')).toString('hex')
  t.match(block('exact-bytes=tree-head'), `"keyId":"${keyId}"`, 'the head names that keyId')
})

t.test('1. meta.hash: SHA-256 of the stated bytes, and the service builds the same bytes from the stated event', async (t) => {
  const event = JSON.parse(block('exact-event=1'))
  const bytes = block('exact-bytes=event-hash')
  const byHand = sha256(Buffer.from(bytes, 'utf8')).toString('hex')
  t.equal(byHand, event.meta.hash, 'sha256(stated bytes) is the stated meta.hash')
  t.match(section, `→ \`${byHand}\``, 'and the README states it')
  t.equal(eventHash(event.meta.prevHash, event), event.meta.hash, "the service's hash of the event is the same")
  // The bytes are the canonical array the README describes, rebuilt field by field.
  const { hash: _hash, ...meta } = event.meta
  const sorted = (value: Record<string, unknown>) => Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)))
  const rebuilt = JSON.stringify([2, event.meta.prevHash, event.id, event.type, event.stream, event.revision, event.occurredAt, event.recordedAt, sorted(meta), sorted(event.data)])
  t.equal(rebuilt, bytes, '[2, prevHash, id, type, stream, revision, occurredAt, recordedAt, meta without hash, data]')
})

t.test('2. leaves and root: 0x00 ‖ hash bytes, 0x01 ‖ left ‖ right', async (t) => {
  const event = JSON.parse(block('exact-event=1'))
  const second = /at\s+position 2, an event whose `meta.hash` is\s+`([0-9a-f]{64})`/.exec(section)![1]!
  const stated = results('exact-result=tree')
  const leaf1 = sha256(Buffer.from([0]), Buffer.from(event.meta.hash, 'hex'))
  const leaf2 = sha256(Buffer.from([0]), Buffer.from(second, 'hex'))
  t.equal(leaf1.toString('hex'), stated['leaf 1'])
  t.equal(leaf2.toString('hex'), stated['leaf 2'])
  t.equal(sha256(Buffer.from([1]), leaf1, leaf2).toString('hex'), stated['root of 2'])
  t.equal(eventLeaf(event).toString('hex'), stated['leaf 1'], "the service's leaf of the event is the same")
})

t.test('3. a signed head: the stated bytes are what the service signs; the stated signature verifies and is the seed\'s', async (t) => {
  const bytes = Buffer.from(block('exact-bytes=tree-head'), 'utf8')
  const head = JSON.parse(bytes.toString('utf8'))
  const { signature } = results('exact-result=tree-head')
  t.equal(head.rootHash, results('exact-result=tree')['root of 2'], 'the head signs the root of example 2')
  t.ok(verify(null, bytes, publicKey, Buffer.from(signature!, 'base64')), 'Ed25519 verifies over the stated bytes')
  t.equal(sign(null, bytes, privateKey).toString('base64'), signature, 'and is what the seed signs (deterministic)')
  t.equal(treeHeadMessage(head).toString('utf8'), bytes.toString('utf8'), "the service's tree-head bytes are the same")
})

t.test('4. an attestation: the signed bytes leave signature out; the stated signature verifies', async (t) => {
  const body = JSON.parse(block('exact-attested=1'))
  const bytes = Buffer.from(block('exact-bytes=attestation'), 'utf8')
  const { answer, attestation } = splitAttested(body)
  const parsed = AttestationSchema.parse(attestation)
  t.notMatch(bytes.toString('utf8'), /"signature"/, 'no signature among the signed bytes')
  t.equal(attestationMessage(answer, contextOf(parsed)).toString('utf8'), bytes.toString('utf8'), "the service's attestation bytes are the same")
  t.ok(verify(null, bytes, publicKey, Buffer.from(parsed.signature, 'base64')), 'Ed25519 verifies over the stated bytes')
  t.equal(sign(null, bytes, privateKey).toString('base64'), parsed.signature, 'and is what the seed signs')
  t.equal(parsed.rootHash, results('exact-result=tree')['root of 2'])
  // By hand: the body without `attestation`, the attestation without `signature`, keys sorted.
  const { signature: _signature, ...signed } = body.attestation
  const canonical = (value: unknown): string =>
    Array.isArray(value)
      ? `[${value.map(canonical).join(',')}]`
      : value !== null && typeof value === 'object'
        ? `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`
        : JSON.stringify(value)
  t.equal(canonical({ ...signed, answer }), bytes.toString('utf8'), 'rebuilt by hand from the body')
})
