// Does an answer match what the OpenAPI document says of its operation? The status must be
// documented there, the content type one of that status's media types, and a JSON body valid
// against that media type's schema (ajv; OpenAPI 3.0 schemas are draft-04 with `nullable`).
import Ajv04Module from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import type { ValidateFunction } from 'ajv'
import { type OpenApiDocument, withoutExamples } from './openapi.ts'

const Ajv04 = Ajv04Module.default

export interface Answer {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

export type Conformance = (method: string, path: string, answer: Answer) => string[]

/** A checker for the answers of `doc`'s operations; `path` is the documented path, e.g. `/v1/targets/{id}`. */
export const conformanceOf = (doc: OpenApiDocument): Conformance => {
  const ajv = new Ajv04({ allErrors: true, strict: false, logger: false })
  addFormats.default(ajv)
  const compiled = new Map<string, ValidateFunction>()
  const validatorOf = (key: string, schema: Record<string, unknown>) => {
    let validate = compiled.get(key)
    if (!validate) compiled.set(key, (validate = ajv.compile(withoutExamples(schema) as object)))
    return validate
  }

  return (method, path, answer) => {
    const label = `${method} ${path} → ${answer.statusCode}`
    const operation = doc.paths[path]?.[method.toLowerCase()]
    if (!operation) return [`${method} ${path} is not in the document`]
    const status = String(answer.statusCode)
    const documented = operation.responses[status] ?? operation.responses[`${status[0]}XX`] ?? operation.responses.default
    if (!documented) return [`${label}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`]
    const contentType = String(answer.headers['content-type'] ?? '')
    if (!documented.content) return answer.body.length === 0 ? [] : [`${label}: documented without a body, answered ${answer.body.length} bytes of ${contentType}`]
    const mediaType = contentType.split(';')[0]!.trim().toLowerCase()
    const media = documented.content[mediaType]
    if (!media) return [`${label}: content type ${contentType || '(none)'} not documented (documented: ${Object.keys(documented.content).join(', ')})`]
    if (!media.schema || !/[/+]json$/.test(mediaType)) return []
    let body: unknown
    try {
      body = JSON.parse(answer.body)
    } catch {
      return [`${label}: ${mediaType} body is not JSON: ${answer.body.slice(0, 120)}`]
    }
    const validate = validatorOf(`${method} ${path} ${status} ${mediaType}`, media.schema)
    if (validate(body)) return []
    return (validate.errors ?? []).slice(0, 5).map((error) => `${label}: body${error.instancePath} ${error.message} ${JSON.stringify(error.params)}`)
  }
}
