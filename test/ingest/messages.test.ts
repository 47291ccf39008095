// Issue 16 item 12: messages say what was wrong. A numerator that is not a non-negative integer
// is named with the value sent (it used to read "data.numerator: is required"), a DELETE that
// declares a JSON body but sends none is accepted (it used to be 400 INVALID_JSON).
import t from 'tap'
import { serveOnLoopback } from './http-helpers.ts'

t.test('a numerator of the wrong kind is named with its value', async (t) => {
  const { h, url } = await serveOnLoopback()
  t.teardown(h.close)
  const send = async (numerator: string) => {
    const body = `{"type":"IndicatorReported","data":{"indicator":"elevator-inspection-rate","region":"zunyi","asOf":"2020-06-30","numerator":${numerator},"denominator":100}}`
    const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...h.auth() }, body })
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } }
  }
  const cases: [string, RegExp][] = [
    ['0.5', /^data\.numerator: must be a non-negative integer, got 0\.5$/],
    ['"5"', /^data\.numerator: must be a non-negative integer, got "5" \(a string\)$/],
    ['1e400', /^data\.numerator: must be a non-negative integer, got Infinity \(a number too large\)$/],
    ['-1', /^data\.numerator: must be a non-negative integer, got -1$/],
    ['null', /^data\.numerator: must be a non-negative integer, got null$/],
  ]
  for (const [numerator, message] of cases) {
    const answer = await send(numerator)
    t.equal(answer.status, 400, `${numerator}: 400`)
    t.equal(answer.body.error.code, 'VALIDATION_FAILED', `${numerator}: VALIDATION_FAILED`)
    t.match(answer.body.error.message, message, `${numerator}: ${answer.body.error.message}`)
  }
  const missing = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...h.auth() },
    body: '{"type":"IndicatorReported","data":{"indicator":"elevator-inspection-rate","region":"zunyi","asOf":"2020-06-30","denominator":100}}',
  })
  t.match(((await missing.json()) as { error: { message: string } }).error.message, /^data\.numerator: is required$/, 'a missing numerator is still "is required"')
})

t.test('DELETE with content-type application/json and no body is accepted', async (t) => {
  const { h, url, key } = await serveOnLoopback()
  t.teardown(h.close)
  await key('viewer')
  const listed = (await (await fetch(`${url}/v1/keys`, { headers: h.auth() })).json()) as { keys: { id: string; role: string }[] }
  const viewer = listed.keys.find((k) => k.role === 'viewer')!
  const response = await fetch(`${url}/v1/keys/${viewer.id}`, { method: 'DELETE', headers: { 'content-type': 'application/json', ...h.auth() } })
  t.equal(response.status, 200, `answered ${response.status} ${await response.clone().text()}`)
  t.ok(((await response.json()) as { revokedAt: string | null }).revokedAt, 'the key is revoked')
  const bad = await fetch(`${url}/v1/keys`, { method: 'POST', headers: { 'content-type': 'application/json', ...h.auth() }, body: '' })
  t.equal(bad.status, 400, 'a POST that declares JSON and sends none is still refused')
  const broken = await fetch(`${url}/v1/keys/${viewer.id}`, { method: 'DELETE', headers: { 'content-type': 'application/json', ...h.auth() }, body: '{"x":' })
  t.equal(broken.status, 400, 'a DELETE with broken JSON is still refused')
})
