// rescue.overdue: fired once for a recent incident without a rescuer past the threshold (2 s
// here), resolved by the arrival; an incident from 2020 pages nobody.
import t from 'tap'
import { rescueRequested, rescuerArrived } from '../helpers/facts.ts'
import { startHarness } from '../helpers/harness.ts'
import { fastAlerts, postBatch, startReceiver, subscribe, waitUntil } from './helpers.ts'

t.test('an incident without a rescuer fires rescue.overdue once; the arrival resolves it; old incidents stay quiet', async (t) => {
  const receiver = await startReceiver()
  const h = await startHarness({ env: { ...fastAlerts, TARGETWATCH_RESCUE_OVERDUE: '2s' } })
  t.teardown(async () => {
    await h.close()
    await receiver.close()
  })
  const webhook = await subscribe(h, { url: receiver.url, filter: { types: ['rescue.overdue'] } })
  receiver.secrets.push(webhook.secret)

  const reportedAt = new Date(Date.now() - 500).toISOString()
  await postBatch(h, [
    rescueRequested('LIFT-7', { region: 'zunyi', reportedAt, elevatorId: 'E-52030001' }),
    rescueRequested('LIFT-2020', { reportedAt: '2020-06-01T10:00:00+08:00' }),
    rescueRequested('LIFT-quick', { reportedAt }),
  ])
  await postBatch(h, [rescuerArrived('LIFT-quick', new Date(Date.now()).toISOString())])

  await waitUntil('rescue.overdue fired', () => receiver.received.length >= 1)
  const firing = receiver.received[0]!.verified as { type: string; data: Record<string, any> }
  t.equal(receiver.received[0]!.verifyError, null)
  t.match(firing, {
    type: 'rescue.overdue',
    data: { incidentId: 'LIFT-7', region: 'zunyi', reportedAt, elevatorId: 'E-52030001', status: 'firing', sequence: 1, fingerprint: 'rescue:LIFT-7', overdueAfterMinutes: 2 / 60 },
  })
  t.ok(firing.data.minutesElapsed >= 0.03, `minutesElapsed ${firing.data.minutesElapsed} (2 s, in minutes to two decimals)`)

  // Several checks later: still once.
  await new Promise((resolve) => setTimeout(resolve, 600))
  await h.services.alerts.rescueWatch.flush()
  t.equal(receiver.received.length, 1, 'fired once')

  const arrivedAt = new Date().toISOString()
  await postBatch(h, [rescuerArrived('LIFT-7', arrivedAt)])
  await waitUntil('the resolution', () => receiver.received.length >= 2)
  t.match(receiver.received[1]!.verified, { type: 'rescue.overdue', data: { incidentId: 'LIFT-7', status: 'resolved', sequence: 2, arrivedAt, alertId: firing.data.alertId } })

  const alerts = (await h.app.inject({ method: 'GET', url: '/v1/alerts?targetId=elevator-rescue-arrival', headers: h.auth() })).json()
  const history = alerts.history as { kind: string; incidentId: string | null; region: string; status: string; to: string | null }[]
  t.same(
    history.filter((a) => a.kind === 'rescue.overdue').map((a) => [a.incidentId, a.status]),
    [
      ['LIFT-7', 'resolved'],
      ['LIFT-7', 'firing'],
    ],
    'neither the 2020 incident nor the one reached in time raised rescue.overdue',
  )
  // The 2020 incident still has no rescuer: it counts in 2020's mean with its elapsed time to the
  // year's end (a lower bound), one incident short of the minimum sample: at_risk (README, "Verdicts").
  t.match(
    history.filter((a) => a.kind === 'target.status_changed').map((a) => [a.region, a.to]).sort(),
    [
      ['guiyang', 'at_risk'],
      ['guizhou', 'at_risk'],
    ],
  )
  t.same(Object.keys(h.services.runner.state<{ open: object }>('rescues').open), ['LIFT-2020'], 'only the unanswered incident stays open')
})
