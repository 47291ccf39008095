// Authentication (Bearer API key) and role checks. Every route declares who may call it in
// `config.access`: 'public' or the list of roles; a route without it fails at boot.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { Forbidden, RateLimited, Unauthorized } from '../../../domain/errors.ts'
import { createFailureLimiter } from './auth-failures.ts'
import type { KeyService } from '../../auth/keys.ts'
import { now, profilingStages, record } from '../../stage-profile.ts'
import type { Principal, Role } from '../../auth/principal.ts'

export type Access = 'public' | readonly Role[]

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

export const bearerToken = (request: FastifyRequest): string | null => {
  const header = request.headers.authorization
  if (!header) return null
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match ? match[1]! : null
}

/** The authenticated principal of a route that is not public. */
export const principalOf = (request: FastifyRequest): Principal => {
  if (!request.principal) throw new Unauthorized()
  return request.principal
}

export const authPlugin = fp(
  async (app: FastifyInstance, { keys, failuresPerMinute = 0 }: { keys: KeyService; failuresPerMinute?: number }) => {
    // Wrong keys per client address (auth-failures.ts); 0 = no limit.
    const failures = failuresPerMinute > 0 ? createFailureLimiter({ perWindow: failuresPerMinute }) : null
    app.decorateRequest('principal', null)
    app.addHook('onRoute', (route) => {
      if (route.config?.access === undefined && !route.url.startsWith('/docs'))
        throw new Error(`${route.method} ${route.url}: declare config.access ('public' or roles)`)
    })
    app.addHook('onRequest', async (request, reply) => {
      const access = request.routeOptions.config.access
      if (access === undefined || access === 'public') return
      const token = bearerToken(request)
      if (!token) throw new Unauthorized()
      const waitMs = failures?.blockedFor(request.ip) ?? 0
      if (waitMs > 0) {
        const retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000))
        void reply.header('retry-after', String(retryAfterSeconds))
        throw new RateLimited(`more than ${failures!.perWindow} failed authentications a minute from ${request.ip}; retry after ${retryAfterSeconds} s`, {
          limitPerMinute: failures!.perWindow,
          retryAfterSeconds,
        })
      }
      const since = profilingStages ? now() : 0n
      const principal = keys.authenticate(token)
      if (profilingStages) record('http.auth', since)
      if (!principal) {
        failures?.record(request.ip)
        throw new Unauthorized('API key is unknown or revoked')
      }
      if (!access.includes(principal.role))
        throw new Forbidden(`role ${principal.role} may not ${request.method} ${request.routeOptions.url}; allowed: ${access.join(', ')}`)
      request.principal = principal
    })
  },
  { name: 'auth', dependencies: ['errors'] },
)
