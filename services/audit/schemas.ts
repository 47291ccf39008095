// Request and response shapes of the /v1/audit routes (zod; the routes make JSON Schema of them).
import { z } from 'zod'
import { LedgerCheckpointed } from '../../domain/attestation.ts'
import { instant } from '../../domain/events.ts'
import { answerOf } from '../http/schemas.ts'
import type { Checkpoint } from './checkpoints.ts'
import type { Problem, VerifyReport } from './verify.ts'

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

// Answers: zod, checked against the services' types (answerOf), made JSON Schema by the routes.
const hex = z.string().regex(/^[0-9a-f]{64}$/)
const hexList = z.array(hex)
const rootExample = '3c9a1a6f0e8b5d2c7f4e1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d'
const keyIdExample = '9f2c4b7e1d0a8c6b5e4f3d2c1b0a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2e'
const publicKeyExample = 'MCowBQYDK2VwAyEA0n2qvMhVQy2b3Q4Bz0ZsS3m1qUoXy8y3ZKQvY1gqR5E='

export const CheckpointView = answerOf<Checkpoint>()(
  LedgerCheckpointed.extend({
    position: z.number().int().meta({ description: 'where the LedgerCheckpointed event itself was recorded (> treeSize)' }),
    treeSize: LedgerCheckpointed.shape.treeSize.meta({ description: 'the head signs the tree over positions 1..treeSize' }),
    signature: LedgerCheckpointed.shape.signature.meta({
      description: 'Ed25519, base64, over the canonical JSON {keyId, kind:"targetwatch/tree-head/v1", rootHash, signedAt, treeSize} (README "Exact bytes")',
    }),
    publicKey: LedgerCheckpointed.shape.publicKey.meta({ description: 'DER SubjectPublicKeyInfo, base64' }),
  }),
)
const checkpointExample = {
  position: 185,
  treeSize: 184,
  rootHash: rootExample,
  signature: 'q1Zb0n0m2yZx7C8w4s4s9pX2m0V5cQyq0m9a5Vt3q6k3y1Yt0Yf5m5n2wq4d0b8r3l9cJzv1m7dM2k4Lq8r0Cw==',
  keyId: keyIdExample,
  publicKey: publicKeyExample,
  signedAt: '2020-06-30T16:00:00.000Z',
}

export const CheckpointCreated = CheckpointView.meta({ examples: [checkpointExample] })
export const CheckpointNotCreated = z
  .object({ created: z.literal(false).meta({ description: 'no event since the latest head: nothing to sign' }), latest: CheckpointView.nullable() })
  .meta({ examples: [{ created: false, latest: checkpointExample }] })

export const CheckpointsAnswer = z
  .object({
    checkpoints: z.array(CheckpointView),
    latest: CheckpointView.nullable(),
    treeSize: z.number().int().meta({ description: 'leaves in the tree now' }),
    unsigned: z.number().int().meta({ description: 'events not yet covered by a signed head (checkpoint events excluded)' }),
  })
  .meta({ examples: [{ checkpoints: [checkpointExample], latest: checkpointExample, treeSize: 185, unsigned: 0 }] })

export const PublicKeyAnswer = z
  .object({
    algorithm: z.literal('Ed25519'),
    keyId: hex.meta({ description: 'SHA-256 of the DER SubjectPublicKeyInfo' }),
    publicKey: z.string().meta({ description: 'DER SubjectPublicKeyInfo, base64' }),
    publicKeyPem: z.string(),
  })
  .meta({
    examples: [{ algorithm: 'Ed25519', keyId: keyIdExample, publicKey: publicKeyExample, publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${publicKeyExample}\n-----END PUBLIC KEY-----\n` }],
  })

export const InclusionAnswer = z
  .object({
    position: z.number().int(),
    leafIndex: z.number().int().meta({ description: 'position - 1 (on EventStoreDB: the event\'s order in the log, from 0)' }),
    treeSize: z.number().int(),
    eventHash: hex.meta({ description: "the event's meta.hash" }),
    leafHash: hex.meta({ description: 'SHA-256(0x00 || the 32 bytes of the event hash)' }),
    rootHash: hex,
    proof: hexList.meta({ description: 'RFC 9162 audit path, from the leaf up' }),
    checkpoint: CheckpointView.optional().meta({ description: 'the signed head of this tree size, when there is one' }),
  })
  .meta({
    examples: [
      {
        position: 2,
        leafIndex: 1,
        treeSize: 3,
        eventHash: '5f1d9b0c6a7e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b',
        leafHash: 'a0b1c2d3e4f5061728394a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f',
        rootHash: rootExample,
        proof: ['0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', '1122334455667788990011223344556677889900112233445566778899001122'],
      },
    ],
  })

export const ConsistencyAnswer = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    fromRoot: hex,
    toRoot: hex,
    proof: hexList.meta({ description: 'RFC 9162 consistency proof' }),
  })
  .meta({
    examples: [{ from: 2, to: 3, fromRoot: '2233445566778899001122334455667788990011223344556677889900112233', toRoot: rootExample, proof: ['3344556677889900112233445566778899001122334455667788990011223344'] }],
  })

const ProblemView = answerOf<Problem>()(
  z.object({
    position: z.number().int().nullable(),
    check: z.enum(['sqlite', 'position', 'decode', 'hash', 'chain', 'order', 'recorded-at', 'streams', 'checkpoint', 'tree', 'truncation', 'fold']),
    message: z.string(),
  }),
)

export const VerifyAnswer = answerOf<VerifyReport>()(
  z
    .object({
      ok: z.boolean(),
      checked: z.number().int().meta({ description: 'events read' }),
      head: z.number().int().meta({ description: 'last position read' }),
      firstBadPosition: z.number().int().optional(),
      problem: z.string().optional(),
      problems: z.array(ProblemView).meta({ description: 'the first problems by position (at most 100)' }),
      signedHeads: z.object({
        checked: z.number().int(),
        latest: z.object({ treeSize: z.number().int(), rootHash: z.string(), keyId: z.string(), signedAt: z.string() }).nullable(),
      }),
      keys: z.array(z.object({ keyId: z.string(), trusted: z.boolean(), heads: z.number().int() })),
      hashVersions: z
        .object({ '1': z.number().int(), '2': z.number().int() })
        .meta({ description: 'events by the hash version they were written with (README "Hash versions")' }),
      notes: z.array(z.string()),
    })
    .meta({
      examples: [
        {
          ok: true,
          checked: 185,
          head: 185,
          problems: [],
          signedHeads: { checked: 1, latest: { treeSize: 184, rootHash: rootExample, keyId: keyIdExample, signedAt: '2020-06-30T16:00:00.000Z' } },
          keys: [{ keyId: keyIdExample, trusted: true, heads: 1 }],
          hashVersions: { '1': 0, '2': 185 },
          notes: [],
        },
      ],
    }),
)
