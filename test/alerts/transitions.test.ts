// End to end in one process: facts in, status transitions out as signed webhooks that an
// independent Standard Webhooks implementation verifies.
import t from 'tap'
import { alertEventData } from '../../domain/alerts.ts'
import { batch } from '../helpers/facts.ts'
import { createKey, startHarness } from '../helpers/harness.ts'
import { deliveriesOf, fastAlerts, postBatch, startReceiver, subscribe, verify, waitUntil } from './helpers.ts'

const fingerprint = 'guizhou-2020:food-sampling-pass-rate:zunyi'
const batches = (n: number, result: 'pass' | 'fail', prefix: string) =>
  Array.from({ length: n }, (_, i) => batch({}, { batchId: `${prefix}-${i}`, region: 'zunyi', result }))
const correct = (batchIds: string[], result: 'pass' | 'fail') =>
  batchIds.map((batchId) => ({ type: 'SamplingResultCorrected', data: { batchId, result, reason: 'laboratory re-test' } }))

t.test('zunyi pass rate 0.985 → 0.975 delivers one firing, back to 0.985 one resolved; every delivery verifies', async (t) => {
  const receiver = await startReceiver()
  const h = await startHarness({ env: fastAlerts })
  t.teardown(async () => {
    await h.close()
    await receiver.close()
  })
  const { id, secret } = await subscribe(h, { url: receiver.url, filter: { targets: ['food-sampling-pass-rate'], regions: ['zunyi'] } })
  receiver.secrets.push(secret)
  t.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/, 'a Standard Webhooks secret')

  // 197 passes, then 3 fails: 0.985 (met) without ever dipping below on the way.
  await postBatch(h, batches(197, 'pass', 'P'))
  await postBatch(h, batches(3, 'fail', 'F'))
  await h.services.alerts.reactor.flush()
  t.equal(receiver.received.length, 0, 'met: nothing to tell')

  // Two re-tests turn passes into fails: 195/200 = 0.975 < 0.98 on 200 batches: breached.
  await postBatch(h, correct(['P-0', 'P-1'], 'fail'))
  await waitUntil('the firing delivery', () => receiver.received.length >= 1)
  await h.services.alerts.reactor.flush()

  // Back to 0.985.
  await postBatch(h, correct(['P-0', 'P-1'], 'pass'))
  await waitUntil('the resolved delivery', () => receiver.received.length >= 2)
  await h.services.alerts.reactor.flush()
  await waitUntil('every delivery settled', async () => (await deliveriesOf(h, id)).every((d) => d.status === 'delivered'))

  const messages = receiver.received.map((r) => r.verified as { type: string; data: Record<string, unknown> })
  t.same(receiver.received.map((r) => r.verifyError), [null, null], 'standardwebhooks verifies both')
  t.same(
    messages.map((m) => [m.type, m.data.fingerprint, m.data.status, m.data.from, m.data.to, m.data.sequence]),
    [
      ['target.status_changed', fingerprint, 'firing', 'met', 'breached', 1],
      ['target.status_changed', fingerprint, 'resolved', 'breached', 'met', 2],
    ],
  )
  const [firing, resolved] = messages
  t.equal(firing!.data.alertId, resolved!.data.alertId, 'one episode: the resolution carries the alert id of the raise')
  t.match(firing!.data, {
    targetId: 'food-sampling-pass-rate',
    region: 'zunyi',
    value: 0.975,
    threshold: 0.98,
    comparator: 'gte',
    position: Number,
    title: { zh: String, en: String },
    clause: { zh: String, en: String },
    responsibleUnits: Array,
  })
  t.not(receiver.received[0]!.headers['webhook-id'], receiver.received[1]!.headers['webhook-id'], 'each transition has its own webhook-id')

  const tampered = receiver.received[0]!.body.replace('"breached"', '"met"')
  t.not(tampered, receiver.received[0]!.body)
  t.throws(() => verify(secret, tampered, receiver.received[0]!.headers), { message: /No matching signature/ }, 'a tampered body is rejected')
  t.throws(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, receiver.received[0]!.body, receiver.received[0]!.headers), 'another secret is rejected')

  const alerts = await h.app.inject({ method: 'GET', url: `/v1/alerts?fingerprint=${fingerprint}`, headers: h.auth() })
  t.same(
    alerts.json().history.map((a: { status: string; notified: boolean }) => [a.status, a.notified]),
    [
      ['resolved', true],
      ['firing', true],
    ],
    'the history lists both transitions, newest first',
  )

  const stream = await h.app.inject({ method: 'GET', url: `/v1/streams/alert-${fingerprint}`, headers: h.auth() })
  for (const event of stream.json().events as { type: keyof typeof alertEventData; data: unknown }[])
    t.ok(alertEventData[event.type].safeParse(event.data).success, `the recorded ${event.type} satisfies its schema`)

  // A key scoped to Bijie sees the province's alerts and Bijie's, not Zunyi's.
  const bijie = await createKey(h, 'viewer', ['bijie'])
  const scoped = await h.app.inject({ method: 'GET', url: '/v1/alerts?targetId=food-sampling-pass-rate&limit=1000', headers: h.auth(bijie) })
  t.equal(scoped.statusCode, 200)
  const regions = new Set(scoped.json().history.map((a: { region: string }) => a.region))
  t.ok(regions.has('guizhou') && !regions.has('zunyi'), `a scoped key sees ${[...regions].join(', ')}`)
  t.equal((await h.app.inject({ method: 'GET', url: '/v1/alerts?region=zunyi', headers: h.auth(bijie) })).statusCode, 403)
})
