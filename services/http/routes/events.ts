// Ingest: one fact, or a batch judged item by item.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { ClientEventSchema } from '../../../domain/events.ts'
import { parseClientEvent } from '../../../domain/parse-event.ts'
import type { Ingest } from '../../ingest/submit.ts'
import { principalOf } from '../plugins/auth.ts'
import { stageHooks } from '../../stage-profile.ts'
import { errorResponse, jsonSchemaOf, parsedBy, zodPart } from '../schemas.ts'

const appended = {
  type: 'object',
  required: ['id', 'stream', 'revision', 'position'],
  properties: { id: { type: 'string' }, stream: { type: 'string' }, revision: { type: 'integer' }, position: { type: 'integer' } },
} as const

const batchItem = {
  type: 'object',
  required: ['index', 'status'],
  properties: {
    index: { type: 'integer' },
    status: { type: 'integer' },
    id: { type: 'string' },
    stream: { type: 'string' },
    revision: { type: 'integer' },
    position: { type: 'integer' },
    error: errorResponse.properties.error,
  },
} as const

export const eventRoutes = async (app: FastifyInstance, { ingest, maxBatch }: { ingest: Ingest; maxBatch: number }) => {
  const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse, 409: errorResponse, 413: errorResponse, 503: errorResponse }

  app.post(
    '/v1/events',
    {
      config: { access: ['reporter', 'admin'] },
      // Per-stage timing hooks, only when TARGETWATCH_PROFILE_STAGES is set (stage-profile.ts).
      ...stageHooks(),
      schema: {
        summary: 'Submit one indicator fact',
        tags: ['events'],
        body: parsedBy(jsonSchemaOf(ClientEventSchema), parseClientEvent),
        response: { 201: appended, 200: appended, ...errors },
      },
    },
    async (request, reply) => {
      const result = await ingest.submit(principalOf(request), request.body as ReturnType<typeof parseClientEvent>, request.id)
      const { status, ...body } = result
      return reply.status(status).send(body)
    },
  )

  const BatchBody = z.strictObject({
    events: z.array(z.unknown()).min(1, 'must hold at least one event').max(maxBatch, `must hold at most ${maxBatch} events`),
  })

  app.post(
    '/v1/events/batch',
    {
      config: { access: ['reporter', 'admin'] },
      schema: {
        summary: `Submit up to ${maxBatch} facts; each item is judged on its own`,
        tags: ['events'],
        body: zodPart(BatchBody),
        response: {
          200: { type: 'object', required: ['errors', 'items'], properties: { errors: { type: 'boolean' }, items: { type: 'array', items: batchItem } } },
          ...errors,
        },
      },
    },
    async (request) => {
      const { events } = request.body as z.infer<typeof BatchBody>
      const items = await ingest.submitBatch(principalOf(request), events, request.id)
      return { errors: items.some((item) => item.status >= 300), items }
    },
  )
}
