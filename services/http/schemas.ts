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

/** JSON Schema of an answer body, as the code produces it (zod's output side), for docs and serialization. */
export const responseSchemaOf = (schema: z.ZodType): Record<string, unknown> => {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'output', unrepresentable: 'any' }) as Record<string, unknown>
  delete json.$schema
  return json
}

/**
 * `schema`, checked by tsc to describe every value of type T that the code answers with: a
 * service's type and the documented answer cannot drift apart.
 */
export const answerOf =
  <T>() =>
  <S extends z.ZodType>(schema: S & ([T] extends [z.output<S>] ? unknown : never)): S =>
    schema

/** Every error answer: `{ error: { code, message, details? } }` (docs/ARCHITECTURE.md section 4). */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string().meta({ description: 'stable, machine-readable: VALIDATION_FAILED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, …' }),
    message: z.string().meta({ description: 'what was wrong and where, e.g. "data.uscc: check character is 7, expected 3"' }),
    details: z.unknown().optional(),
  }),
})
export const errorResponse = responseSchemaOf(ErrorBody)
