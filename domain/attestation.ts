// What the ledger key signs, as canonical JSON (RFC 8785 for JSON values), so that anyone
// holding the public key can rebuild the exact bytes: signed tree heads (LedgerCheckpointed
// events) and attestations of compliance answers. Pure: times and keys are passed in.
import { z } from 'zod'
// canonicalJson is pure (no I/O); it lives beside the hash chain that uses it first.
import { canonicalJson } from './canonical-json.ts'

/** The stream of signed tree heads. */
export const ledgerStream = 'ledger'
export const ledgerCheckpointedType = 'LedgerCheckpointed'

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits')
const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')

/**
 * A signed tree head. `treeSize` counts the events of the log, in position order, that the
 * root covers: positions 1..treeSize on the embedded stores. The checkpoint event itself is
 * recorded later (at a position > treeSize), so it is never part of the tree it signs; it
 * becomes a leaf of the next one.
 */
export const LedgerCheckpointed = z.strictObject({
  treeSize: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** RFC 9162 root, hex. */
  rootHash: hex32,
  /** Ed25519 over treeHeadMessage(...), base64. */
  signature: base64,
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex (as RFC 9162 names logs). */
  keyId: hex32,
  /** The DER SubjectPublicKeyInfo, base64: the log describes itself; trust is pinning keyId. */
  publicKey: base64,
  signedAt: z.iso.datetime({ offset: true }),
})
export type LedgerCheckpointedData = z.infer<typeof LedgerCheckpointed>

export interface TreeHead {
  treeSize: number
  rootHash: string
  keyId: string
  signedAt: string
}

/** The bytes an Ed25519 tree-head signature covers. */
export const treeHeadMessage = ({ treeSize, rootHash, keyId, signedAt }: TreeHead): Buffer =>
  Buffer.from(canonicalJson({ kind: 'targetwatch/tree-head/v1', treeSize, rootHash, keyId, signedAt }), 'utf8')

/** Everything an attestation binds an answer to, except the signature. */
export interface AttestationContext {
  /** The route pattern, e.g. '/v1/targets/:id'. */
  route: string
  /** The parameters the answer was asked with (path and query), as given. */
  query: Record<string, string | number | boolean>
  /** The instant the catalog was evaluated at (the resolved `at`). */
  at: string
  /** The log prefix the figures were folded from: positions 1..treeSize, and its root. */
  treeSize: number
  rootHash: string
  projection: { name: string; version: number }
  /** The plan's document version (the name is the contract's, from before plans were data). */
  catalogVersion: string
  /** The plan and the revision of it the log held at treeSize (absent in attestations made before plans were data). */
  plan?: { id: string; revision: number }
  keyId: string
  /** DER SubjectPublicKeyInfo, base64 (trust comes from pinning keyId). */
  publicKey: string
  signedAt: string
}

export const AttestationSchema = z.strictObject({
  kind: z.literal('targetwatch/attestation/v1'),
  route: z.string(),
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  at: z.string(),
  treeSize: z.number().int().min(0),
  rootHash: hex32,
  projection: z.strictObject({ name: z.string(), version: z.number().int() }),
  catalogVersion: z.string(),
  plan: z.strictObject({ id: z.string(), revision: z.number().int().min(0) }).optional(),
  keyId: hex32,
  publicKey: base64,
  signedAt: z.iso.datetime({ offset: true }),
  /** Ed25519 over attestationMessage(answer, context), base64. */
  signature: base64,
})
export type Attestation = z.infer<typeof AttestationSchema>

/** The signed context of an attestation (everything but kind and signature). */
export const contextOf = ({ kind: _kind, signature: _signature, ...context }: Attestation): AttestationContext => context

/** The answer as a client receives it: JSON text parsed back (undefined dropped, no NaN). */
export const asReceived = (answer: unknown): unknown => JSON.parse(JSON.stringify(answer))

/** The bytes an attestation signature covers: the whole answer and its context. */
export const attestationMessage = (answer: unknown, context: AttestationContext): Buffer =>
  Buffer.from(canonicalJson({ kind: 'targetwatch/attestation/v1', answer: asReceived(answer), ...context }), 'utf8')

/** Splits a response body that carries `attestation` into the answer and the attestation. */
export const splitAttested = (body: Record<string, unknown>): { answer: Record<string, unknown>; attestation: unknown } => {
  const { attestation, ...answer } = body
  return { answer, attestation }
}
