// The documentation's own routes (registered by @fastify/swagger-ui, hidden there) as the
// document describes them: the UI page and the document itself. Every other swagger-ui route
// (static files, /docs/yaml) stays out of the document. Keyed by the URL swagger-ui registers.
import { z } from 'zod'
import { jsonSchemaOf } from './schemas.ts'

const page = { content: { 'text/html': { schema: jsonSchemaOf(z.string().meta({ example: '<!doctype html><html><head><title>Swagger UI</title>…' })) } } }
const OpenApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .meta({ examples: [{ openapi: '3.0.3', info: { title: 'targetwatch', version: '1' }, paths: {} }] })

export const docsRouteSchemas: Record<string, { url: string; schema: Record<string, unknown> }> = {
  // The UI answers at /docs and /docs/ alike; the document names the first.
  '/docs/': {
    url: '/docs',
    schema: {
      summary: 'This API described for people (Swagger UI)',
      tags: ['operations'],
      response: { 200: { description: 'the Swagger UI page, which reads /docs/json', ...page } },
    },
  },
  '/docs/json': {
    url: '/docs/json',
    schema: {
      summary: 'This API as an OpenAPI 3.0 document',
      tags: ['operations'],
      response: { 200: { description: 'the OpenAPI 3.0.3 document (it validates against the OpenAPI 3.0 JSON Schema)', ...jsonSchemaOf(OpenApiDocument) } },
    },
  },
}
