// One stream's events with their envelopes, for auditors.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { NotFound } from '../../../domain/errors.ts'
import type { EventStore, RecordedEvent } from '../../store/port.ts'
import { errorResponse, zodPart } from '../schemas.ts'

export const streamRoutes = async (app: FastifyInstance, { store }: { store: EventStore }) => {
  app.get(
    '/v1/streams/:stream',
    {
      config: { access: ['auditor', 'admin'] },
      schema: {
        summary: "A stream's events with envelopes (id, revision, position, times, data, meta with hashes)",
        tags: ['audit'],
        params: zodPart(z.object({ stream: z.string().min(1).max(200) }), 'params'),
        querystring: zodPart(
          z.object({ fromRevision: z.coerce.number().int().min(0).optional(), limit: z.coerce.number().int().min(1).max(10_000).optional() }),
          'query',
        ),
        response: { 404: errorResponse },
      },
    },
    async (request) => {
      const { stream } = request.params as { stream: string }
      const { fromRevision, limit = 1000 } = request.query as { fromRevision?: number; limit?: number }
      const events: RecordedEvent[] = []
      for await (const event of store.readStream(stream, { fromRevision: fromRevision ?? 0, limit })) events.push(event)
      if (events.length === 0 && !fromRevision) throw new NotFound(`stream ${stream} has no events`, { stream })
      return { stream, events }
    },
  )
}
