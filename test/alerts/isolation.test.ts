// A receiver that hangs holds its own delivery slots only: another receiver is served at once,
// and facts are still accepted; flapping within the repeat interval is recorded, not re-sent.
import t from 'tap'
import { batch } from '../helpers/facts.ts'
import { startHarness } from '../helpers/harness.ts'
import { deliveriesOf, fastAlerts, postBatch, startReceiver, subscribe, waitUntil } from './helpers.ts'

t.test('a hanging receiver delays neither other receivers nor ingestion', async (t) => {
  const hanging = await startReceiver(() => 'hang')
  const healthy = await startReceiver()
  const h = await startHarness({ env: { ...fastAlerts, TARGETWATCH_WEBHOOK_TIMEOUT: '20s', TARGETWATCH_WEBHOOK_CONCURRENCY: '2' } })
  t.teardown(async () => {
    await h.close()
    await hanging.close()
    await healthy.close()
  })
  const slow = await subscribe(h, { url: hanging.url })
  const fine = await subscribe(h, { url: healthy.url })
  healthy.secrets.push(fine.secret)
  for (let i = 0; i < 6; i++) await h.app.inject({ method: 'POST', url: `/v1/webhooks/${slow.id}/test`, headers: h.auth() })
  await waitUntil('two requests hanging', () => hanging.received.length === 2)

  const started = Date.now()
  await h.app.inject({ method: 'POST', url: `/v1/webhooks/${fine.id}/test`, headers: h.auth() })
  await waitUntil('the healthy receiver served', () => healthy.received.length === 1)
  t.ok(Date.now() - started < 20_000, 'served while the hanging requests are still open (their timeout is 20 s)')
  t.equal(healthy.received[0]!.verifyError, null)
  const accepted = await h.app.inject({ method: 'POST', url: '/v1/events', headers: h.auth(), payload: batch() })
  t.equal(accepted.statusCode, 201, 'ingestion goes on')
  t.equal(hanging.received.length, 2, 'at most TARGETWATCH_WEBHOOK_CONCURRENCY in flight to one subscription')
  t.equal((await deliveriesOf(h, slow.id)).filter((d) => d.status === 'pending').length, 6, 'the rest wait their turn')
})

t.test('flapping within the repeat interval is recorded but not re-sent', async (t) => {
  const receiver = await startReceiver()
  const h = await startHarness({ env: { ...fastAlerts, TARGETWATCH_ALERTS_REPEAT_INTERVAL: '1h' } })
  t.teardown(async () => {
    await h.close()
    await receiver.close()
  })
  const webhook = await subscribe(h, { url: receiver.url, filter: { targets: ['food-sampling-pass-rate'], regions: ['bijie'] } })
  receiver.secrets.push(webhook.secret)
  const ids = Array.from({ length: 200 }, (_, i) => `BJ-${i}`)
  const correct = (result: string) => postBatch(h, ids.slice(0, 5).map((batchId) => ({ type: 'SamplingResultCorrected', data: { batchId, result, reason: 're-test' } })))
  await postBatch(h, ids.map((batchId) => batch({}, { batchId, region: 'bijie' })))
  await h.services.alerts.reactor.flush()
  for (const [result, expected] of [
    ['fail', 1],
    ['pass', 2],
    ['fail', 2],
    ['pass', 2],
  ] as const) {
    await correct(result)
    await h.services.alerts.reactor.flush()
    await waitUntil(`${expected} deliveries settled`, async () => (await deliveriesOf(h, webhook.id)).filter((d) => d.status === 'delivered').length === expected)
  }
  const { history } = (await h.app.inject({ method: 'GET', url: '/v1/alerts?fingerprint=guizhou-2020:food-sampling-pass-rate:bijie', headers: h.auth() })).json()
  t.same(
    history.map((a: Record<string, unknown>) => [a.status, a.sequence, a.notified, a.suppressed]),
    [
      ['resolved', 4, false, 'repeat_interval'],
      ['firing', 3, false, 'repeat_interval'],
      ['resolved', 2, true, null],
      ['firing', 1, true, null],
    ],
  )
  t.equal(receiver.received.length, 2)
})
