// Liveness and readiness. Ready = the read models are within `readyLagEvents` of the log head
// and the log has not failed an integrity check (README "Integrity": then `reason` says why).
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Runner } from '../../runner/runner.ts'
import type { EventStore } from '../../store/port.ts'
import type { IntegrityGuard } from '../../audit/integrity.ts'
import { responseSchemaOf } from '../schemas.ts'

const Liveness = z.object({ ok: z.literal(true) }).meta({ examples: [{ ok: true }] })
const IntegrityView = z.object({
  source: z.enum(['startup', 'scrub', 'request']).meta({ description: 'what found it' }),
  check: z.string().meta({ description: "which check failed: sqlite (the file's structure), hash, chain, tree, position, …" }),
  position: z.number().int().nullable().meta({ description: 'the first log position affected, when known' }),
  message: z.string(),
  file: z.string().nullable(),
  detectedAt: z.string(),
})
const Readiness = z
  .object({
    ready: z.boolean(),
    head: z.number().int().meta({ description: "the log's last position" }),
    projected: z.number().int().meta({ description: 'the position the read models have reached' }),
    reason: z.string().optional().meta({ description: 'why not ready, when it is not the lag (an integrity finding: README "Integrity")' }),
    integrity: IntegrityView.optional().meta({ description: 'the first integrity finding, once the log failed a check' }),
  })
  .meta({ examples: [{ ready: true, head: 184, projected: 184 }] })
const NotReady = Readiness.meta({
  examples: [
    { ready: false, head: 5184, projected: 3130 },
    {
      ready: false,
      head: 184,
      projected: 184,
      reason: 'integrity violated: position 17: hash mismatch (hash, found by the start-up check at 2020-06-30T16:00:00.000Z)',
      integrity: { source: 'startup', check: 'hash', position: 17, message: 'hash mismatch', file: null, detectedAt: '2020-06-30T16:00:00.000Z' },
    },
  ],
})

export const healthRoutes = async (
  app: FastifyInstance,
  { store, runner, readyLagEvents, integrity }: { store: EventStore; runner: Runner; readyLagEvents: number; integrity: IntegrityGuard },
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
          503: { description: 'not ready: the read models are catching up, or the log failed an integrity check (`reason`, `integrity`), or the store is unavailable', ...responseSchemaOf(NotReady) },
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
