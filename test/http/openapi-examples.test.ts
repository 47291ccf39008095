// Every operation shows an example of its success answer, and of its body when it takes one;
// every example in the document validates against the schema beside it, so an example cannot
// show a field or a value the service does not give (README "The OpenAPI document").
import t from 'tap'
import Ajv04Module from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { openapiDocument, operationsOf, withoutExamples } from '../helpers/openapi.ts'
import { startHarness } from '../helpers/harness.ts'

const Ajv04 = Ajv04Module.default

interface Media {
  schema?: Record<string, unknown>
  example?: unknown
  examples?: Record<string, { value: unknown }>
}

const examplesOf = (media: Media): unknown[] => [
  ...(media.example !== undefined ? [media.example] : []),
  ...(media.schema?.example !== undefined ? [media.schema.example] : []),
  ...Object.values(media.examples ?? {}).map((example) => example.value),
]

t.test('every operation has an example answer (and body), each valid against its schema', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  const ajv = new Ajv04({ allErrors: true, strict: false, logger: false })
  addFormats.default(ajv)
  let checked = 0
  for (const { path, method, operation } of operationsOf(doc)) {
    const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'))
    const answered = success.flatMap(([, response]) => Object.values(response.content ?? {}).flatMap((media) => examplesOf(media as Media)))
    t.ok(answered.length > 0, `${method} ${path}: an example answer`)
    if (operation.requestBody) {
      const bodies = Object.values(operation.requestBody.content).flatMap((media) => examplesOf(media as Media))
      t.ok(bodies.length > 0, `${method} ${path}: an example body`)
    }
    const medias = [
      ...Object.entries(operation.responses).flatMap(([status, response]) => Object.entries(response.content ?? {}).map(([type, media]) => [`${status} ${type}`, media] as const)),
      ...Object.entries(operation.requestBody?.content ?? {}).map(([type, media]) => [`body ${type}`, media] as const),
    ]
    for (const [where, media] of medias) {
      const { schema } = media as Media
      for (const example of examplesOf(media as Media)) {
        if (!schema) continue
        const validate = ajv.compile(withoutExamples(schema) as object)
        const valid = validate(example)
        t.ok(valid, `${method} ${path} ${where}: the example is valid${valid ? '' : `: ${ajv.errorsText(validate.errors)}`}`)
        checked++
      }
    }
  }
  t.ok(checked >= 40, `${checked} examples checked`)
})
