// The document says which operations need a key, and it says so truthfully: an operation that
// answers without a key carries `security: []`; every other one falls under the global bearer
// scheme and answers 401 without a key (README "The OpenAPI document").
import t from 'tap'
import { openapiDocument, operationsOf } from '../helpers/openapi.ts'
import { startHarness } from '../helpers/harness.ts'

const publicOperations = ['GET /', 'GET /docs', 'GET /docs/json', 'GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /v1/audit/public-key', 'GET /v1/plans/schema']

t.test('every documented operation: security [] exactly when it answers without a key', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  t.same(doc.security, [{ apiKey: [] }], 'a key is the rule')
  const open: string[] = []
  for (const { path, method, operation } of operationsOf(doc)) {
    const url = path.replace(/\{[^}]+\}/g, 'x')
    const response = await h.app.inject({ method: method as 'GET', url })
    const documentedOpen = Array.isArray(operation.security) && operation.security.length === 0
    if (documentedOpen) open.push(`${method} ${path}`)
    if (documentedOpen) t.not(response.statusCode, 401, `${method} ${path} is documented public and answers ${response.statusCode} without a key`)
    else t.equal(response.statusCode, 401, `${method} ${path} is documented as needing a key and answers 401 without one`)
  }
  t.same(open.sort(), [...publicOperations].sort(), 'the public operations')
})

t.test('/metrics needs a key where the configuration says so, and the document follows', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_METRICS_ACCESS: 'key' } })
  t.teardown(h.close)
  const operation = (await openapiDocument(h)).paths['/metrics']?.get
  t.ok(operation, '/metrics is documented')
  t.equal(operation?.security, undefined, 'under the global bearer scheme')
  t.equal((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 401)
})
