// Issue 15 item 5: an unsupported method on a path the API has is 405 with `Allow` (RFC 9110
// §15.5.6); an unknown path stays 404. Before: TRACE and PUT /v1/events answered 404. Real HTTP
// on 127.0.0.1 (TRACE through node's http client: fetch refuses to send it).
import t from 'tap'
import http from 'node:http'
import { startHarness } from '../helpers/harness.ts'

const send = (base: string, method: string, path: string, headers: Record<string, string>) =>
  new Promise<{ status: number; allow: string | undefined; body: { error?: { code: string; message: string } } }>((resolve, reject) => {
    const request = http.request(`${base}${path}`, { method, headers, timeout: 5000 }, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => (text += chunk))
      response.on('end', () => resolve({ status: response.statusCode!, allow: response.headers.allow, body: text ? JSON.parse(text) : {} }))
    })
    request.on('timeout', () => request.destroy(new Error(`${method} ${path}: no answer in 5 s`)))
    request.on('error', reject)
    request.end()
  })

t.test('405 with Allow on an existing path, 404 on an unknown one', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const base = await h.app.listen({ host: '127.0.0.1', port: 0 })
  const cases: [string, string, number, string?][] = [
    ['TRACE', '/v1/events', 405, 'POST'],
    ['PUT', '/v1/events', 405, 'POST'],
    ['GET', '/v1/events', 405, 'POST'],
    ['DELETE', '/v1/targets/food-sampling-pass-rate', 405, 'GET, HEAD'],
    ['POST', '/v1/webhooks/wh_x', 405, 'DELETE, GET, HEAD'],
    ['PATCH', '/healthz', 405, 'GET, HEAD'],
    ['GET', '/v1/no-such-thing', 404],
    ['TRACE', '/v1/no-such-thing', 404],
    ['GET', '/v1/events/batch/extra', 404],
  ]
  for (const [method, path, status, allow] of cases) {
    const answer = await send(base, method, path, h.auth())
    t.equal(answer.status, status, `${method} ${path}: ${status}`)
    if (status === 405) {
      t.equal(answer.allow, allow, `${method} ${path}: Allow: ${allow}`)
      t.equal(answer.body.error?.code, 'METHOD_NOT_ALLOWED')
      t.match(answer.body.error?.message, new RegExp(`^${method} is not allowed on ${path.replace(/[/]/g, '\\/')}; allowed: ${allow}$`))
    } else {
      t.equal(answer.allow, undefined, `${method} ${path}: no Allow`)
      t.equal(answer.body.error?.code, 'NOT_FOUND')
    }
  }
  // The methods the API takes are unchanged.
  t.equal((await send(base, 'GET', '/healthz', {})).status, 200)
})
