// Liveness and readiness. Ready = the read models are within `readyLagEvents` of the log head
// and the log has not failed an integrity check (README "Integrity": then `reason` says why).
import type { FastifyInstance } from 'fastify'
import type { Runner } from '../../runner/runner.ts'
import type { EventStore } from '../../store/port.ts'
import type { IntegrityGuard } from '../../audit/integrity.ts'

export const healthRoutes = async (
  app: FastifyInstance,
  { store, runner, readyLagEvents, integrity }: { store: EventStore; runner: Runner; readyLagEvents: number; integrity: IntegrityGuard },
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
      const projected = runner.position()
      const finding = integrity.finding()
      // The head of a damaged file may not be readable: readiness still answers.
      const head = await store.head().catch((error) => (finding ? projected : Promise.reject(error)))
      if (finding)
        return reply.status(503).send({
          ready: false,
          head,
          projected,
          reason: `integrity violated: ${integrity.describe(finding)}`,
          integrity: { source: finding.source, check: finding.check, position: finding.position, message: finding.message, file: finding.file, detectedAt: finding.detectedAt },
        })
      const ready = head - projected <= readyLagEvents
      return reply.status(ready ? 200 : 503).send({ ready, head, projected })
    },
  )
}

const readiness = {
  type: 'object',
  required: ['ready', 'head', 'projected'],
  properties: {
    ready: { type: 'boolean' },
    head: { type: 'integer' },
    projected: { type: 'integer' },
    /** Why not ready, when it is not the lag (an integrity finding). */
    reason: { type: 'string' },
    integrity: {
      type: 'object',
      properties: {
        source: { type: 'string' },
        check: { type: 'string' },
        position: { type: 'integer', nullable: true },
        message: { type: 'string' },
        file: { type: 'string', nullable: true },
        detectedAt: { type: 'string' },
      },
    },
  },
} as const
