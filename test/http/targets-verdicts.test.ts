// The verdict fields of issue "Honest verdicts" through real HTTP (fastify on 127.0.0.1): open
// rescues beside the mean, timed to the minute of `at` (the answer caches key it), the fields
// kept by the response schemas of both target routes, and the margin in a webhook payload sent
// to a real receiver.
import t from 'tap'
import { fastAlerts, postBatch, startReceiver, subscribe, waitUntil } from '../alerts/helpers.ts'
import { batch, rescueRequested, rescuerArrived } from '../helpers/facts.ts'
import { adminKey, createKey, startHarness } from '../helpers/harness.ts'

type Json = Record<string, any>

const serve = async (clock: () => Date) => {
  const h = await startHarness({ clock })
  const url = (await h.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
  const call = async (method: string, path: string, body?: unknown, key = adminKey): Promise<Json> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) } : { signal: AbortSignal.timeout(10_000) }),
    })
    const json = (await response.json()) as Json
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
    return json
  }
  return { h, call }
}

const regionOf = (report: Json, region: string): Json => report.regions.find((r: Json) => r.region === region)

t.test('open rescues: counted at their elapsed minutes, open and overdue beside the mean, fresh every minute', async (t) => {
  let now = new Date('2020-03-31T15:00:00Z') // 23:00 in Guizhou
  const { h, call } = await serve(() => now)
  t.teardown(h.close)
  const events = []
  for (let i = 0; i < 30; i++) {
    const reportedAt = `2020-03-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00+08:00`
    events.push(rescueRequested(`Q-${i}`, { region: 'qiandongnan', reportedAt }))
    events.push(rescuerArrived(`Q-${i}`, new Date(Date.parse(reportedAt) + 15 * 60_000).toISOString()))
  }
  for (let i = 0; i < 5; i++) events.push(rescueRequested(`STUCK-${i}`, { region: 'qiandongnan', reportedAt: '2020-03-31T20:00:00+08:00' }))
  const posted = await call('POST', '/v1/events/batch', { events })
  t.equal(posted.errors, false)
  const last = Math.max(...posted.items.map((i: Json) => i.position))

  const list = await call('GET', `/v1/targets?minPosition=${last}`)
  const rescue = list.targets.find((x: Json) => x.id === 'elevator-rescue-arrival')
  t.match(regionOf(rescue, 'qiandongnan'), { open: 5, overdue: 5, sample: 35, status: 'breached', stale: false })
  t.ok(Math.abs(regionOf(rescue, 'qiandongnan').value - (30 * 15 + 5 * 180) / 35) < 1e-9, 'five incidents three hours open')
  t.match(rescue, { open: 5, overdue: 5, provisional: true, finalFrom: '2021-01-01' })

  now = new Date('2020-03-31T15:10:00Z')
  const later = (await call('GET', '/v1/targets')).targets.find((x: Json) => x.id === 'elevator-rescue-arrival')
  t.ok(Math.abs(regionOf(later, 'qiandongnan').value - (30 * 15 + 5 * 190) / 35) < 1e-9, 'ten minutes later the bound has grown: not a cached answer')

  await call('POST', '/v1/events/batch', { events: [0, 1, 2, 3, 4].map((i) => rescuerArrived(`STUCK-${i}`, '2020-03-31T23:05:00+08:00')) })
  const detail = await call('GET', `/v1/targets/elevator-rescue-arrival?region=qiandongnan&minPosition=${last + 5}`)
  t.match(detail, { open: 0, overdue: 0, sample: 35, scope: 'qiandongnan', stale: false, provisional: true })
  t.ok(Math.abs(detail.value - (30 * 15 + 5 * 185) / 35) < 1e-9, 'the recorded arrivals replace the bounds')
})

t.test('provisional, finalFrom, stale and coverage come through both target routes', async (t) => {
  const { h, call } = await serve(() => new Date('2021-01-10T04:00:00Z'))
  t.teardown(h.close)
  const readings = ['guiyang', 'zunyi'].map((region) => ({ type: 'IndicatorReported', data: { indicator: 'school-kitchen-transparency', region, asOf: '2020-11-30', numerator: 90, denominator: 100 } }))
  const posted = await call('POST', '/v1/events/batch', { events: readings })
  const position = Math.max(...posted.items.map((i: Json) => i.position))
  for (const path of [`/v1/targets/school-kitchen-transparency?minPosition=${position}`, `/v1/plans/guizhou-2020/targets/school-kitchen-transparency?minPosition=${position}`]) {
    const detail = await call('GET', path)
    t.match(detail, { phase: 'after', provisional: true, finalFrom: '2021-01-16', stale: true, coverage: { reported: 2, expected: 9 } }, path)
    t.equal(detail.coverage.missing.length, 7, 'seven prefectures never reported')
    t.not(detail.status, 'missed', `${path}: ${detail.status}, not missed before December's reports are due`)
    t.match(regionOf(detail, 'bijie'), { status: 'stale', stale: true })
  }
  // A key of Bijie sees the province's counts, and only itself among the missing.
  const bijie = await createKey(h, 'viewer', ['bijie'])
  const seen = await call('GET', `/v1/targets/school-kitchen-transparency?minPosition=${position}`, undefined, bijie)
  t.match(seen.coverage, { reported: 2, expected: 9, missing: ['bijie'] })
  t.same(seen.staleRegions, ['bijie'])
})

t.test('margin: in the answers, and in the webhook payload of the transition ("breached, within the statistical margin")', async (t) => {
  const receiver = await startReceiver()
  const h = await startHarness({ env: fastAlerts })
  t.teardown(async () => {
    await h.close()
    await receiver.close()
  })
  const { secret } = await subscribe(h, { url: receiver.url, filter: { targets: ['food-sampling-pass-rate'], regions: ['zunyi'] } })
  receiver.secrets.push(secret)
  // 195 of 200 batches passed: 97.5%, Wilson 94.3–98.9%, so 98% lies within the interval. The
  // five failures come last: a big batch is judged in chunks and alerts may be derived between
  // them, so the figures seen mid-batch are all passes and the breach is the whole batch's.
  await postBatch(h, Array.from({ length: 200 }, (_, i) => batch({}, { batchId: `M-${i}`, region: 'zunyi', result: i >= 195 ? 'fail' : 'pass' })))
  const breach = () => receiver.received.find((d) => (d.verified as { data?: Json } | null)?.data?.to === 'breached')
  await waitUntil('the breach delivery', () => breach() !== undefined)
  const firing = breach()!.verified as { type: string; data: Json }
  t.equal(breach()!.verifyError, null)
  t.match(firing, { type: 'target.status_changed', data: { region: 'zunyi', to: 'breached', value: 0.975, margin: 'within_interval' } })
  const detail = (await h.app.inject({ method: 'GET', url: '/v1/targets/food-sampling-pass-rate?at=2020-05-31', headers: h.auth() })).json()
  t.match(regionOf(detail, 'zunyi'), { status: 'breached', margin: 'within_interval', sample: 200 })
  const list = (await h.app.inject({ method: 'GET', url: '/v1/targets?at=2020-05-31', headers: h.auth() })).json()
  t.match(regionOf(list.targets.find((x: Json) => x.id === 'food-sampling-pass-rate'), 'zunyi'), { margin: 'within_interval' })
})
