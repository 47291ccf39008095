// Request schemas come from zod: the JSON Schema (for OpenAPI) is generated from the zod
// schema, and validation runs the zod schema itself, so messages name the field and rule
// (`data.uscc: check character is 7, expected 3`) the same way for every route.
import type { FastifySchemaCompiler } from 'fastify'
import { z } from 'zod'
import { problemsOf, validationErrorFrom } from '../../domain/parse-event.ts'
import { DomainError } from '../../domain/errors.ts'

type Parser = (data: unknown) => unknown
const parsers = new WeakMap<object, Parser>()

/** JSON Schema for the docs, validated by `parse` (which throws a DomainError on bad input). */
export const parsedBy = (jsonSchema: Record<string, unknown>, parse: Parser): Record<string, unknown> => {
  parsers.set(jsonSchema, parse)
  return jsonSchema
}

export const jsonSchemaOf = (schema: z.ZodType): Record<string, unknown> => {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  delete json.$schema
  return json
}

/** A request part validated by a zod schema; `prefix` names the part in messages (e.g. `query`). */
export const zodPart = (schema: z.ZodType, prefix = ''): Record<string, unknown> =>
  parsedBy(jsonSchemaOf(schema), (data) => {
    const parsed = schema.safeParse(data)
    if (!parsed.success) throw validationErrorFrom(problemsOf(parsed.error, prefix, data))
    return parsed.data
  })

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, method, url, httpPart }) => {
  const parse = parsers.get(schema as object)
  if (!parse) throw new Error(`${method} ${url}: the ${httpPart} schema was not built with zodPart/parsedBy`)
  return (data: unknown) => {
    try {
      return { value: parse(data) }
    } catch (error) {
      if (error instanceof DomainError) return { error }
      throw error
    }
  }
}

export const errorResponse = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const
