// OpenAPI 3 from the route schemas (which come from zod), served at /docs (UI) and /docs/json.
// Registered before any route (swagger collects routes as they are added): see services/http/app.ts.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { routeSchemaToOpenApi30 } from '../openapi-30.ts'
import { docsRouteSchemas } from '../openapi-docs-routes.ts'
import { type ShellLimits, withStandardResponses } from '../standard-responses.ts'

type RouteSchema = Record<string, unknown>

/** The document's form of a route schema: OpenAPI 3.0 schemas, and `security: []` on public routes. */
const documented = (url: string, schema: RouteSchema | undefined, access: unknown, limits: ShellLimits): RouteSchema | undefined => {
  const docs = docsRouteSchemas[url]
  // swagger-ui's routes are hidden, so plugins/responses.ts left them alone: their standard answers join here.
  const own = docs ? withStandardResponses({ method: 'GET', url, access: 'public', schema: docs.schema, limits }) : schema
  if (!own) return own
  const converted = routeSchemaToOpenApi30(own)
  // The global rule is a bearer key; a route declared public (config.access, plugins/auth.ts)
  // says in the document that it needs none. The docs routes are public too.
  return access === 'public' || docs ? { ...converted, security: [] } : converted
}

export const openapiPlugin = fp(
  async (app: FastifyInstance, { limits }: { limits: ShellLimits }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'targetwatch',
          version: '1',
          description:
            'Watches the numeric targets of the Guizhou Provincial Market Supervision Administration 2020 work plan ' +
            '(2020年全省市场监管工作要点). Reporting systems submit facts; every fact is appended to an event store; ' +
            'compliance is folded from the log. A method a path does not take is answered 405 with `Allow` ' +
            '(METHOD_NOT_ALLOWED); a path the API does not have, 404 (NOT_FOUND).',
        },
        components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'tw_<id>_<secret>' } } },
        security: [{ apiKey: [] }],
      },
      transform: ({ schema, url, route }) => ({
        schema: documented(url, schema as RouteSchema | undefined, route.config?.access, limits) as typeof schema,
        url: docsRouteSchemas[url]?.url ?? url,
      }),
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
  },
  { name: 'openapi', dependencies: ['responses'] },
)
