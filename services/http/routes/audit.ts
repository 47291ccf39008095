// /v1/audit: the history as NDJSON, signed tree heads, RFC 9162 proofs, the public key, and a
// verification of the whole store. Auditors and admins; the public key is public.
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { LedgerCheckpointed, ledgerStream } from '../../../domain/attestation.ts'
import { NotFound, ValidationError } from '../../../domain/errors.ts'
import type { Checkpoint } from '../../audit/checkpoints.ts'
import { exportChunks } from '../../audit/export.ts'
import {
  CheckpointCreated,
  CheckpointNotCreated,
  CheckpointsAnswer,
  CheckpointsQuery,
  ConsistencyAnswer,
  ConsistencyQuery,
  EventsQuery,
  InclusionAnswer,
  InclusionQuery,
  PublicKeyAnswer,
  VerifyAnswer,
} from '../../audit/schemas.ts'
import type { Services } from '../../services.ts'
import type { Position } from '../../store/port.ts'
import { errorResponse, responseSchemaOf, zodPart } from '../schemas.ts'

const auditors = ['auditor', 'admin'] as const

const NdjsonLines = z.string().meta({
  example:
    '{"id":"0193d1c2-7a00-7000-8000-000000000001","type":"SamplingBatchTested","stream":"sampling-ZY-2020-0001","revision":0,"position":2,"occurredAt":"2020-05-12T10:00:00+08:00","recordedAt":"2020-05-12T02:00:01.000Z","data":{"batchId":"ZY-2020-0001","region":"zunyi","stage":"catering","sampledOn":"2020-05-12","result":"pass"},"meta":{"principal":"key:k_zunyi","requestId":"req-1","prevHash":"0000000000000000000000000000000000000000000000000000000000000000","hash":"5f1d9b0c6a7e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b","schemaVersion":1,"hashVersion":2}}\n',
})

async function* exportOnce(audit: Services['audit'], query: EventsQuery): AsyncGenerator<string> {
  const reader = audit.openExportReader()
  try {
    yield* exportChunks(reader, query)
  } finally {
    reader.close()
  }
}
const hex = (hashes: Buffer[]) => hashes.map((hash) => hash.toString('hex'))

export const auditRoutes = async (app: FastifyInstance, { store, audit }: Pick<Services, 'store' | 'audit'>) => {
  const { tree, checkpoints, key } = audit

  /**
   * Waits until the tree has `size` leaves; a size beyond the log is the caller's mistake. Sizes
   * count events (RFC 9162 tree sizes); on EventStoreDB the head is a position, so the tree
   * first reaches it and says how many events the log holds there.
   */
  const treeOf = async (size: number, name: string) => {
    const head = await store.head()
    if (tree.dense) {
      if (size > head) throw new ValidationError(`${name}: ${size} is beyond the log, which has ${head} events`, { field: name, head })
      return tree.waitFor(size)
    }
    await tree.waitForPosition(head)
    const events = tree.sizeAt(head)
    if (size > events) throw new ValidationError(`${name}: ${size} is beyond the log, which has ${events} events`, { field: name, head: events })
  }

  /** The latest signed head when it covers `needed`, else the tree as it is now. */
  const defaultSize = (needed: number): number => {
    const latest = checkpoints.latest()
    return latest && latest.treeSize >= needed ? latest.treeSize : Math.max(needed, tree.size())
  }

  const checkpointAt = async (treeSize: number): Promise<Checkpoint | undefined> => {
    for await (const event of store.readStream(ledgerStream)) {
      const parsed = LedgerCheckpointed.safeParse(event.data)
      if (parsed.success && parsed.data.treeSize === treeSize && parsed.data.keyId === key.keyId) return { ...parsed.data, position: event.position }
    }
    return undefined
  }

  app.get(
    '/v1/audit/events',
    {
      config: { access: auditors },
      schema: {
        summary: 'The log as NDJSON (one event with its envelope per line, in position order), streamed',
        description:
          'from/to select positions (from exclusive, to inclusive); recordedFrom/recordedTo select by recordedAt (inclusive); ' +
          'stream and type filter. The range is fixed when the export starts, so it is a consistent prefix of the log.',
        tags: ['audit'],
        querystring: zodPart(EventsQuery, 'query'),
        response: {
          200: {
            description: 'one RecordedEvent per line, as GET /v1/streams/{stream} gives them: {id, type, stream, revision, position, occurredAt, recordedAt, data, meta}',
            content: { 'application/x-ndjson': { schema: responseSchemaOf(NdjsonLines) } },
          },
          400: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const query = request.query as EventsQuery
      // Readable.from + fastify's pipe honour back-pressure: a slow client pauses the reads; a
      // client that goes away ends the generator, whose finally closes the reader.
      reply.header('content-type', 'application/x-ndjson; charset=utf-8')
      return reply.send(Readable.from(exportOnce(audit, query), { objectMode: false }))
    },
  )

  app.get(
    '/v1/audit/checkpoints',
    {
      config: { access: auditors },
      schema: {
        summary: 'Signed tree heads (LedgerCheckpointed events of the `ledger` stream)',
        tags: ['audit'],
        querystring: zodPart(CheckpointsQuery, 'query'),
        response: { 200: { description: 'the signed heads from fromRevision (at most limit), the latest, and how much of the log is unsigned', ...responseSchemaOf(CheckpointsAnswer) }, 400: errorResponse },
      },
    },
    async (request) => {
      const { fromRevision = 0, limit = 1000 } = request.query as { fromRevision?: number; limit?: number }
      const list: Checkpoint[] = []
      for await (const event of store.readStream(ledgerStream, { fromRevision, limit })) {
        const parsed = LedgerCheckpointed.safeParse(event.data)
        if (parsed.success) list.push({ ...parsed.data, position: event.position })
      }
      return { checkpoints: list, latest: checkpoints.latest(), treeSize: tree.size(), unsigned: checkpoints.unsigned() }
    },
  )

  app.post(
    '/v1/audit/checkpoints',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Sign a tree head now (otherwise every N events or T seconds)',
        tags: ['audit'],
        response: {
          201: { description: 'a head signed now', ...responseSchemaOf(CheckpointCreated) },
          200: { description: 'nothing new to sign since the latest head', ...responseSchemaOf(CheckpointNotCreated) },
        },
      },
    },
    async (_request, reply) => {
      await tree.waitForPosition(await store.head())
      const created = await checkpoints.checkpoint()
      if (created) return reply.status(201).send(created)
      return { created: false, latest: checkpoints.latest() }
    },
  )

  app.get(
    '/v1/audit/proof/inclusion',
    {
      config: { access: auditors },
      schema: {
        summary: 'RFC 9162 inclusion proof of the event at `position` in the tree of `treeSize` events',
        description: 'treeSize defaults to the latest signed head when it covers the position, else the current tree.',
        tags: ['audit'],
        querystring: zodPart(InclusionQuery, 'query'),
        rules: ['position larger than treeSize', "position or treeSize beyond the log's head (the message gives the head)"],
        response: { 200: { description: 'the audit path', ...responseSchemaOf(InclusionAnswer) }, 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const { position, treeSize: asked } = request.query as { position: Position; treeSize?: number }
      // The leaf of the event at `position`: position - 1 on the dense stores; on EventStoreDB
      // the side file's recorded positions say (docs/ARCHITECTURE.md, "Audit").
      let leafIndex = position - 1
      if (!tree.dense) {
        const head = await store.head()
        if (position > head) throw new ValidationError(`query.position: ${position} is beyond the log, whose last event is at ${head}`, { field: 'position', head })
        await tree.waitForPosition(position)
        const found = tree.leafIndexOf(position)
        if (found === undefined) throw new NotFound(`no event at position ${position}`, { position })
        leafIndex = found
      }
      const treeSize = asked ?? defaultSize(leafIndex + 1)
      if (leafIndex >= treeSize) throw new ValidationError(`query.position: ${position} is not in a tree of ${treeSize} events`, { field: 'position' })
      // Without treeSize, a position beyond the log is the position's fault: the message names it.
      await treeOf(treeSize, asked === undefined ? 'query.position' : 'query.treeSize')
      let eventHash: string | undefined
      const from = tree.dense ? position - 1 : (tree.positionOf(leafIndex - 1) ?? 0)
      for await (const event of store.readAll({ from, to: position })) if (event.position === position) eventHash = event.meta.hash
      if (eventHash === undefined) throw new NotFound(`no event at position ${position}`, { position })
      const checkpoint = await checkpointAt(treeSize)
      return {
        position,
        leafIndex,
        treeSize,
        eventHash,
        leafHash: tree.leafAt(leafIndex)!.toString('hex'),
        rootHash: tree.root(treeSize).toString('hex'),
        proof: hex(tree.inclusionProof(leafIndex, treeSize)),
        ...(checkpoint ? { checkpoint } : {}),
      }
    },
  )

  app.get(
    '/v1/audit/proof/consistency',
    {
      config: { access: auditors },
      schema: {
        summary: 'RFC 9162 consistency proof: the tree of `from` events is a prefix of the tree of `to` events',
        description: 'to defaults to the latest signed head when it is at least `from`, else the current tree.',
        tags: ['audit'],
        querystring: zodPart(ConsistencyQuery, 'query'),
        rules: ['from larger than to', "from or to beyond the log's head (the message gives the head)"],
        response: { 200: { description: 'the consistency proof', ...responseSchemaOf(ConsistencyAnswer) }, 400: errorResponse },
      },
    },
    async (request) => {
      const { from, to: asked } = request.query as { from: number; to?: number }
      const to = asked ?? defaultSize(from)
      if (from > to) throw new ValidationError(`query.from: ${from} is larger than to (${to})`, { field: 'from' })
      await treeOf(to, asked === undefined ? 'query.from' : 'query.to')
      return {
        from,
        to,
        fromRoot: tree.root(from).toString('hex'),
        toRoot: tree.root(to).toString('hex'),
        proof: hex(tree.consistencyProof(from, to)),
      }
    },
  )

  app.get(
    '/v1/audit/public-key',
    {
      config: { access: 'public' },
      schema: { summary: 'The Ed25519 key that signs tree heads and attestations', tags: ['audit'], response: { 200: { description: 'the key', ...responseSchemaOf(PublicKeyAnswer) } } },
    },
    async () => ({ algorithm: 'Ed25519', keyId: key.keyId, publicKey: key.publicKey, publicKeyPem: key.publicKeyPem }),
  )

  app.get(
    '/v1/audit/verify',
    {
      config: { access: auditors },
      schema: {
        summary: 'Recompute every hash chain and the Merkle tree from storage and check every signed head',
        description: 'On the SQLite store this reads the file itself, read-only. Cost grows with the log: minutes at 10M events.',
        tags: ['audit'],
        response: { 200: { description: 'the verification report: ok is false when anything is wrong', ...responseSchemaOf(VerifyAnswer) } },
      },
    },
    async () => audit.verify(),
  )
}
