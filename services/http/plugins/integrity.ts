// While the log has failed an integrity check (services/audit/integrity.ts) the service is
// read-only for diagnosis: every write, proof, attestation and read model answer is refused
// with 503 INTEGRITY_VIOLATED naming what was found and where; health, readiness, metrics,
// the docs, the dashboard page and the audit routes that read the raw log (verify, export,
// checkpoints, public key) still answer. README "Integrity"; docs/ARCHITECTURE.md section 4.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { IntegrityGuard } from '../../audit/integrity.ts'

/** GET routes that still answer: they read the raw file or say what is wrong. */
const diagnosisRoutes = new Set(['/healthz', '/readyz', '/metrics', '/v1/audit/verify', '/v1/audit/events', '/v1/audit/checkpoints', '/v1/audit/public-key'])

const stillServed = (method: string, route: string | undefined): boolean =>
  (method === 'GET' || method === 'HEAD') && route !== undefined && (diagnosisRoutes.has(route) || !route.startsWith('/v1/'))

export const integrityPlugin = fp(
  async (app: FastifyInstance, { integrity }: { integrity: IntegrityGuard }) => {
    app.addHook('onRequest', async (request) => {
      if (!integrity.finding() || stillServed(request.method, request.routeOptions.url)) return
      integrity.ensureIntact(`${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`)
    })
  },
  { name: 'integrity', dependencies: ['errors'] },
)
