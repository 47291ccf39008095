// Every answer the service gives is documented for its operation, with a body that validates
// against the documented schema: the 200 bodies of the reads, and the shell's 400, 401, 414,
// 429 and 503 (README "The OpenAPI document").
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { batch, entity } from '../helpers/facts.ts'
import { conformanceOf } from '../helpers/conformance.ts'
import { openapiDocument, operationsOf } from '../helpers/openapi.ts'
import { createKey, startHarness } from '../helpers/harness.ts'

t.test('every operation documents a 2xx body, and every response has a description of its own', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  for (const { path, method, operation } of operationsOf(doc)) {
    const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'))
    t.ok(success.length > 0 && success.every(([, response]) => response.content), `${method} ${path}: a 2xx with its body`)
    const generic = Object.entries(operation.responses).filter(([, response]) => response.description === 'Default Response')
    t.same(generic.map(([status]) => status), [], `${method} ${path}: every status described`)
  }
})

t.test('the 200 bodies of the targets and streams reads validate against their documented schemas', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const conforms = conformanceOf(await openapiDocument(h))
  const viewer = await createKey(h, 'viewer')
  const posted = await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: batch({}, { batchId: 'ZY-1', region: 'zunyi' }) })
  t.equal(posted.statusCode, 201)
  const reads: [string, string, string?][] = [
    ['/v1/targets', '/v1/targets?at=2020-06-30', viewer],
    ['/v1/targets', '/v1/targets?at=2020-06-30&attest=true', viewer],
    ['/v1/targets/{id}', '/v1/targets/food-sampling-pass-rate?at=2020-06-30', viewer],
    ['/v1/targets/{id}', '/v1/targets/food-sampling-pass-rate?region=zunyi&attest=true', viewer],
    ['/v1/streams/{stream}', '/v1/streams/sampling-ZY-1'],
  ]
  for (const [path, url, key] of reads) {
    const answer = await h.app.inject({ method: 'GET', url, headers: h.auth(key) })
    t.equal(answer.statusCode, 200, url)
    t.same(conforms('GET', path, answer), [], `${url}: as documented`)
  }
})

t.test('401 without a key on every keyed operation, as documented', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  const conforms = conformanceOf(doc)
  let keyed = 0
  for (const { path, method, operation } of operationsOf(doc)) {
    if (Array.isArray(operation.security) && operation.security.length === 0) continue
    keyed++
    const answer = await h.app.inject({ method: method as 'GET', url: path.replace(/\{[^}]+\}/g, 'x') })
    t.equal(answer.statusCode, 401, `${method} ${path}`)
    t.same(conforms(method, path, answer), [], `${method} ${path}: 401 as documented`)
  }
  t.ok(keyed >= 30, `${keyed} keyed operations`)
})

t.test('400 for an unknown query field, a limit too large, a 65-character id; 414 for a 101-character one', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const conforms = conformanceOf(await openapiDocument(h))
  const cases: [string, string, string, number][] = [
    ['GET', '/v1/audit/checkpoints', '/v1/audit/checkpoints?foo=1', 400],
    ['GET', '/v1/audit/checkpoints', '/v1/audit/checkpoints?limit=10001', 400],
    ['GET', '/v1/streams/{stream}', '/v1/streams/sampling-x?limit=10001', 400],
    ['GET', '/v1/targets', '/v1/targets?foo=1', 400],
    ['GET', '/v1/webhooks/{id}', `/v1/webhooks/${'a'.repeat(65)}`, 400],
    ['DELETE', '/v1/keys/{id}', `/v1/keys/${'a'.repeat(65)}`, 400],
    ['GET', '/v1/webhooks/{id}', `/v1/webhooks/${'a'.repeat(101)}`, 414],
    ['GET', '/v1/targets/{id}', `/v1/targets/${'a'.repeat(101)}`, 414],
    ['POST', '/v1/events', '/v1/events', 415],
  ]
  for (const [method, path, url, status] of cases) {
    const answer = await h.app.inject({ method: method as 'GET', url, headers: { ...h.auth(), ...(method === 'POST' ? { 'content-type': 'text/plain' } : {}) }, ...(method === 'POST' ? { payload: 'x' } : {}) })
    t.equal(answer.statusCode, status, `${method} ${url.slice(0, 60)}`)
    t.same(conforms(method, path, answer), [], `${method} ${url.slice(0, 60)}: ${status} as documented`)
  }
})

t.test('429 past the rate limit, with Retry-After, as documented', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_RATE_LIMIT: '2' } })
  t.teardown(h.close)
  const conforms = conformanceOf(await openapiDocument(h))
  for (const [path, headers] of [['/v1/keys', h.auth()], ['/healthz', {}]] as const) {
    let last
    for (let i = 0; i < 3; i++) last = await h.app.inject({ method: 'GET', url: path, headers })
    t.equal(last!.statusCode, 429, path)
    t.ok(Number(last!.headers['retry-after']) > 0, `${path}: Retry-After`)
    t.same(conforms('GET', path, last!), [], `${path}: 429 as documented`)
  }
})

t.test('503 while the read models are behind the position asked for, as documented', async (t) => {
  const h = await startHarness({ store: 'sqlite', env: { TARGETWATCH_READ_WAIT_MS: '0' } })
  t.teardown(h.close)
  const conforms = conformanceOf(await openapiDocument(h))
  const meta = { principal: 'test', requestId: 'bulk', schemaVersion: 1 }
  const facts = Array.from({ length: 20_000 }, (_, i) => entity(1 + i, { registeredOn: '2020-05-01' }))
  const results = await Promise.all(
    facts.map((fact) => h.services.store.append(`entity-${fact.data.uscc}`, [{ id: randomUUID(), type: fact.type, occurredAt: '2020-05-01T00:00:00Z', data: fact.data, meta }], 'no_stream')),
  )
  const head = Math.max(...results.map((r) => r.positions[0]!))
  const behind = await h.app.inject({ method: 'GET', url: `/v1/targets/new-market-entities?position=${head}`, headers: h.auth() })
  t.equal(behind.statusCode, 503)
  t.same(conforms('GET', '/v1/targets/{id}', behind), [], '503 as documented')
  await h.services.runner.waitFor(head)
})

t.test('429 after too many wrong keys from one address, a right key included, as documented', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_AUTH_FAILURES: '2' } })
  t.teardown(h.close)
  const conforms = conformanceOf(await openapiDocument(h))
  for (let i = 0; i < 2; i++) t.equal((await h.app.inject({ method: 'GET', url: '/v1/keys', headers: h.auth('wrong-key-0123456789') })).statusCode, 401)
  const blocked = await h.app.inject({ method: 'GET', url: '/v1/keys', headers: h.auth() })
  t.equal(blocked.statusCode, 429, 'the right key too')
  t.equal(blocked.json().error.code, 'RATE_LIMITED')
  t.ok(Number(blocked.headers['retry-after']) > 0, 'Retry-After')
  t.same(conforms('GET', '/v1/keys', blocked), [], '429 as documented')
})

t.test('503 INTEGRITY_VIOLATED on writes and reads of the read models, as documented; the diagnosis routes still answer', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  const conforms = conformanceOf(doc)
  h.services.integrity.report({ source: 'scrub', check: 'hash', position: 7, message: 'its content does not match its hash', file: null })
  const refused: [string, string, string][] = [
    ['POST', '/v1/events', '/v1/events'],
    ['GET', '/v1/targets', '/v1/targets'],
    ['GET', '/v1/targets/{id}', '/v1/targets/food-sampling-pass-rate'],
    ['GET', '/v1/audit/proof/inclusion', '/v1/audit/proof/inclusion?position=1'],
  ]
  for (const [method, path, url] of refused) {
    const answer = await h.app.inject({ method: method as 'GET', url, headers: h.auth(), ...(method === 'POST' ? { payload: batch({}, { batchId: 'ZY-9', region: 'zunyi' }) } : {}) })
    t.equal(answer.statusCode, 503, `${method} ${url}`)
    t.equal(answer.json().error.code, 'INTEGRITY_VIOLATED')
    t.same(conforms(method, path, answer), [], `${method} ${url}: 503 as documented`)
    t.match(doc.paths[path]![method.toLowerCase()]!.responses['503']!.description, /INTEGRITY_VIOLATED/)
  }
  const ready = await h.app.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  t.same(conforms('GET', '/readyz', ready), [], '/readyz 503 with reason and integrity, as documented')
  const verify = await h.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: h.auth() })
  t.equal(verify.statusCode, 200, 'verify still answers')
  t.same(conforms('GET', '/v1/audit/verify', verify), [])
})

t.test('408 (no body) documented on every operation: node answers it to a request too slow to arrive (test/ops/slow-clients.test.ts)', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const doc = await openapiDocument(h)
  for (const { path, method, operation } of operationsOf(doc)) {
    const timedOut = operation.responses['408']
    t.ok(timedOut && !timedOut.content, `${method} ${path}: 408 without content`)
  }
})

t.test('the conformance check itself refuses what the document does not say', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const conforms = conformanceOf(await openapiDocument(h))
  const json = { 'content-type': 'application/json; charset=utf-8' }
  t.match(conforms('GET', '/v1/targets', { statusCode: 418, headers: json, body: '{}' }), [/status not documented/], 'an undocumented status')
  t.match(conforms('GET', '/v1/targets', { statusCode: 200, headers: json, body: '{"targets":"none"}' }), [/body/], 'a body unlike the schema')
  t.match(conforms('GET', '/v1/targets', { statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<p>' }), [/content type text\/html not documented/], 'a wrong content type')
  t.match(conforms('GET', '/v1/targets', { statusCode: 401, headers: json, body: '{"error":{"code":"UNAUTHORIZED"}}' }), [/message/], 'an error without its message')
  t.match(conforms('TRACE', '/v1/targets', { statusCode: 405, headers: json, body: '{}' }), [/not in the document/], 'an operation the document lacks')
})
