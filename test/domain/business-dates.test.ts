// domain/decide/business-dates.ts on domain/time.ts: a business date later than today in
// Asia/Shanghai is refused, an instant more than five minutes ahead of now is refused.
import t from 'tap'
import { assertDateNotFuture, assertInstantNotFuture } from '../../domain/decide/business-dates.ts'

t.test('a date is in the future only after today in Asia/Shanghai', async (t) => {
  // 16:00 UTC on 12 May is 00:00 on 13 May in Shanghai: the 13th is today there.
  const now = '2020-05-12T16:00:00.000Z'
  t.doesNotThrow(() => assertDateNotFuture('data.sampledOn', '2020-05-13', now))
  t.doesNotThrow(() => assertDateNotFuture('data.sampledOn', '2020-05-12', now))
  t.throws(() => assertDateNotFuture('data.sampledOn', '2020-05-14', now), {
    code: 'VALIDATION_FAILED',
    message: 'data.sampledOn: 2020-05-14 is in the future (today is 2020-05-13 in Asia/Shanghai)',
  })
  // One millisecond earlier it is still the 12th there.
  t.throws(() => assertDateNotFuture('data.sampledOn', '2020-05-13', '2020-05-12T15:59:59.999Z'), { message: /today is 2020-05-12/ })
})

t.test('an instant may be up to five minutes ahead of now', async (t) => {
  const now = '2020-05-12T02:00:00.000Z'
  t.doesNotThrow(() => assertInstantNotFuture('occurredAt', '2020-05-12T10:05:00+08:00', now))
  t.throws(() => assertInstantNotFuture('occurredAt', '2020-05-12T10:05:00.001+08:00', now), { code: 'VALIDATION_FAILED', message: /^occurredAt: .* is in the future/ })
})
