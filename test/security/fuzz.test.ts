// Hostile input on every documented route: malformed JSON, wrong types, huge and negative
// numbers, NaN-like strings, deep nesting, prototype keys, invalid UTF-8, odd unicode, duplicate
// keys, oversized bodies. Every answer must be a 4xx with the contract's error shape — never a
// 5xx — and the log head must not move for a rejected request. Every answer is also checked
// against the OpenAPI document (issue 15): its status documented for that operation, its
// content type one the status lists, its body valid against that status's schema (ajv).
// Seeded and bounded (TARGETWATCH_FUZZ_RUNS, TARGETWATCH_FUZZ_SEED) so a failure replays.
import t, { type Test } from 'tap'
import fc from 'fast-check'
import { conformanceOf, type Answer } from '../helpers/conformance.ts'
import { openapiDocument } from '../helpers/openapi.ts'
import { startHarness, type Harness } from '../helpers/harness.ts'

const runs = Number(process.env.TARGETWATCH_FUZZ_RUNS ?? 60)
const seed = Number(process.env.TARGETWATCH_FUZZ_SEED ?? 20200630)

interface Route {
  method: string
  path: string
}

const documentedRoutes = async (h: Harness): Promise<Route[]> => {
  const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, unknown>> }
  return Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })))
}

const oddStrings = fc.oneof(
  fc.constantFrom('NaN', 'Infinity', '-0', '1e309', '0x10', 'null', 'undefined', '__proto__', 'constructor', '../../etc/passwd', '%00', '\u0000', '\ud800', '👩‍👩‍👧', 'ǅ', '\u202e', 'a'.repeat(5000)),
  fc.string({ unit: 'binary', maxLength: 40 }),
)
const hostileScalar = fc.oneof(
  oddStrings,
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, -1e308, 1e308, 0.1, 2 ** 64, true, false, null),
  fc.integer(),
  fc.double(),
)
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostileScalar, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(oddStrings, tie('value'), { maxKeys: 4 })),
})).value

/** Bodies shaped like events, with one field made hostile: the closest misses reach the deepest code. */
const nearMissEvent = fc.record({
  type: fc.constantFrom('SamplingBatchTested', 'SamplingResultCorrected', 'MarketEntityRegistered', 'RescueRequested', 'RescuerArrived', 'IndicatorReported', 'MilestoneAchieved', '__proto__', 'constructor'),
  id: fc.option(fc.oneof(fc.uuid(), oddStrings), { nil: undefined }),
  occurredAt: fc.option(oddStrings, { nil: undefined }),
  data: fc.oneof(
    hostileValue,
    fc.record({
      batchId: oddStrings,
      region: fc.constantFrom('zunyi', 'guizhou', '__proto__', 'Zunyi'),
      stage: oddStrings,
      sampledOn: fc.constantFrom('2020-02-30', '2020-13-01', '99999-01-01', '2020-05-12'),
      result: fc.constantFrom('pass', 'fail', 'PASS'),
      uscc: oddStrings,
      numerator: hostileScalar,
      denominator: hostileScalar,
      indicator: oddStrings,
      reportedAt: oddStrings,
    }, { requiredKeys: [] }),
  ),
})

const rawBodies = fc.oneof(
  fc.constantFrom(
    '{"type":',
    '{"type":"SamplingBatchTested","data":{"batchId":"x","batchId":"y"}}',
    '{"__proto__":{"polluted":true},"type":"SamplingBatchTested","data":{}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '[]',
    '"a string"',
    '123',
    'null',
    '\uFEFF{}',
    '{"events":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    '{"a":' + '{"a":'.repeat(3000) + '1' + '}'.repeat(3001),
  ),
  fc.json(),
  hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
  nearMissEvent.map((v) => JSON.stringify(v)),
  nearMissEvent.map((v) => JSON.stringify({ events: [v, v] })),
)

const invalidUtf8 = Buffer.concat([Buffer.from('{"type":"SamplingBatchTested","data":{"batchId":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}}')])

const expectClientError = (t: Test, fullLabel: string, status: number, body: string) => {
  const label = fullLabel.length > 160 ? `${fullLabel.slice(0, 160)}…` : fullLabel
  if (status >= 500 || status < 400) {
    t.fail(`${label} → ${status}: ${body.slice(0, 300)}`)
    return
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    t.fail(`${label} → ${status} with a body that is not JSON: ${body.slice(0, 200)}`)
    return
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } }).error
  if (typeof error?.code !== 'string' || typeof error?.message !== 'string') t.fail(`${label} → ${status} without the error shape: ${body.slice(0, 200)}`)
}

// Lone surrogates cannot be percent-encoded; they reach the server as U+FFFD, as a browser sends them.
const concretePath = (path: string, value: string) => path.replace(/\{[^}]+\}/g, encodeURIComponent(value.toWellFormed()))

t.test('every documented route answers hostile input with a 4xx error, and the log head stays put', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_BODY_LIMIT: String(1024 * 1024), TARGETWATCH_RATE_LIMIT: '0' } })
  t.teardown(h.close)
  const routes = (await documentedRoutes(h)).filter((r) => r.path !== '/healthz')
  t.ok(routes.length >= 8, `${routes.length} documented routes to fuzz`)
  let cases = 0
  let failures = 0
  const headBefore = await h.services.store.head()
  const conforms = conformanceOf(await openapiDocument(h))
  const undocumented: string[] = []
  const mismatches: string[] = []
  const checked = new Set<string>()
  /** The answer, held against the document's operation `method path`. */
  const conformance = (method: string, path: string, answer: Answer) => {
    checked.add(`${method} ${path}`)
    for (const problem of conforms(method, path, answer)) (problem.includes('status not documented') ? undocumented : mismatches).push(problem)
  }

  for (const route of routes.filter((r) => r.method !== 'GET' && r.method !== 'DELETE')) {
    await fc.assert(
      fc.asyncProperty(rawBodies, oddStrings, async (body, param) => {
        const before = await h.services.store.head()
        const response = await h.app.inject({
          method: route.method as 'POST',
          url: concretePath(route.path, param),
          headers: { ...h.auth(), 'content-type': 'application/json' },
          payload: body,
        })
        cases++
        conformance(route.method, route.path, response)
        if (response.statusCode >= 400) {
          expectClientError(t, `${route.method} ${route.path}`, response.statusCode, response.body)
          if ((await h.services.store.head()) !== before) t.fail(`${route.method} ${route.path}: a rejected request moved the log head`)
        } else if (route.path === '/v1/events/batch' || route.path === '/v1/events') {
          // Accepted only when valid: a 2xx here must carry per-item judgements, never a crash.
          if (response.statusCode >= 300) failures++
        }
      }),
      { numRuns: runs, seed },
    )
  }
  for (const route of routes.filter((r) => r.method === 'GET' || r.method === 'DELETE')) {
    await fc.assert(
      fc.asyncProperty(oddStrings, fc.dictionary(oddStrings, oddStrings, { maxKeys: 4 }), async (param, query) => {
        const search = new URLSearchParams(query).toString()
        const url = concretePath(route.path, param) + (search ? `?${search}` : '')
        const response = await h.app.inject({ method: route.method as 'GET', url, headers: h.auth() })
        cases++
        conformance(route.method, route.path, response)
        if (response.statusCode >= 500) t.fail(`${route.method} ${url.slice(0, 160)} → ${response.statusCode}: ${response.body.slice(0, 300)}`)
        if (response.statusCode >= 400 && !url.startsWith('/docs')) expectClientError(t, `${route.method} ${url}`, response.statusCode, response.body)
      }),
      { numRuns: runs, seed },
    )
  }

  // Bytes that are not UTF-8, and a body far over the limit.
  for (const url of ['/v1/events', '/v1/events/batch', '/v1/keys']) {
    const broken = await h.app.inject({ method: 'POST', url, headers: { ...h.auth(), 'content-type': 'application/json' }, payload: invalidUtf8 })
    expectClientError(t, `invalid UTF-8 to ${url}`, broken.statusCode, broken.body)
    conformance('POST', url, broken)
    const huge = await h.app.inject({ method: 'POST', url, headers: { ...h.auth(), 'content-type': 'application/json' }, payload: '{"events":["' + 'x'.repeat(10 * 1024 * 1024) + '"]}' })
    t.equal(huge.statusCode, 413, `10 MB to ${url} is 413`)
    conformance('POST', url, huge)
    cases += 2
  }
  t.equal(failures, 0)
  t.same([...new Set(undocumented)].slice(0, 20), [], `0 undocumented statuses (${undocumented.length} found)`)
  t.same([...new Set(mismatches)].slice(0, 20), [], `0 answers unlike their documented content type or schema (${mismatches.length} found)`)
  t.equal(checked.size, routes.length, `every fuzzed operation checked against the document (${checked.size})`)
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was not polluted')
  t.comment(`fuzz (seed ${seed}): ${cases} hostile requests over ${routes.length} routes, ${undocumented.length} undocumented statuses, ${mismatches.length} body mismatches; head ${headBefore} → ${await h.services.store.head()}`)
})
