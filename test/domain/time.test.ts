import t from 'tap'
import {
  addDays,
  clampToPeriod,
  dateOfDayNumber,
  dayNumber,
  daysBetween,
  elapsedDays,
  endOfDayInstant,
  instantMilliseconds,
  isCalendarDate,
  lastDayOfMonth,
  latestDueReportingWindow,
  monthOf,
  monthsBetween,
  periodLengthDays,
  shanghaiDate,
  startOfDayInstant,
} from '../../domain/time.ts'

const year2020 = { start: '2020-01-01', end: '2020-12-31', timeZone: 'Asia/Shanghai' } as const

t.test('day numbers count days since 1970-01-01 and invert', async (t) => {
  t.equal(dayNumber('1970-01-01'), 0)
  t.equal(dayNumber('2020-01-01'), 18262)
  t.equal(dateOfDayNumber(18262), '2020-01-01')
  t.equal(daysBetween('2020-02-28', '2020-03-01'), 2, '2020 is a leap year')
  t.equal(daysBetween('2021-02-28', '2021-03-01'), 1)
  t.equal(addDays('2020-12-31', 1), '2021-01-01')
  t.equal(addDays('2020-03-01', -1), '2020-02-29')
})

t.test('only real calendar dates are dates', async (t) => {
  t.ok(isCalendarDate('2020-02-29'))
  for (const bad of ['2021-02-29', '2020-02-30', '2020-13-01', '2020-00-10', '2020-1-1', '20200101', '2020-01-01T00:00:00Z', 20200101, null])
    t.notOk(isCalendarDate(bad), String(bad))
  t.throws(() => dayNumber('2020-02-30'), RangeError)
})

t.test('the Shanghai date of an instant is its UTC+8 calendar day', async (t) => {
  t.equal(shanghaiDate('2020-06-01T15:59:59.999Z'), '2020-06-01')
  t.equal(shanghaiDate('2020-06-01T16:00:00Z'), '2020-06-02')
  t.equal(shanghaiDate('2020-06-01T00:00:00+08:00'), '2020-06-01')
  t.equal(shanghaiDate('2020-05-31T12:00:00-05:00'), '2020-06-01', 'another offset')
  t.equal(shanghaiDate('2020-12-31T16:00:00Z'), '2021-01-01', 'new year comes early in Shanghai')
  t.equal(shanghaiDate('2020-07-01T12:00+08:00'), '2020-07-01', 'seconds optional')
  t.throws(() => shanghaiDate('2020-06-01'), RangeError, 'a date is not an instant')
  t.throws(() => shanghaiDate('2020-06-01T10:00:00'), RangeError, 'an instant needs an offset')
  t.throws(() => shanghaiDate('2020-02-30T10:00:00+08:00'), RangeError)
  t.equal(instantMilliseconds('yesterday'), null)
})

t.test('start and end of a Shanghai day', async (t) => {
  t.equal(endOfDayInstant('2020-12-31'), '2020-12-31T23:59:59.999+08:00')
  t.equal(shanghaiDate(endOfDayInstant('2020-12-31')), '2020-12-31')
  t.equal(instantMilliseconds(endOfDayInstant('2020-12-31'))! + 1, instantMilliseconds(startOfDayInstant('2021-01-01')))
})

t.test('months', async (t) => {
  t.equal(monthOf('2020-02-14'), '2020-02')
  t.equal(lastDayOfMonth('2020-02'), '2020-02-29')
  t.equal(lastDayOfMonth('2020-12'), '2020-12-31')
  t.strictSame(monthsBetween('2020-11-15', '2021-02-01'), ['2020-11', '2020-12', '2021-01', '2021-02'])
  t.strictSame(monthsBetween('2020-03-01', '2020-03-31'), ['2020-03'])
})

t.test('periods: length, elapsed days, clamping', async (t) => {
  t.equal(periodLengthDays(year2020), 366)
  t.equal(elapsedDays(year2020, '2020-01-01'), 1)
  t.equal(elapsedDays(year2020, '2020-06-30'), 182)
  t.equal(elapsedDays(year2020, '2019-06-30'), 0)
  t.equal(elapsedDays(year2020, '2021-06-30'), 366)
  t.strictSame(clampToPeriod('2019-12-31', year2020), { date: '2020-01-01', phase: 'before' })
  t.strictSame(clampToPeriod('2020-07-01', year2020), { date: '2020-07-01', phase: 'within' })
  t.strictSame(clampToPeriod('2020-12-31', year2020), { date: '2020-12-31', phase: 'within' })
  t.strictSame(clampToPeriod('2021-01-01', year2020), { date: '2020-12-31', phase: 'after' })
})

t.test('reporting windows fall due graceDays after they close', async (t) => {
  const monthly = { cadence: 'monthly' as const, graceDays: 10 }
  t.equal(latestDueReportingWindow('2020-02-10', monthly, year2020), null, 'January is due by 10 February')
  t.strictSame(latestDueReportingWindow('2020-02-11', monthly, year2020), { start: '2020-01-01', end: '2020-01-31', dueBy: '2020-02-10' })
  t.match(latestDueReportingWindow('2020-03-31', monthly, year2020), { start: '2020-02-01' })
  t.match(latestDueReportingWindow('2020-04-01', monthly, year2020), { start: '2020-02-01' })
  t.match(latestDueReportingWindow('2020-04-11', monthly, year2020), { start: '2020-03-01' })
  t.match(latestDueReportingWindow('2021-01-11', monthly, year2020), { start: '2020-12-01', dueBy: '2021-01-10' })
  t.match(latestDueReportingWindow('2022-06-01', monthly, year2020), { start: '2020-12-01' }, 'never past the period')
  t.match(latestDueReportingWindow('2020-03-01', { cadence: 'monthly', graceDays: 0 }, year2020), { start: '2020-02-01' })

  const quarterly = { cadence: 'quarterly' as const, graceDays: 15 }
  t.equal(latestDueReportingWindow('2020-04-15', quarterly, year2020), null)
  t.strictSame(latestDueReportingWindow('2020-04-16', quarterly, year2020), { start: '2020-01-01', end: '2020-03-31', dueBy: '2020-04-15' })
  t.match(latestDueReportingWindow('2020-10-16', quarterly, year2020), { start: '2020-07-01', end: '2020-09-30' })
  t.match(latestDueReportingWindow('2021-01-16', quarterly, year2020), { start: '2020-10-01', end: '2020-12-31' })

  const fromMay = { start: '2020-05-15', end: '2020-12-31', timeZone: 'Asia/Shanghai' } as const
  t.equal(latestDueReportingWindow('2020-05-20', monthly, fromMay), null, 'April is outside the period')
  t.match(latestDueReportingWindow('2020-06-11', monthly, fromMay), { start: '2020-05-01' }, 'a partial first month is still due')
})
