// Calendar arithmetic in Asia/Shanghai (UTC+8 all year: China has had no daylight saving since
// 1991). Dates are 'YYYY-MM-DD' strings, which also sort chronologically; instants are ISO 8601
// strings with an offset. Nothing here reads a clock: every "now" comes in as an argument.
import type { Period, ReportingCadence } from './targets.ts'

const millisecondsPerDay = 86_400_000
const shanghaiOffsetMilliseconds = 8 * 3_600_000

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/
// The shape zod's iso.datetime({ offset: true }) accepts, seconds optional.
const instantPattern = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/

const pad = (n: number, width: number): string => String(n).padStart(width, '0')

// Proleptic Gregorian day arithmetic in integers (H. Hinnant's days_from_civil / civil_from_days):
// exact for every year, and much cheaper than building Date objects in evaluation loops.
const utcDayNumber = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31

/** True for a real calendar date 'YYYY-MM-DD' (2020-02-30 is not one). */
export const isCalendarDate = (value: unknown): value is string => {
  if (typeof value !== 'string') return false
  const match = datePattern.exec(value)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (month < 1 || month > 12 || day < 1) return false
  return day <= daysInMonth(year, month)
}

/** Days since 1970-01-01 of a calendar date; throws RangeError on anything else. */
export const dayNumber = (date: string): number => {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date YYYY-MM-DD: ${JSON.stringify(date)}`)
  return utcDayNumber(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)))
}

/** The calendar date of a day number (inverse of dayNumber). */
export const dateOfDayNumber = (dayNumber: number): string => {
  const z = dayNumber + 719468
  const era = Math.floor(z / 146097)
  const dayOfEra = z - era * 146097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`
}

export const addDays = (date: string, days: number): string => dateOfDayNumber(dayNumber(date) + days)

/** Signed number of days from `from` to `to` (0 for the same date). */
export const daysBetween = (from: string, to: string): number => dayNumber(to) - dayNumber(from)

/** Milliseconds since the epoch of an ISO 8601 instant with offset; null when it is not one. */
export const instantMilliseconds = (instant: unknown): number | null => {
  if (typeof instant !== 'string') return null
  const match = instantPattern.exec(instant)
  if (!match || !isCalendarDate(match[1])) return null
  const ms = Date.parse(instant)
  return Number.isFinite(ms) ? ms : null
}

export const isInstant = (value: unknown): value is string => instantMilliseconds(value) !== null

/** The Asia/Shanghai calendar date of an epoch millisecond count. */
export const shanghaiDateOfMilliseconds = (ms: number): string =>
  dateOfDayNumber(Math.floor((ms + shanghaiOffsetMilliseconds) / millisecondsPerDay))

/** The Asia/Shanghai calendar date of an instant; throws RangeError when it is not an instant. */
export const shanghaiDate = (instant: string): string => {
  const ms = instantMilliseconds(instant)
  if (ms === null) throw new RangeError(`not an ISO 8601 instant with offset: ${JSON.stringify(instant)}`)
  return shanghaiDateOfMilliseconds(ms)
}

/** The first instant of a Shanghai calendar day. */
export const startOfDayInstant = (date: string): string => `${dateOfDayNumber(dayNumber(date))}T00:00:00.000+08:00`

/** The last millisecond of a Shanghai calendar day (e.g. the `at` that sees the whole day). */
export const endOfDayInstant = (date: string): string => `${dateOfDayNumber(dayNumber(date))}T23:59:59.999+08:00`

/** 'YYYY-MM' of a date. */
export const monthOf = (date: string): string => date.slice(0, 7)

export const firstDayOfMonth = (month: string): string => `${month}-01`

export const lastDayOfMonth = (month: string): string => {
  const year = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7))
  return `${month}-${pad(daysInMonth(year, m), 2)}`
}

/** Months touching [from, to], in order, as 'YYYY-MM'. */
export const monthsBetween = (from: string, to: string): string[] => {
  const months: string[] = []
  for (let month = monthOf(from); month <= monthOf(to); month = monthOf(addDays(lastDayOfMonth(month), 1))) months.push(month)
  return months
}

/** Number of days of a period, both ends inclusive. */
export const periodLengthDays = (period: Period): number => daysBetween(period.start, period.end) + 1

/** Days of the period elapsed through `date` inclusive, within 0..length. */
export const elapsedDays = (period: Period, date: string): number =>
  Math.min(periodLengthDays(period), Math.max(0, daysBetween(period.start, date) + 1))

export type PeriodPhase = 'before' | 'within' | 'after'

/** The date moved into the period: before the start → start, after the end → end. */
export const clampToPeriod = (date: string, period: Period): { date: string; phase: PeriodPhase } => {
  if (date < period.start) return { date: period.start, phase: 'before' }
  if (date > period.end) return { date: period.end, phase: 'after' }
  return { date, phase: 'within' }
}

export interface ReportingWindow {
  /** First and last day of the month or quarter the report covers. */
  start: string
  end: string
  /** Last day on which the report still counts as on time: end + graceDays. */
  dueBy: string
}

const reportingWindowContaining = (date: string, cadence: ReportingCadence): { start: string; end: string } => {
  const month = Number(date.slice(5, 7))
  const firstMonth = cadence === 'monthly' ? month : month - ((month - 1) % 3)
  const start = `${date.slice(0, 4)}-${pad(firstMonth, 2)}-01`
  const lastMonth = `${date.slice(0, 4)}-${pad(firstMonth + (cadence === 'monthly' ? 0 : 2), 2)}`
  return { start, end: lastDayOfMonth(lastMonth) }
}

/**
 * The latest reporting window (month or quarter) of `period` whose report is overdue on `date`:
 * a window's report is due by its last day + graceDays, so on `date` every window ending before
 * date - graceDays must be covered. Windows after the period's end are never due; null when no
 * window of the period is due yet.
 */
export const latestDueReportingWindow = (
  date: string,
  reporting: { cadence: ReportingCadence; graceDays: number },
  period: Period,
): ReportingWindow | null => {
  const lastClosedDay = addDays(date, -(reporting.graceDays + 1))
  let window = reportingWindowContaining(lastClosedDay, reporting.cadence)
  if (window.end !== lastClosedDay) window = reportingWindowContaining(addDays(window.start, -1), reporting.cadence)
  if (window.end > period.end) window = reportingWindowContaining(period.end, reporting.cadence)
  if (window.end < period.start) return null
  return { ...window, dueBy: addDays(window.end, reporting.graceDays) }
}
