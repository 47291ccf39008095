// Delivery semantics against real receivers on 127.0.0.1: retries with one webhook-id, dead
// letter with every attempt recorded, 410 disables, manual retry, Retry-After, rotation.
import t, { type Test } from 'tap'
import { webhookEventData } from '../../domain/webhooks.ts'
import { startHarness, type Harness } from '../helpers/harness.ts'
import { type Answer, deliveriesOf, fastAlerts, startReceiver, subscribe, waitUntil } from './helpers.ts'

const setup = async (t: Test, answer: (n: number) => Answer, env: Record<string, string> = {}) => {
  const receiver = await startReceiver(answer)
  const h = await startHarness({ env: { ...fastAlerts, ...env } })
  t.teardown(async () => {
    await h.close()
    await receiver.close()
  })
  const webhook = await subscribe(h, { url: receiver.url })
  receiver.secrets.push(webhook.secret)
  return { h, receiver, webhook }
}

const sendTest = async (h: Harness, webhookId: string) => {
  const response = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${webhookId}/test`, headers: h.auth() })
  if (response.statusCode !== 202) throw new Error(`test: ${response.statusCode} ${response.body}`)
  return response.json() as { id: string; status: string; type: string }
}

const settled = async (h: Harness, webhookId: string, deliveryId: string, status: string) =>
  waitUntil(`delivery ${deliveryId} ${status}`, async () => (await deliveriesOf(h, webhookId)).find((d) => d.id === deliveryId && d.status === status))

t.test('500 three times, then 200: four attempts, one webhook-id, each attempt recorded', async (t) => {
  const { h, receiver, webhook } = await setup(t, (n) => ({ status: n <= 3 ? 500 : 200 }))
  const queued = await sendTest(h, webhook.id)
  t.match(queued, { id: /^msg_[0-9a-f]{32}$/, status: 'pending', type: 'webhook.test' })
  const delivery = await settled(h, webhook.id, queued.id, 'delivered')
  t.equal(receiver.received.length, 4, 'four requests')
  t.same(new Set(receiver.received.map((r) => r.headers['webhook-id'])), new Set([queued.id]), 'one webhook-id, the delivery id')
  t.same(receiver.received.map((r) => r.verifyError), [null, null, null, null], 'each attempt is signed and verifies')
  t.same(
    delivery.attempts.map((a) => [a.outcome, a.statusCode]),
    [
      ['failed', 500],
      ['failed', 500],
      ['failed', 500],
      ['delivered', 200],
    ],
  )
  t.match(receiver.received[0]!.verified, { type: 'webhook.test', data: { webhookId: webhook.id } })
  // Backoff: 100ms, 200ms, 300ms ±20% between the attempts.
  const gaps = receiver.received.slice(1).map((r, i) => r.at - receiver.received[i]!.at)
  t.ok(gaps[0]! >= 70 && gaps[1]! >= 150 && gaps[2]! >= 230, `the schedule spaces the retries (${gaps.join(', ')} ms)`)
})

t.test('a receiver that never answers: timeouts until dead letter, every attempt recorded; a manual retry starts a new round', async (t) => {
  let hang = true
  const { h, receiver, webhook } = await setup(t, () => (hang ? 'hang' : { status: 204 }))
  const queued = await sendTest(h, webhook.id)
  const dead = await settled(h, webhook.id, queued.id, 'dead_lettered')
  t.equal(dead.attempts.length, 4, 'the first attempt and three retries')
  t.ok(dead.attempts.every((a) => a.outcome === 'failed' && a.statusCode === null && /no complete answer within 400 ms/.test(a.error ?? '')), 'each a timeout')
  t.equal(receiver.received.length, 4)

  hang = false
  const retried = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/deliveries/${queued.id}/retry`, headers: h.auth() })
  t.equal(retried.statusCode, 202)
  t.match(retried.json(), { id: queued.id, status: 'pending', round: 1 })
  const delivered = await settled(h, webhook.id, queued.id, 'delivered')
  t.equal(delivered.attempts.length, 5, 'the manual retry is the fifth attempt')
  t.same(new Set(receiver.received.map((r) => r.headers['webhook-id'])), new Set([queued.id]), 'still the same webhook-id')

  const log = await h.app.inject({ method: 'GET', url: `/v1/streams/delivery-${queued.id}`, headers: h.auth() })
  t.same(
    log.json().events.map((e: { type: string }) => e.type),
    ['DeliveryAttempted', 'DeliveryAttempted', 'DeliveryAttempted', 'DeliveryAttempted', 'DeliveryDeadLettered', 'DeliveryRetryRequested', 'DeliveryAttempted'],
    'every attempt is an event in the audited log',
  )
  for (const event of log.json().events as { type: keyof typeof webhookEventData; data: unknown }[])
    t.ok(webhookEventData[event.type].safeParse(event.data).success, `the recorded ${event.type} satisfies its schema`)
})

t.test('410 Gone disables the subscription; nothing more is sent to it', async (t) => {
  const { h, receiver, webhook } = await setup(t, () => ({ status: 410 }))
  const queued = await sendTest(h, webhook.id)
  await settled(h, webhook.id, queued.id, 'cancelled')
  const view = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${webhook.id}`, headers: h.auth() })
  t.match(view.json(), { status: 'disabled', disabledReason: /410/ })
  t.equal(receiver.received.length, 1, 'one attempt, no retry')
  const again = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/test`, headers: h.auth() })
  t.equal(again.statusCode, 409)
  t.equal(again.json().error.code, 'WEBHOOK_INACTIVE')
})

t.test('3xx is a failure (not followed); Retry-After is honoured', async (t) => {
  const { h, receiver, webhook } = await setup(t, (n): Answer =>
    n === 1 ? { status: 302, headers: { location: 'http://127.0.0.1:1/' } } : n === 2 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 },
  )
  const queued = await sendTest(h, webhook.id)
  const delivery = await settled(h, webhook.id, queued.id, 'delivered')
  t.same(delivery.attempts.map((a) => a.statusCode), [302, 503, 200])
  t.match(delivery.attempts[0]!.error, /redirect 302/)
  t.match(delivery.attempts[1], { retryAfterMs: 1000 })
  t.ok(receiver.received[2]!.at - receiver.received[1]!.at >= 950, 'waited for Retry-After (1 s), not the 200 ms schedule')
})

t.test('during a secret rotation every delivery carries both signatures; each secret verifies', async (t) => {
  const { h, receiver, webhook } = await setup(t, () => ({ status: 204 }))
  const rotated = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/rotate-secret`, headers: h.auth(), payload: { graceSeconds: 3600 } })
  t.equal(rotated.statusCode, 200)
  const fresh = rotated.json().secret as string
  t.not(fresh, webhook.secret)
  t.match(rotated.json(), { previousSecretExpiresAt: String, secretRotatedAt: String })
  receiver.secrets.length = 0
  const queued = await sendTest(h, webhook.id)
  await settled(h, webhook.id, queued.id, 'delivered')
  const { headers, body } = receiver.received[0]!
  t.equal(headers['webhook-signature']!.split(' ').length, 2, 'two signatures, space-separated')
  const { verify } = await import('./helpers.ts')
  t.doesNotThrow(() => verify(fresh, body, headers), 'the new secret verifies')
  t.doesNotThrow(() => verify(webhook.secret, body, headers), 'the previous secret verifies during the grace period')

  // With no grace, the old secret stops signing at once.
  const again = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/rotate-secret`, headers: h.auth(), payload: { graceSeconds: 0 } })
  const newest = again.json().secret as string
  const second = await sendTest(h, webhook.id)
  await settled(h, webhook.id, second.id, 'delivered')
  const last = receiver.received.at(-1)!
  t.equal(last.headers['webhook-signature']!.split(' ').length, 1)
  t.doesNotThrow(() => verify(newest, last.body, last.headers))
  t.throws(() => verify(fresh, last.body, last.headers))
})
