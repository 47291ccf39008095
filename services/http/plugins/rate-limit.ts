// Rate limiting per API key (per client address for routes without a key), with 429 and
// Retry-After. It runs after authentication (its hook is registered later), so a key's budget
// is its own however many addresses it comes from.
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { RateLimited } from '../../../domain/errors.ts'

export interface RateLimitSettings {
  /** Requests per minute per key; 0 turns limiting off. */
  perMinute: number
}

export const rateLimitPlugin = fp(
  async (app: FastifyInstance, { perMinute }: RateLimitSettings) => {
    if (perMinute === 0) return
    await app.register(rateLimit, {
      global: true,
      max: perMinute,
      timeWindow: 60_000,
      hook: 'onRequest',
      keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
      addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
      errorResponseBuilder: (_request, context) =>
        new RateLimited(`more than ${context.max} requests a minute for this key; retry after ${context.after}`, {
          limitPerMinute: context.max,
          retryAfterSeconds: Math.ceil(context.ttl / 1000),
        }),
    })
  },
  { name: 'rate-limit', dependencies: ['auth', 'errors'] },
)
