// The 2020 calendar the simulated year runs on: public holidays and make-up working days as the
// State Council announced them (the Spring Festival holiday extended to 2 February, and most
// offices in Guizhou closed until 9 February for COVID-19), and how busy each kind of work is
// by month: February 2020 is the deep dip.
import { addDays, dayNumber } from '../../domain/time.ts'

export const yearStart = '2020-01-01'
export const yearEnd = '2020-12-31'
export const daysOfYear: readonly string[] = Array.from({ length: 366 }, (_, i) => addDays(yearStart, i))

export type DayKind = 'workday' | 'weekend' | 'holiday'

const holidayRanges: readonly [string, string][] = [
  ['2020-01-01', '2020-01-01'], // New Year
  ['2020-01-24', '2020-02-09'], // Spring Festival, extended; offices closed for COVID-19
  ['2020-04-04', '2020-04-06'], // Qingming
  ['2020-05-01', '2020-05-05'], // Labour Day
  ['2020-06-25', '2020-06-27'], // Dragon Boat Festival
  ['2020-10-01', '2020-10-08'], // National Day and Mid-Autumn Festival
]
/** Weekend days worked to make up for the holidays. */
const makeUpWorkdays = new Set(['2020-01-19', '2020-04-26', '2020-05-09', '2020-06-28', '2020-09-27', '2020-10-10'])

export const dayKind = (date: string): DayKind => {
  if (holidayRanges.some(([from, to]) => date >= from && date <= to)) return 'holiday'
  if (makeUpWorkdays.has(date)) return 'workday'
  const weekday = (dayNumber(date) + 4) % 7 // 1970-01-01 was a Thursday; 0 = Sunday
  return weekday === 0 || weekday === 6 ? 'weekend' : 'workday'
}

/** How busy a kind of work is: by month (January = index 0) and by kind of day. */
export interface Activity {
  monthly: readonly number[]
  days: Record<DayKind, number>
}

export const activities = {
  // Registrations: online filing goes on at weekends; February 2020 is a quarter of a normal month,
  // then a catch-up from April and a year-end push.
  registration: {
    monthly: [0.78, 0.26, 0.86, 1.08, 1.14, 1.12, 1.05, 1.02, 1.08, 0.9, 1.1, 1.26],
    days: { workday: 1, weekend: 0.3, holiday: 0.08 },
  },
  // Food sampling is fieldwork on working days; stepped up in the second half to reach the plan.
  sampling: {
    monthly: [0.62, 0.12, 0.72, 1.0, 1.08, 1.1, 1.1, 1.1, 1.16, 0.98, 1.22, 1.2],
    days: { workday: 1, weekend: 0.1, holiday: 0.03 },
  },
  // Elevator entrapments: fewer while people stayed home, more in the wet, hot summer.
  entrapment: {
    monthly: [0.9, 0.62, 0.86, 0.98, 1.04, 1.12, 1.16, 1.14, 1.04, 1.0, 0.98, 0.98],
    days: { workday: 1, weekend: 0.85, holiday: 0.7 },
  },
} satisfies Record<string, Activity>

export const weightOf = (activity: Activity, date: string): number =>
  activity.monthly[Number(date.slice(5, 7)) - 1]! * activity.days[dayKind(date)]

/**
 * `total` split over the days of 2020 in proportion to the activity, as whole numbers that sum
 * exactly to `total` (cumulative rounding: no day drifts by more than one from its share).
 * `monthFactors` (January first) multiply each month's volume on top: the year then brings
 * `total` times their weighted mean, a busy month is not made up for by a quiet one.
 */
export const allocate = (total: number, activity: Activity, monthFactors?: readonly number[]): number[] => {
  const plain = daysOfYear.map((date) => weightOf(activity, date))
  const weights = monthFactors ? daysOfYear.map((date, day) => plain[day]! * monthFactors[Number(date.slice(5, 7)) - 1]!) : plain
  const sum = weights.reduce((a, b) => a + b, 0)
  if (monthFactors) total = Math.round((total * sum) / plain.reduce((a, b) => a + b, 0))
  let cumulative = 0
  let allocated = 0
  return weights.map((weight) => {
    cumulative += weight
    const upTo = Math.round((total * cumulative) / sum)
    const today = upTo - allocated
    allocated = upTo
    return today
  })
}

const shanghaiOffsetMs = 8 * 3_600_000

/** An ISO 8601 instant in Shanghai time, to the second: 2020-05-12T09:30:00+08:00. */
export const shanghaiInstant = (epochMs: number): string =>
  `${new Date(Math.floor(epochMs / 1000) * 1000 + shanghaiOffsetMs).toISOString().slice(0, 19)}+08:00`

/** Milliseconds since the epoch of `seconds` after midnight of a Shanghai calendar day. */
export const epochMsOf = (date: string, seconds: number): number => Date.parse(`${date}T00:00:00+08:00`) + seconds * 1000

/** The Shanghai calendar day of an instant written by shanghaiInstant. */
export const dateOfInstant = (instant: string): string => instant.slice(0, 10)
