// One stream's events with their envelopes, for auditors.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { RecordedEvent } from '../../../domain/envelope.ts'
import { NotFound } from '../../../domain/errors.ts'
import type { EventStore } from '../../store/port.ts'
import { answerOf, errorResponse, responseSchemaOf, zodPart } from '../schemas.ts'

const hash = z.string().regex(/^[0-9a-f]{64}$/)

/** The envelope (docs/ARCHITECTURE.md section 3; what meta.hash covers: README "Hash versions"). */
export const RecordedEventView = answerOf<RecordedEvent>()(
  z.object({
    id: z.string(),
    type: z.string(),
    stream: z.string(),
    revision: z.number().int().meta({ description: 'its place in the stream, from 0' }),
    position: z.number().int().meta({ description: 'its place in the global log, from 1' }),
    occurredAt: z.string(),
    recordedAt: z.string(),
    data: z.unknown(),
    meta: z.object({
      principal: z.string().meta({ description: 'the key (or system part) that submitted it' }),
      requestId: z.string(),
      prevHash: hash.meta({ description: "the previous event's hash in this stream; 64 zeros for the first" }),
      hash: hash.meta({ description: 'SHA-256 over the canonical JSON of the fields its hash version covers' }),
      schemaVersion: z.number().int(),
      hashVersion: z.union([z.literal(1), z.literal(2)]).optional(),
      correlationId: z.string().optional(),
      causationId: z.string().optional(),
    }),
  }),
)

const StreamAnswer = z.object({ stream: z.string(), events: z.array(RecordedEventView) }).meta({
  examples: [
    {
      stream: 'sampling-ZY-2020-0001',
      events: [
        {
          id: '0193d1c2-7a00-7000-8000-000000000001',
          type: 'SamplingBatchTested',
          stream: 'sampling-ZY-2020-0001',
          revision: 0,
          position: 2,
          occurredAt: '2020-05-12T10:00:00+08:00',
          recordedAt: '2020-05-12T02:00:01.000Z',
          data: { batchId: 'ZY-2020-0001', region: 'zunyi', stage: 'catering', sampledOn: '2020-05-12', result: 'pass' },
          meta: {
            principal: 'key:k_zunyi',
            requestId: 'req-1',
            prevHash: '0'.repeat(64),
            hash: '5f1d9b0c6a7e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b',
            schemaVersion: 1,
            hashVersion: 2,
          },
        },
      ],
    },
  ],
})

const StreamParams = z.object({ stream: z.string().min(1).max(200) })
const StreamQuery = z.strictObject({
  fromRevision: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
})

export const streamRoutes = async (app: FastifyInstance, { store }: { store: EventStore }) => {
  const hasEvents = async (stream: string): Promise<boolean> => {
    for await (const _event of store.readStream(stream, { fromRevision: 0, limit: 1 })) return true
    return false
  }
  app.get(
    '/v1/streams/:stream',
    {
      config: { access: ['auditor', 'admin'] },
      schema: {
        summary: "A stream's events with envelopes (id, revision, position, times, data, meta with hashes)",
        description: 'From revision fromRevision (default 0), at most limit events (default 1000). A stream with no events is 404 (with any fromRevision); fromRevision past the end of a stream that has events answers events: [].',
        tags: ['audit'],
        params: zodPart(StreamParams, 'params'),
        querystring: zodPart(StreamQuery, 'query'),
        response: {
          200: { description: 'the events, in revision order', ...responseSchemaOf(StreamAnswer) },
          404: { description: 'NOT_FOUND: the stream has no events', ...errorResponse },
        },
      },
    },
    async (request) => {
      const { stream } = request.params as z.infer<typeof StreamParams>
      const { fromRevision, limit = 1000 } = request.query as z.infer<typeof StreamQuery>
      const events: RecordedEvent[] = []
      for await (const event of store.readStream(stream, { fromRevision: fromRevision ?? 0, limit })) events.push(event)
      // A stream with no events is 404 whatever fromRevision says; past the end of one that has them: [].
      if (events.length === 0 && !(fromRevision && (await hasEvents(stream)))) throw new NotFound(`stream ${stream} has no events`, { stream })
      return { stream, events }
    },
  )
}
