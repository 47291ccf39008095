// A request for a path the API has, with a method it does not take there, is 405 with `Allow`
// listing the methods it takes (RFC 9110 §15.5.6); a path the API does not have stays 404.
// The routes are learned as they are added (onRoute), so this plugin is registered before any
// route. docs/ARCHITECTURE.md section 4; README "The OpenAPI document".
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

interface KnownPath {
  pattern: RegExp
  methods: Set<string>
}

const escape = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')

/** `/v1/webhooks/:id/test` → /^\/v1\/webhooks\/[^/]+\/test$/; `*` matches the rest of the path. */
const patternOf = (url: string): RegExp =>
  new RegExp(
    `^${url
      .split('/')
      .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : escape(segment)))
      .join('/')}$`,
  )

export const methodNotAllowedPlugin = fp(
  async (app: FastifyInstance) => {
    const known = new Map<string, KnownPath>()
    app.addHook('onRoute', (route) => {
      const entry = known.get(route.url) ?? { pattern: patternOf(route.url), methods: new Set<string>() }
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) entry.methods.add(method.toUpperCase())
      known.set(route.url, entry)
    })
    /** The methods the API takes on `path`, or none when it has no such path. */
    const allowedOn = (path: string): string[] => {
      const methods = new Set<string>()
      for (const { pattern, methods: taken } of known.values()) if (pattern.test(path)) taken.forEach((method) => methods.add(method))
      return [...methods].sort()
    }
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0]!
      const allowed = allowedOn(path)
      if (allowed.length > 0 && !allowed.includes(request.method))
        return reply
          .status(405)
          .header('allow', allowed.join(', '))
          .send({ error: { code: 'METHOD_NOT_ALLOWED', message: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`, details: { allow: allowed } } })
      return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${path}` } })
    })
  },
  { name: 'method-not-allowed', dependencies: ['errors'] },
)
