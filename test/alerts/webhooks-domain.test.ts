// The pure webhook pieces: retry schedule arithmetic, Retry-After, outcomes, durations, ids,
// filters, the signature base string (checked against the standardwebhooks package).
import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { deliveryIdOf, matchesFilter } from '../../domain/webhooks.ts'
import { parseDuration, parseDurationList } from '../../services/alerts/durations.ts'
import { jitterFraction, nextStep, outcomeOfStatus, productionRetrySchedule, retryAfterMs } from '../../services/alerts/retry.ts'
import { signatureBaseString } from '../../services/alerts/signing.ts'
import { newWebhookSecret, sign, signatureHeader } from '../../services/alerts/signing.ts'

const schedule = [1000, 2000, 5000]
const now = Date.parse('2021-03-01T00:00:00Z')

t.test('after attempt k fails, the next waits schedule[k-1] ± jitter; after the last entry, dead letter', async (t) => {
  for (const [k, base] of schedule.entries()) {
    const low = nextStep({ outcome: 'failed', attemptsInRound: k + 1, schedule, nowMs: now, retryAfterMs: null, random: 0 })
    const high = nextStep({ outcome: 'failed', attemptsInRound: k + 1, schedule, nowMs: now, retryAfterMs: null, random: 0.999999 })
    t.same(low, { kind: 'retry', at: now + base * (1 - jitterFraction), delayMs: base * (1 - jitterFraction) })
    t.ok(high.kind === 'retry' && Math.abs(high.delayMs - base * (1 + jitterFraction)) <= 1)
  }
  t.same(nextStep({ outcome: 'failed', attemptsInRound: 4, schedule, nowMs: now, retryAfterMs: null, random: 0.5 }), { kind: 'dead_letter' }, 'four attempts in all')
  t.same(nextStep({ outcome: 'delivered', attemptsInRound: 1, schedule, nowMs: now, retryAfterMs: null, random: 0.5 }), { kind: 'done' })
  t.same(nextStep({ outcome: 'gone', attemptsInRound: 1, schedule, nowMs: now, retryAfterMs: null, random: 0.5 }), { kind: 'done' })
})

t.test('Retry-After is honoured when longer than the schedule, and read as seconds or an HTTP date', async (t) => {
  t.match(nextStep({ outcome: 'failed', attemptsInRound: 1, schedule, nowMs: now, retryAfterMs: 30_000, random: 0.5 }), { kind: 'retry', delayMs: 30_000 })
  t.match(nextStep({ outcome: 'failed', attemptsInRound: 1, schedule, nowMs: now, retryAfterMs: 10, random: 0.5 }), { kind: 'retry', delayMs: 1000 })
  t.equal(retryAfterMs('120', now), 120_000)
  t.equal(retryAfterMs('Mon, 01 Mar 2021 00:01:00 GMT', now), 60_000)
  t.equal(retryAfterMs('Mon, 01 Mar 2020 00:01:00 GMT', now), 0, 'a date in the past: at once')
  t.equal(retryAfterMs('9999999999', now), 86_400_000, 'capped at a day')
  t.equal(retryAfterMs('soon', now), null)
  t.equal(retryAfterMs(null, now), null)
})

t.test('2xx delivers, 410 is gone, everything else (3xx included) failed', async (t) => {
  t.same([200, 204, 299].map(outcomeOfStatus), ['delivered', 'delivered', 'delivered'])
  t.same([301, 302, 304, 400, 404, 429, 500, 503].map(outcomeOfStatus), Array(8).fill('failed'))
  t.equal(outcomeOfStatus(410), 'gone')
})

t.test('durations and the production schedule', async (t) => {
  t.same(['250ms', '5s', '30m', '2h', '1d'].map(parseDuration), [250, 5000, 1_800_000, 7_200_000, 86_400_000])
  t.equal(parseDuration('5'), null)
  t.equal(parseDuration('-5s'), null)
  t.same(parseDurationList('1s, 2s,5s'), { ok: true, value: [1000, 2000, 5000] })
  t.same(parseDurationList('1s,soon'), { ok: false, message: "item 2 'soon' is not a duration like 500ms, 5s, 30m, 2h or 1d" })
  t.same(productionRetrySchedule, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000])
})

t.test('a delivery id depends on the subscription and the event only', async (t) => {
  const id = deliveryIdOf('wh_aaaaaaaaaaaaaaaa', 'event-1')
  t.match(id, /^msg_[0-9a-f]{32}$/)
  t.equal(deliveryIdOf('wh_aaaaaaaaaaaaaaaa', 'event-1'), id)
  t.not(deliveryIdOf('wh_bbbbbbbbbbbbbbbb', 'event-1'), id)
  t.not(deliveryIdOf('wh_aaaaaaaaaaaaaaaa', 'event-2'), id)
})

t.test('filters: absent lists match all; each present list must match', async (t) => {
  const subject = { type: 'target.status_changed' as const, targetId: 'food-sampling-pass-rate', region: 'zunyi' }
  t.ok(matchesFilter({}, subject))
  t.ok(matchesFilter({ targets: ['food-sampling-pass-rate'], regions: ['zunyi', 'guizhou'], types: ['target.status_changed'] }, subject))
  t.notOk(matchesFilter({ regions: ['guizhou'] }, subject))
  t.notOk(matchesFilter({ targets: ['elevator-rescue-arrival'] }, subject))
  t.notOk(matchesFilter({ types: ['rescue.overdue'] }, subject))
})

t.test('signatures: what standardwebhooks computes, one per secret during a rotation', async (t) => {
  const secret = newWebhookSecret()
  const body = '{"type":"webhook.test","timestamp":"2021-03-01T00:00:00.000Z","data":{}}'
  const seconds = Math.floor(Date.now() / 1000)
  t.equal(signatureBaseString('msg_1', seconds, body), `msg_1.${seconds}.${body}`)
  t.equal(sign(secret, 'msg_1', seconds, body), new Webhook(secret).sign('msg_1', new Date(seconds * 1000), body))
  const other = newWebhookSecret()
  const header = signatureHeader([other, secret], 'msg_1', seconds, body)
  t.equal(header.split(' ').length, 2)
  const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(seconds), 'webhook-signature': header }
  t.doesNotThrow(() => new Webhook(secret).verify(body, headers))
  t.doesNotThrow(() => new Webhook(other).verify(body, headers))
  t.throws(() => new Webhook(secret).verify(body.replace('test', 'tset'), headers))
})
