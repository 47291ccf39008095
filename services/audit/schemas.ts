// Request (zod) and response (JSON Schema) shapes of the /v1/audit routes.
import { z } from 'zod'
import { instant } from '../../domain/events.ts'

const position = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const size = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER)

export const EventsQuery = z.strictObject({
  from: position.optional(),
  to: position.optional(),
  stream: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(100).optional(),
  recordedFrom: instant.optional(),
  recordedTo: instant.optional(),
})
export type EventsQuery = z.infer<typeof EventsQuery>

export const InclusionQuery = z.strictObject({ position: size, treeSize: size.optional() })
export const ConsistencyQuery = z.strictObject({ from: size, to: size.optional() })
export const CheckpointsQuery = z.strictObject({
  fromRevision: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
})

const hex = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const
const hexList = { type: 'array', items: hex } as const

export const checkpointSchema = {
  type: 'object',
  required: ['position', 'treeSize', 'rootHash', 'signature', 'keyId', 'publicKey', 'signedAt'],
  properties: {
    position: { type: 'integer', description: 'where the LedgerCheckpointed event itself was recorded (> treeSize)' },
    treeSize: { type: 'integer', description: 'the head signs the tree over positions 1..treeSize' },
    rootHash: hex,
    signature: { type: 'string', description: 'Ed25519, base64, over the canonical JSON {kind:"targetwatch/tree-head/v1", keyId, rootHash, signedAt, treeSize}' },
    keyId: hex,
    publicKey: { type: 'string', description: 'DER SubjectPublicKeyInfo, base64' },
    signedAt: { type: 'string' },
  },
} as const

export const checkpointsResponse = {
  type: 'object',
  required: ['checkpoints', 'treeSize', 'unsigned'],
  properties: {
    checkpoints: { type: 'array', items: checkpointSchema },
    latest: { ...checkpointSchema, nullable: true },
    treeSize: { type: 'integer', description: 'leaves in the tree now' },
    unsigned: { type: 'integer', description: 'events not yet covered by a signed head (checkpoint events excluded)' },
  },
} as const

export const publicKeyResponse = {
  type: 'object',
  required: ['algorithm', 'keyId', 'publicKey', 'publicKeyPem'],
  properties: {
    algorithm: { type: 'string', enum: ['Ed25519'] },
    keyId: { ...hex, description: 'SHA-256 of the DER SubjectPublicKeyInfo' },
    publicKey: { type: 'string', description: 'DER SubjectPublicKeyInfo, base64' },
    publicKeyPem: { type: 'string' },
  },
} as const

export const inclusionResponse = {
  type: 'object',
  required: ['position', 'leafIndex', 'treeSize', 'eventHash', 'leafHash', 'rootHash', 'proof'],
  properties: {
    position: { type: 'integer' },
    leafIndex: { type: 'integer', description: 'position - 1' },
    treeSize: { type: 'integer' },
    eventHash: { ...hex, description: "the event's meta.hash" },
    leafHash: { ...hex, description: 'SHA-256(0x00 || event hash bytes)' },
    rootHash: hex,
    proof: { ...hexList, description: 'RFC 9162 audit path, from the leaf up' },
    checkpoint: { ...checkpointSchema, description: 'the signed head of this tree size, when there is one' },
  },
} as const

export const consistencyResponse = {
  type: 'object',
  required: ['from', 'to', 'fromRoot', 'toRoot', 'proof'],
  properties: {
    from: { type: 'integer' },
    to: { type: 'integer' },
    fromRoot: hex,
    toRoot: hex,
    proof: { ...hexList, description: 'RFC 9162 consistency proof' },
  },
} as const

const problem = {
  type: 'object',
  required: ['position', 'check', 'message'],
  properties: { position: { type: 'integer', nullable: true }, check: { type: 'string' }, message: { type: 'string' } },
} as const

export const verifyResponse = {
  type: 'object',
  required: ['ok', 'checked', 'head', 'problems', 'signedHeads', 'keys', 'notes'],
  properties: {
    ok: { type: 'boolean' },
    checked: { type: 'integer' },
    head: { type: 'integer' },
    firstBadPosition: { type: 'integer' },
    problem: { type: 'string' },
    problems: { type: 'array', items: problem },
    signedHeads: {
      type: 'object',
      required: ['checked', 'latest'],
      properties: {
        checked: { type: 'integer' },
        latest: {
          type: 'object',
          nullable: true,
          properties: { treeSize: { type: 'integer' }, rootHash: { type: 'string' }, keyId: { type: 'string' }, signedAt: { type: 'string' } },
        },
      },
    },
    keys: {
      type: 'array',
      items: { type: 'object', properties: { keyId: { type: 'string' }, trusted: { type: 'boolean' }, heads: { type: 'integer' } } },
    },
    hashVersions: {
      type: 'object',
      description: 'events by the hash version they were written with (1: id, type, stream, revision, occurredAt, data; 2: every recorded field)',
      properties: { '1': { type: 'integer' }, '2': { type: 'integer' } },
    },
    notes: { type: 'array', items: { type: 'string' } },
  },
} as const
