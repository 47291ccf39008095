// The alert decision as a specification: given the fingerprint's state folded from the log,
// when an evaluation observes a status, then this transition (or none) is recorded, sent or not.
import t, { type Test } from 'tap'
import {
  type AlertTrack,
  type Transition,
  type TransitionContext,
  alertEventId,
  alertIdOf,
  applyAlertEvent,
  decideTransition,
  overdueMinutes,
} from '../../domain/alerts.ts'
import type { Status } from '../../domain/targets.ts'

const fingerprint = 'food-sampling-pass-rate:zunyi'
const hour = 3_600_000
const ctx = (overrides: Partial<TransitionContext> = {}): TransitionContext => ({
  fingerprint,
  now: '2021-01-10T12:00:00.000Z',
  live: true,
  repeatIntervalMs: 4 * hour,
  ...overrides,
})

/** Folds the transitions as the projection would (evaluatedAt = the context's now). */
const fold = (steps: { transition: Transition; now: string }[]): AlertTrack | undefined =>
  steps.reduce<AlertTrack | undefined>(
    (track, { transition, now }) =>
      applyAlertEvent(track, transition.type, {
        alertId: transition.alertId,
        fingerprint,
        sequence: transition.sequence,
        evaluatedAt: now,
        notify: transition.notify,
        ...(transition.suppressed ? { suppressed: transition.suppressed } : {}),
        targetId: 'food-sampling-pass-rate',
        region: 'zunyi',
        from: transition.from,
        to: transition.to,
        value: 0.9,
        threshold: 0.98,
        comparator: 'gte',
        position: 1,
        title: { zh: '', en: '' },
        clause: { zh: '', en: '' },
        responsibleUnits: [],
      }),
    undefined,
  )

/** given the observations so far (each at its time), when `status` is observed at `now`. */
const given = (history: [Status, string][], live = true) => {
  const steps: { transition: Transition; now: string }[] = []
  for (const [status, now] of history) {
    const transition = decideTransition(fold(steps), status, ctx({ now, live }))
    if (transition) steps.push({ transition, now })
  }
  return {
    steps,
    when: (status: Status, now: string, options: Partial<TransitionContext> = {}) => decideTransition(fold(steps), status, ctx({ now, ...options })),
  }
}

const at = (hours: number) => new Date(Date.parse('2021-01-10T00:00:00.000Z') + hours * hour).toISOString()

t.test('into a firing status: a raise that starts an episode; met, on_track and no_data raise nothing', async (t: Test) => {
  for (const status of ['breached', 'at_risk', 'missed', 'stale'] as const)
    t.match(given([]).when(status, at(0)), { type: 'AlertRaised', sequence: 1, from: 'no_data', to: status, notify: true, alertId: alertIdOf(fingerprint, 1) }, status)
  for (const status of ['met', 'on_track', 'no_data'] as const) t.equal(given([]).when(status, at(0)), null, status)
  t.match(given([]).when('breached', at(0), { previousObserved: 'met' }), { from: 'met' }, 'from: the status seen at the previous evaluation')
})

t.test('firing: the same status again is nothing; another firing status is a change within the episode', async (t) => {
  const g = given([['at_risk', at(0)]])
  t.equal(g.when('at_risk', at(1)), null)
  const change = g.when('breached', at(1))
  t.match(change, { type: 'AlertRaised', sequence: 2, from: 'at_risk', to: 'breached', notify: true })
  t.equal(change!.alertId, g.steps[0]!.transition.alertId, 'same episode')
  t.equal(g.when('no_data', at(1)), null, 'no data is not a recovery')
})

t.test('back to met or on_track: a resolution of the episode, sent because the raise was', async (t) => {
  const g = given([['breached', at(0)]])
  t.match(g.when('met', at(1)), { type: 'AlertResolved', sequence: 2, from: 'breached', to: 'met', notify: true, alertId: g.steps[0]!.transition.alertId })
  t.match(g.when('on_track', at(1)), { type: 'AlertResolved', to: 'on_track' })
})

t.test('history (not live): recorded, suppressed as backfill; its resolution is not sent either', async (t) => {
  const g = given([['breached', at(0)]], false)
  t.match(g.steps[0]!.transition, { notify: false, suppressed: 'backfill' })
  t.match(g.when('met', at(1)), { type: 'AlertResolved', notify: false, suppressed: 'backfill' })
  const sent = given([['breached', at(0)]])
  t.match(sent.when('met', at(1), { live: false }), { notify: true }, 'a sent episode is always resolved for receivers, even from history')
})

t.test('flapping: a re-raise within the repeat interval of the last sent raise is recorded, not sent; a reminder follows once it has passed', async (t) => {
  const g = given([
    ['breached', at(0)],
    ['met', at(1)],
  ])
  const again = g.when('breached', at(2))
  t.match(again, { type: 'AlertRaised', sequence: 3, notify: false, suppressed: 'repeat_interval' })
  t.not(again!.alertId, g.steps[0]!.transition.alertId, 'a new episode')
  const flapped = given([
    ['breached', at(0)],
    ['met', at(1)],
    ['breached', at(2)],
  ])
  t.match(flapped.when('met', at(3)), { type: 'AlertResolved', notify: false, suppressed: 'repeat_interval' }, 'its resolution is not sent either')
  t.equal(flapped.when('breached', at(3.9)), null, 'still within the interval: nothing')
  t.match(flapped.when('breached', at(4)), { type: 'AlertRaised', sequence: 4, from: 'breached', to: 'breached', notify: true, reminder: true }, 'sent once the interval has passed')
  t.match(
    given([
      ['breached', at(0)],
      ['met', at(1)],
    ]).when('breached', at(5)),
    { notify: true },
    'after the interval a re-raise is sent at once',
  )
})

t.test('ids are deterministic: same fingerprint, sequence and status, same id; anything else differs', async (t) => {
  const id = alertEventId(fingerprint, 3, 'AlertRaised', 'breached')
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID (version 8, RFC 9562)')
  t.equal(alertEventId(fingerprint, 3, 'AlertRaised', 'breached'), id)
  t.not(alertEventId(fingerprint, 4, 'AlertRaised', 'breached'), id)
  t.not(alertEventId(fingerprint, 3, 'AlertRaised', 'at_risk'), id)
  t.not(alertEventId('food-sampling-pass-rate:guizhou', 3, 'AlertRaised', 'breached'), id)
})

t.test('rescue overdue: after the threshold, within the recent window only', async (t) => {
  const policy = { overdueAfterMs: 20 * 60_000, windowMs: 24 * hour }
  const reportedAt = '2021-01-10T08:00:00+08:00'
  t.equal(overdueMinutes(reportedAt, '2021-01-10T00:19:59.000Z', policy), null, 'not yet')
  t.equal(overdueMinutes(reportedAt, '2021-01-10T00:20:00.000Z', policy), 20)
  t.equal(overdueMinutes(reportedAt, '2021-01-10T00:25:30.000Z', policy), 25.5)
  t.equal(overdueMinutes(reportedAt, '2021-01-11T00:00:01.000Z', policy), null, 'reported over a day ago: history, nobody is paged')
  t.equal(overdueMinutes(reportedAt, '2021-01-11T00:00:01.000Z', { ...policy, windowMs: null }), 1440.02, 'unless the window is lifted (backfill)')
})
