// Liveness and readiness. Ready = the read models are within `readyLagEvents` of the log head.
import type { FastifyInstance } from 'fastify'
import type { Runner } from '../../runner/runner.ts'
import type { EventStore } from '../../store/port.ts'

export const healthRoutes = async (
  app: FastifyInstance,
  { store, runner, readyLagEvents }: { store: EventStore; runner: Runner; readyLagEvents: number },
) => {
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['operations'] } }, async () => ({ ok: true }))
  app.get(
    '/readyz',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        response: {
          '2xx': readiness,
          503: readiness,
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

const readiness = {
  type: 'object',
  required: ['ready', 'head', 'projected'],
  properties: { ready: { type: 'boolean' }, head: { type: 'integer' }, projected: { type: 'integer' } },
} as const
