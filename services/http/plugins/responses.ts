// Adds the shell's standard answers (401, 403, 400, 413, 414, 415, 429, 503: see
// services/http/standard-responses.ts) to every route's response schema as it is added, so the
// OpenAPI document lists them and fastify serializes them. Registered before any route.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { type ShellLimits, withStandardResponses } from '../standard-responses.ts'

export const responsesPlugin = fp(
  async (app: FastifyInstance, { limits }: { limits: ShellLimits }) => {
    app.addHook('onRoute', (route) => {
      const schema = (route.schema ?? {}) as Record<string, unknown>
      if (schema.hide === true) return
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      route.schema = withStandardResponses({ method: methods[0]!, url: route.url, access: route.config?.access, schema, limits }) as typeof route.schema
    })
  },
  { name: 'responses', dependencies: ['auth'] },
)
