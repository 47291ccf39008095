// OpenAPI 3 from the route schemas (which come from zod), served at /docs (UI) and /docs/json.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { routeSchemaToOpenApi30 } from '../openapi-30.ts'

export const openapiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'targetwatch',
          version: '1',
          description:
            'Watches the numeric targets of the Guizhou Provincial Market Supervision Administration 2020 work plan ' +
            '(2020年全省市场监管工作要点). Reporting systems submit facts; every fact is appended to an event store; ' +
            'compliance is folded from the log.',
        },
        components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'tw_<id>_<secret>' } } },
        security: [{ apiKey: [] }],
      },
      // Route schemas are JSON Schema (zod's openapi-3.0 output, and the draft-07 plan schema):
      // the document gets their OpenAPI 3.0 form (services/http/openapi-30.ts).
      transform: ({ schema, url }) => ({ schema: schema ? (routeSchemaToOpenApi30(schema as Record<string, unknown>) as typeof schema) : schema, url }),
    })
    await app.register(swaggerUi, { routePrefix: '/docs' })
  },
  { name: 'openapi' },
)
