// Liveness and readiness. Ready = the read models are within `readyLagEvents` of the log head.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Runner } from '../../runner/runner.ts'
import type { EventStore } from '../../store/port.ts'
import { responseSchemaOf } from '../schemas.ts'

const Liveness = z.object({ ok: z.literal(true) }).meta({ examples: [{ ok: true }] })
const Readiness = z
  .object({
    ready: z.boolean(),
    head: z.number().int().meta({ description: "the log's last position" }),
    projected: z.number().int().meta({ description: 'the position the read models have reached' }),
  })
  .meta({ examples: [{ ready: true, head: 184, projected: 184 }] })

export const healthRoutes = async (
  app: FastifyInstance,
  { store, runner, readyLagEvents }: { store: EventStore; runner: Runner; readyLagEvents: number },
) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public' },
      schema: { summary: 'Liveness: the process answers', tags: ['operations'], response: { 200: { description: 'alive', ...responseSchemaOf(Liveness) } } },
    },
    async () => ({ ok: true }) as const,
  )
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Readiness: the read models are within TARGETWATCH_READY_LAG_EVENTS of the log head',
        tags: ['operations'],
        response: {
          200: { description: 'ready', ...responseSchemaOf(Readiness) },
          503: { description: 'not ready: the read models are catching up (or the store is unavailable)', ...responseSchemaOf(Readiness) },
        },
      },
    },
    async (_request, reply) => {
      const head = await store.head()
      const projected = runner.position()
      const ready = head - projected <= readyLagEvents
      return reply.status(ready ? 200 : 503).send({ ready, head, projected })
    },
  )
}
