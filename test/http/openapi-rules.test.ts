// Rules that lived only in code (issue 15 item 4): what JSON Schema can say is in the schema (a
// key's role decides whether it may have regions: oneOf), the rest is in the operation's
// description and its 400 (asOf with position, a position beyond the log, a milestone target
// that no plan has) — and the service refuses each with 400, as documented.
import t from 'tap'
import Ajv04Module from 'ajv-draft-04'
import addFormats from 'ajv-formats'
import { conformanceOf } from '../helpers/conformance.ts'
import { batch } from '../helpers/facts.ts'
import { openapiDocument, withoutExamples } from '../helpers/openapi.ts'
import { startHarness } from '../helpers/harness.ts'

const Ajv04 = Ajv04Module.default

t.test('POST /v1/keys: an auditor or admin key with regions breaks the documented body schema, and the service says so', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  const ajv = new Ajv04({ allErrors: true, strict: false, logger: false })
  addFormats.default(ajv)
  const body = doc.paths['/v1/keys']!.post!.requestBody!.content['application/json']!.schema!
  const valid = ajv.compile(withoutExamples(body) as object)
  const cases: [Record<string, unknown>, boolean][] = [
    [{ name: 'zunyi', role: 'reporter', regions: ['zunyi'] }, true],
    [{ name: 'zunyi', role: 'viewer', regions: ['zunyi'] }, true],
    [{ name: 'all', role: 'auditor' }, true],
    [{ name: 'all', role: 'admin', regions: [] }, true],
    [{ name: 'scoped', role: 'auditor', regions: ['zunyi'] }, false],
    [{ name: 'scoped', role: 'admin', regions: ['zunyi'] }, false],
    [{ name: 'nobody', role: 'nobody' }, false],
  ]
  for (const [key, documented] of cases) {
    t.equal(valid(key), documented, `${JSON.stringify(key)}: ${documented ? 'valid' : 'invalid'} by the document`)
    const answer = await h.app.inject({ method: 'POST', url: '/v1/keys', headers: h.auth(), payload: key })
    t.equal(answer.statusCode, documented ? 201 : 400, `${JSON.stringify(key)}: ${answer.statusCode}`)
  }
  const scoped = await h.app.inject({ method: 'POST', url: '/v1/keys', headers: h.auth(), payload: { name: 's', role: 'auditor', regions: ['zunyi'] } })
  t.match(scoped.json().error.message, /^regions: auditor and admin keys cannot be scoped to regions/, 'the message names the field and the rule')
})

t.test('rules beyond the schema are in the description and the 400 of their operation, and answered 400 as documented', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  const conforms = conformanceOf(doc)
  t.equal((await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: batch({}, { batchId: 'ZY-1', region: 'zunyi' }) })).statusCode, 201)
  const milestone = { type: 'MilestoneAchieved', data: { targetId: 'no-such-target', itemId: 'x', title: '未知 (unknown)', achievedOn: '2020-05-01' } }
  const cases: [string, string, string, RegExp, RegExp, unknown?][] = [
    ['GET', '/v1/targets', '/v1/targets?asOf=2020-06-30T00:00:00Z&position=1', /asOf and position together/, /give asOf or position, not both/],
    ['GET', '/v1/targets/{id}', '/v1/targets/food-sampling-pass-rate?asOf=2020-06-30T00:00:00Z&position=1', /asOf and position together/, /give asOf or position, not both/],
    ['GET', '/v1/targets/{id}', '/v1/targets/food-sampling-pass-rate?position=999999', /beyond the log's head/, /^position: 999999 is beyond the log's head/],
    ['GET', '/v1/audit/proof/inclusion', '/v1/audit/proof/inclusion?position=2&treeSize=1', /position larger than treeSize/, /position: 2 is not in a tree of 1/],
    ['GET', '/v1/audit/proof/inclusion', '/v1/audit/proof/inclusion?position=1&treeSize=999999', /beyond the log's head/, /treeSize: 999999 is beyond the log/],
    ['GET', '/v1/audit/proof/consistency', '/v1/audit/proof/consistency?from=3&to=2', /from larger than to/, /from: 3 is larger than to/],
    ['POST', '/v1/events', '/v1/events', /milestone target/, /^data\.targetId: 'no-such-target' is not a milestone target/, milestone],
  ]
  for (const [method, path, url, documented, answered, payload] of cases) {
    const operation = doc.paths[path]![method.toLowerCase()]!
    t.match(operation.description, documented, `${method} ${path}: the rule is in the description`)
    t.match(operation.responses['400']!.description, documented, `${method} ${path}: and in its 400`)
    const answer = await h.app.inject({ method: method as 'GET', url, headers: h.auth(), ...(payload ? { payload: payload as object } : {}) })
    t.equal(answer.statusCode, 400, url)
    t.match(answer.json().error.message, answered, `${url}: ${answer.json().error.message}`)
    t.same(conforms(method, path, answer), [], `${url}: 400 as documented`)
  }
})
