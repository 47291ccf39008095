// JSON Schema (draft-07, as the plan schema and ajv's JSONSchemaType write it) to an OpenAPI 3.0
// Schema Object, for the document at /docs/json only: validation and serialization keep the
// route's own schema. OpenAPI 3.0 takes a subset of draft-04 (docs/ARCHITECTURE.md section 4,
// "OpenAPI document"): exclusiveMinimum/Maximum are booleans beside minimum/maximum, `required`
// holds at least one name, there is no `const`, `$schema` or `$id`.
type Schema = Record<string, unknown>

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value)

const mapValues = (record: unknown, map: (schema: Schema) => Schema): unknown =>
  isSchema(record) ? Object.fromEntries(Object.entries(record).map(([key, value]) => [key, isSchema(value) ? map(value) : value])) : record

/** A copy of `schema` in OpenAPI 3.0 terms; the original is left as it is. */
export const toOpenApi30 = (schema: Schema): Schema => {
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case '$schema':
      case '$id':
        break
      case 'required':
        if (Array.isArray(value) && value.length > 0) out.required = value
        break
      case 'const':
        out.enum = [value]
        break
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        if (typeof value === 'number') {
          out[key === 'exclusiveMinimum' ? 'minimum' : 'maximum'] = value
          out[key] = true
        } else out[key] = value
        break
      case 'properties':
      case 'patternProperties':
      case 'definitions':
      case '$defs':
        out[key] = mapValues(value, toOpenApi30)
        break
      case 'items':
        out.items = Array.isArray(value) ? value.map((item) => (isSchema(item) ? toOpenApi30(item) : item)) : isSchema(value) ? toOpenApi30(value) : value
        break
      case 'additionalProperties':
      case 'not':
        out[key] = isSchema(value) ? toOpenApi30(value) : value
        break
      case 'anyOf':
      case 'oneOf':
      case 'allOf':
        out[key] = Array.isArray(value) ? value.map((member) => (isSchema(member) ? toOpenApi30(member) : member)) : value
        break
      case 'content':
        // A response or body given per media type: { 'application/x-ndjson': { schema } }.
        out.content = mapValues(value, (media) => (isSchema(media.schema) ? { ...media, schema: toOpenApi30(media.schema) } : media))
        break
      default:
        out[key] = value
    }
  }
  return out
}

/** The route schema parts swagger documents, each converted; `response` is a map of statuses. */
export const routeSchemaToOpenApi30 = (schema: Schema): Schema => {
  const out: Schema = { ...schema }
  for (const part of ['body', 'querystring', 'params', 'headers'] as const) if (isSchema(schema[part])) out[part] = toOpenApi30(schema[part])
  if (isSchema(schema.response)) out.response = mapValues(schema.response, toOpenApi30)
  return out
}
