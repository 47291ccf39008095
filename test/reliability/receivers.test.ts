// Receivers that misbehave — reset the connection, answer slowly, hang, fail with 5xx, go away
// with 410 — while facts keep arriving: ingestion is never held up, every delivery follows the
// retry rules, and every attempt is on record.
import t from 'tap'
import http from 'node:http'
import { batch } from '../helpers/facts.ts'
import { startHarness } from '../helpers/harness.ts'
import { listenOnLoopback } from '../helpers/loopback.ts'
import { deliveriesOf, fastAlerts, subscribe, waitUntil } from '../alerts/helpers.ts'

type Behaviour = 'reset' | 'slow' | 'hang' | '503' | '410'

/** One receiver per behaviour on 127.0.0.1; `reset` drops the first two connections, then answers 204. */
const misbehaving = async (behaviour: Behaviour) => {
  let requests = 0
  const server = http.createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      requests++
      if (behaviour === 'reset' && requests <= 2) return request.socket.destroy()
      if (behaviour === 'slow') return void setTimeout(() => response.writeHead(204).end(), 250)
      if (behaviour === 'hang') return
      if (behaviour === '503') return void response.writeHead(503).end()
      if (behaviour === '410') return void response.writeHead(410).end()
      response.writeHead(204).end()
    })
  })
  const { url, close } = await listenOnLoopback(server)
  return { url, requests: () => requests, close }
}

t.test('misbehaving receivers: ingestion continues, retries follow the rules, nothing is lost', async (t) => {
  const h = await startHarness({ env: { ...fastAlerts, TARGETWATCH_WEBHOOK_TIMEOUT: '1s' } })
  t.teardown(h.close)
  const behaviours: Behaviour[] = ['reset', 'slow', 'hang', '503', '410']
  const receivers = Object.fromEntries(await Promise.all(behaviours.map(async (b) => [b, await misbehaving(b)] as const)))
  t.teardown(() => Promise.all(Object.values(receivers).map((r) => r.close())))
  const hooks: Record<string, string> = {}
  for (const b of behaviours) hooks[b] = (await subscribe(h, { url: receivers[b]!.url })).id

  const sent: Record<string, string> = {}
  for (const b of behaviours) sent[b] = (await h.app.inject({ method: 'POST', url: `/v1/webhooks/${hooks[b]}/test`, headers: h.auth() })).json().id

  // Facts keep arriving while deliveries struggle.
  let accepted = 0
  for (let i = 0; i < 10; i++) {
    const response = await h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events: Array.from({ length: 100 }, () => batch()) } })
    accepted += response.json().items.filter((item: { status: number }) => item.status === 201).length
  }
  t.equal(accepted, 1000, 'every fact accepted while the receivers misbehave')

  const settle = (b: Behaviour, status: string) =>
    waitUntil(`${b}: ${status}`, async () => (await deliveriesOf(h, hooks[b]!)).find((d) => d.id === sent[b] && d.status === status), 20_000)
  const reset = await settle('reset', 'delivered')
  t.same(reset.attempts.map((a) => a.outcome), ['failed', 'failed', 'delivered'], 'two resets, then delivered on the third attempt')
  t.match(reset.attempts[0]!.error, /reset|socket|hang up|ECONNRESET/i, 'the reset is recorded as the error')
  const slow = await settle('slow', 'delivered')
  t.equal(slow.attempts.length, 1, 'a slow answer within the timeout is delivered at once')
  const hung = await settle('hang', 'dead_lettered')
  t.equal(hung.attempts.length, 4, 'a hanging receiver: the first attempt and three retries, each timed out')
  t.ok(hung.attempts.every((a) => /timed out|timeout/i.test(a.error ?? '')), 'each attempt ended by the timeout')
  const failing = await settle('503', 'dead_lettered')
  t.same(failing.attempts.map((a) => a.statusCode), [503, 503, 503, 503], 'every 503 recorded, then dead letter')
  const gone = await waitUntil('410 disables', async () => {
    const hook = (await h.app.inject({ method: 'GET', url: `/v1/webhooks/${hooks['410']}`, headers: h.auth() })).json()
    return hook.status === 'disabled' ? hook : null
  })
  t.match(gone, { status: 'disabled' })
  t.equal(receivers['410']!.requests(), 1, 'nothing more is sent after 410')
})
