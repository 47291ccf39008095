// The folds behind alerting: the outbox (subscriptions × sent alerts, attempts), open rescues,
// and the alert state with its history. Plain folds over recorded events, no service.
import t from 'tap'
import { type TargetAlertData, alertIdOf } from '../../domain/alerts.ts'
import { deliveryIdOf } from '../../domain/webhooks.ts'
import { alertsProjection, historyLimit } from '../../projections/alerts.ts'
import { rescuesProjection } from '../../projections/rescues.ts'
import { webhooksProjection } from '../../projections/webhooks.ts'
import type { RecordedEvent } from '../../services/store/port.ts'

let position = 0
const recorded = (type: string, data: unknown, id = `event-${position + 1}`): RecordedEvent => {
  position += 1
  const at = new Date(Date.parse('2021-01-10T00:00:00Z') + position * 1000).toISOString()
  return { id, type, stream: 's', revision: 0, position, occurredAt: at, recordedAt: at, data, meta: { principal: 'admin', requestId: 'r', prevHash: '', hash: '', schemaVersion: 1 } }
}
const fold = <S>(projection: { initialState: () => S; evolve: (s: S, e: RecordedEvent) => S }, events: RecordedEvent[]) =>
  events.reduce(projection.evolve, projection.initialState())

const sealed = 'v1.0123abcd.AAAA.BBBB.CCCC'
const subscribed = (webhookId: string, filter: object = {}) => recorded('WebhookSubscribed', { webhookId, url: 'https://example.org/hook', filter, secret: sealed })
const alert = (type: 'AlertRaised' | 'AlertResolved', sequence: number, overrides: Partial<TargetAlertData> = {}): RecordedEvent =>
  recorded(type, {
    alertId: alertIdOf('food-sampling-pass-rate:zunyi', 1),
    fingerprint: 'food-sampling-pass-rate:zunyi',
    sequence,
    evaluatedAt: '2021-01-10T00:00:00.000Z',
    notify: true,
    targetId: 'food-sampling-pass-rate',
    region: 'zunyi',
    from: type === 'AlertRaised' ? 'met' : 'breached',
    to: type === 'AlertRaised' ? 'breached' : 'met',
    value: 0.975,
    threshold: 0.98,
    comparator: 'gte',
    position: 7,
    title: { zh: '抽检合格率', en: 'pass rate' },
    clause: { zh: '', en: '' },
    responsibleUnits: [],
    ...overrides,
  })
const A = 'wh_aaaaaaaaaaaaaaaa'
const B = 'wh_bbbbbbbbbbbbbbbb'

t.test('outbox: a sent alert becomes one pending delivery per active matching subscription, with the body receivers get', async (t) => {
  const raised = alert('AlertRaised', 1)
  const state = fold(webhooksProjection, [subscribed(A), subscribed(B, { regions: ['guizhou'] }), raised])
  const id = deliveryIdOf(A, raised.id)
  t.same(Object.keys(state.deliveries), [id], 'B filters on the province only')
  t.same(state.pending, { [id]: true })
  t.match(state.deliveries[id], {
    webhookId: A,
    status: 'pending',
    nextAttemptAt: raised.recordedAt,
    fingerprint: 'food-sampling-pass-rate:zunyi',
    sequence: 1,
    message: { type: 'target.status_changed', timestamp: '2021-01-10T00:00:00.000Z', data: { status: 'firing', from: 'met', to: 'breached', value: 0.975 } },
  })
})

t.test('outbox: recorded-but-suppressed alerts, and alerts before a subscription, are delivered to nobody', async (t) => {
  const state = fold(webhooksProjection, [alert('AlertRaised', 1), subscribed(A), alert('AlertResolved', 2, { notify: false, suppressed: 'backfill' })])
  t.same(state.deliveries, {})
})

t.test('outbox: attempts, dead letter, manual retry', async (t) => {
  const raised = alert('AlertRaised', 1)
  const id = deliveryIdOf(A, raised.id)
  const attempt = (n: number, outcome: string, statusCode: number | null, nextAttemptAt: string | null) =>
    recorded('DeliveryAttempted', { deliveryId: id, webhookId: A, attempt: n, round: 0, attemptedAt: '2021-01-10T00:00:00.000Z', outcome, statusCode, latencyMs: 3, error: null, nextAttemptAt })
  const failing = fold(webhooksProjection, [subscribed(A), raised, attempt(1, 'failed', 500, '2021-01-10T00:00:05.000Z'), attempt(2, 'failed', 500, null)])
  t.match(failing.deliveries[id], { status: 'pending', attemptsInRound: 2, revision: 1, nextAttemptAt: null })
  const dead = webhooksProjection.evolve(failing, recorded('DeliveryDeadLettered', { deliveryId: id, webhookId: A, round: 0, attempts: 2, reason: 'no success' }))
  t.match(dead.deliveries[id], { status: 'dead_lettered', statusReason: 'no success', revision: 2 })
  t.same(dead.pending, {})
  const retried = webhooksProjection.evolve(dead, recorded('DeliveryRetryRequested', { deliveryId: id, webhookId: A, requestedAt: '2021-01-11T00:00:00.000Z' }))
  t.match(retried.deliveries[id], { status: 'pending', round: 1, attemptsInRound: 0, nextAttemptAt: '2021-01-11T00:00:00.000Z', revision: 3 })
  t.same(retried.pending, { [id]: true })
  t.equal(retried.deliveries[id]!.attempts.length, 2, 'the earlier attempts stay in the record')
})

t.test('outbox: disabling or deleting a subscription cancels its pending deliveries; rotation keeps the previous secret until it expires', async (t) => {
  const raised = alert('AlertRaised', 1)
  const state = fold(webhooksProjection, [subscribed(A), subscribed(B), raised, recorded('WebhookDisabled', { webhookId: A, reason: 'the receiver answered 410 Gone', statusCode: 410 })])
  t.match(state.subscriptions[A], { status: 'disabled', disabledReason: /410/ })
  t.match(state.deliveries[deliveryIdOf(A, raised.id)], { status: 'cancelled' })
  t.match(state.deliveries[deliveryIdOf(B, raised.id)], { status: 'pending' })
  webhooksProjection.evolve(state, recorded('WebhookUnsubscribed', { webhookId: B }))
  t.match(state.deliveries[deliveryIdOf(B, raised.id)], { status: 'cancelled' })
  t.same(state.pending, {})
  webhooksProjection.evolve(state, alert('AlertResolved', 2))
  t.equal(Object.keys(state.deliveries).length, 2, 'inactive subscriptions get nothing new')

  const rotated = fold(webhooksProjection, [subscribed(A), recorded('WebhookSecretRotated', { webhookId: A, secret: 'v1.0123abcd.NEW.NEW.NEW', previousExpiresAt: '2021-01-11T00:00:00.000Z' })])
  t.same(
    rotated.subscriptions[A]!.secrets.map((s) => [s.sealed, s.expiresAt]),
    [
      ['v1.0123abcd.NEW.NEW.NEW', null],
      [sealed, '2021-01-11T00:00:00.000Z'],
    ],
  )
  t.equal(rotated.subscriptions[A]!.revision, 1)
})

t.test('alerts: per fingerprint the latest state; the history keeps every transition, sent or not', async (t) => {
  const state = fold(alertsProjection, [alert('AlertRaised', 1), alert('AlertResolved', 2, { notify: false, suppressed: 'repeat_interval' })])
  // Alerts recorded before plans were data name no plan: their track continues as the 2020 plan's, in their own stream.
  t.same(Object.keys(state.tracks), ['guizhou-2020:food-sampling-pass-rate:zunyi'])
  t.match(state.tracks['guizhou-2020:food-sampling-pass-rate:zunyi'], { state: 'resolved', status: 'met', sequence: 2, targetId: 'food-sampling-pass-rate', region: 'zunyi', lastNotifiedRaiseAt: '2021-01-10T00:00:00.000Z' })
  t.equal(state.tracks['guizhou-2020:food-sampling-pass-rate:zunyi']!.stream, 's', 'the stream it was recorded in')
  const planned = fold(alertsProjection, [alert('AlertRaised', 1, { plan: 'zunyi-2021', fingerprint: 'zunyi-2021:drug-rate:huichuan', targetId: 'drug-rate', region: 'huichuan' })])
  t.same(Object.keys(planned.tracks), ['zunyi-2021:drug-rate:huichuan'], 'an alert that names its plan keeps its fingerprint')
  t.match(planned.history, [{ plan: 'zunyi-2021', fingerprint: 'zunyi-2021:drug-rate:huichuan' }])
  t.same(
    state.history.map((h) => [h.status, h.sequence, h.notified, h.suppressed]),
    [
      ['firing', 1, true, null],
      ['resolved', 2, false, 'repeat_interval'],
    ],
  )
  t.equal(alertsProjection.evolve(state, recorded('SamplingBatchTested', { region: 'zunyi' })), state, 'other events pass through')
  t.equal(historyLimit, 10_000, 'the history in memory is bounded; the log keeps everything')
})

t.test('rescues: open until the rescuer arrives; an overdue incident waits for its resolution, even when the arrival came first', async (t) => {
  const requested = (incidentId: string) => recorded('RescueRequested', { incidentId, region: 'guiyang', reportedAt: '2021-01-10T08:00:00+08:00' })
  const arrived = (incidentId: string) => recorded('RescuerArrived', { incidentId, arrivedAt: '2021-01-10T08:30:00+08:00', region: 'guiyang', reportedAt: '2021-01-10T08:00:00+08:00' })
  const overdue = (incidentId: string) =>
    recorded('RescueOverdue', { incidentId, alertId: alertIdOf(`rescue:${incidentId}`, 1), fingerprint: `rescue:${incidentId}`, sequence: 1, notify: true, region: 'guiyang', reportedAt: '2021-01-10T08:00:00+08:00' })
  const state = fold(rescuesProjection, [requested('quick'), arrived('quick'), requested('slow'), overdue('slow'), requested('__proto__')])
  t.same(Object.keys(state.open).sort(), ['__proto__', 'slow'], 'an identifier like __proto__ is just a key')
  t.equal(Object.getPrototypeOf(state.open), Object.prototype)
  t.match(state.open.slow, { overdue: { fingerprint: 'rescue:slow' } })
  rescuesProjection.evolve(state, arrived('slow'))
  t.match(state.arrived.slow, { arrivedAt: '2021-01-10T08:30:00+08:00', fingerprint: 'rescue:slow' })
  rescuesProjection.evolve(state, overdue('raced')) // the arrival was recorded before the alert
  t.match(state.arrived.raced, { arrivedAt: null })
  rescuesProjection.evolve(state, recorded('RescueOverdueResolved', { incidentId: 'slow' }))
  t.same(Object.keys(state.arrived), ['raced'])
})
