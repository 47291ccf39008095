// Issue 15 item 7: the small inconsistencies, each answered as the rest of the API answers.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { batch } from '../helpers/facts.ts'
import { startHarness } from '../helpers/harness.ts'

t.test('a stream with no events is 404 with fromRevision too; past the end of a stream that has events: []', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  t.equal((await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: batch({}, { batchId: 'ZY-1', region: 'zunyi' }) })).statusCode, 201)
  for (const url of ['/v1/streams/no-such-stream', '/v1/streams/no-such-stream?fromRevision=5']) {
    const answer = await h.app.inject({ method: 'GET', url, headers: h.auth() })
    t.equal(answer.statusCode, 404, url)
    t.equal(answer.json().error.code, 'NOT_FOUND')
  }
  const past = await h.app.inject({ method: 'GET', url: '/v1/streams/sampling-ZY-1?fromRevision=5', headers: h.auth() })
  t.equal(past.statusCode, 200)
  t.same(past.json(), { stream: 'sampling-ZY-1', events: [] })
})

t.test('a proof position beyond the log names query.position (treeSize not given), query.treeSize when given', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const cases: [string, RegExp][] = [
    ['/v1/audit/proof/inclusion?position=999999', /^query\.position: 999999 is beyond the log, which has \d+ events$/],
    ['/v1/audit/proof/inclusion?position=1&treeSize=999999', /^query\.treeSize: 999999 is beyond the log/],
    ['/v1/audit/proof/consistency?from=999999', /^query\.from: 999999 is beyond the log/],
    ['/v1/audit/proof/consistency?from=1&to=999999', /^query\.to: 999999 is beyond the log/],
  ]
  for (const [url, message] of cases) {
    const answer = await h.app.inject({ method: 'GET', url, headers: h.auth() })
    t.equal(answer.statusCode, 400, url)
    t.match(answer.json().error.message, message, url)
  }
})

t.test('`at` is the same instant on the list and the single target; before and after the period both clamp', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const cases: [string, string, string, string][] = [
    ['2020-06-30', '2020-06-30T23:59:59.999+08:00', '2020-06-30', 'within'],
    ['2019-06-30', '2019-06-30T23:59:59.999+08:00', '2020-01-01', 'before'],
    ['2021-06-30', '2021-06-30T23:59:59.999+08:00', '2020-12-31', 'after'],
    ['2020-06-30T18:00:00+08:00', '2020-06-30T18:00:00+08:00', '2020-06-30', 'within'],
  ]
  for (const [at, instant, businessDate, phase] of cases) {
    const list = (await h.app.inject({ method: 'GET', url: `/v1/targets?at=${encodeURIComponent(at)}`, headers: h.auth() })).json()
    const one = (await h.app.inject({ method: 'GET', url: `/v1/targets/food-sampling-pass-rate?at=${encodeURIComponent(at)}`, headers: h.auth() })).json()
    const listed = list.targets.find((target: { id: string }) => target.id === 'food-sampling-pass-rate')
    t.equal(list.at, instant, `at=${at}: the list's at`)
    t.equal(one.at, instant, `at=${at}: the single target's at, the same`)
    t.equal(listed.at, businessDate, `at=${at}: targets[].at is the business date`)
    t.equal(one.businessDate, businessDate, `at=${at}: businessDate of the single target, the same`)
    t.equal(listed.phase, phase)
    t.equal(one.phase, phase)
  }
})

t.test('a bad `at` says the format, with an example, as a bad asOf does', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  for (const [url, field] of [
    ['/v1/targets?at=garbage', 'query.at'],
    ['/v1/targets/food-sampling-pass-rate?at=2020-13-45', 'query.at'],
    ['/v1/targets?asOf=garbage', 'query.asOf'],
  ] as const) {
    const answer = await h.app.inject({ method: 'GET', url, headers: h.auth() })
    t.equal(answer.statusCode, 400, url)
    t.match(answer.json().error.message, new RegExp(`^${field.replace('.', '\\.')}: must be .*ISO 8601 date-time with offset, e\\.g\\. 2020-`), url)
  }
})

t.test("the README's first steps run as written, and the event curl twice is 200, not 409", async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const steps = readme.slice(readme.indexOf('## First steps'), readme.indexOf('## ', readme.indexOf('## First steps') + 3))
  const bodies = [...steps.matchAll(/curl -s -X POST localhost:3000(\S+) [^]*?-d '([^']+)'/g)].map((m) => ({ url: m[1]!, body: JSON.parse(m[2]!) }))
  t.same(bodies.map((b) => b.url), ['/v1/keys', '/v1/events'])
  t.equal((await h.app.inject({ method: 'POST', url: '/v1/keys', headers: h.auth(), payload: bodies[0]!.body })).statusCode, 201)
  t.type(bodies[1]!.body.id, 'string', 'the event has an id')
  const first = await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: bodies[1]!.body })
  const again = await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: bodies[1]!.body })
  t.equal(first.statusCode, 201)
  t.equal(again.statusCode, 200, 'run twice: 200 with the original result')
  t.same(again.json(), first.json())
  for (const [, url] of steps.matchAll(/curl -s "localhost:3000([^"]+)"/g)) {
    const answer = await h.app.inject({ method: 'GET', url: url!, headers: h.auth() })
    t.equal(answer.statusCode, 200, `${url}: 200`)
  }
  const positioned = /position=(\d+)/.exec(steps)
  t.equal(Number(positioned?.[1]), first.json().position, 'the position the README reads at is the one the POST answered')
})
