// Facts carry business dates; one reported for a day that has not yet begun anywhere in
// China is a typo or a clock fault, so it is refused rather than folded into a future month.
import { ValidationError } from '../errors.ts'

const shanghaiOffsetMs = 8 * 3600_000

/** Rejects a calendar date later than today in Asia/Shanghai. */
export const assertDateNotFuture = (field: string, date: string, now: string): void => {
  const today = new Date(Date.parse(now) + shanghaiOffsetMs).toISOString().slice(0, 10)
  if (date > today) throw new ValidationError(`${field}: ${date} is in the future (today is ${today} in Asia/Shanghai)`, { field })
}

/** Rejects an instant more than five minutes after now (clock skew allowance). */
export const assertInstantNotFuture = (field: string, instant: string, now: string): void => {
  if (Date.parse(instant) > Date.parse(now) + 5 * 60_000)
    throw new ValidationError(`${field}: ${instant} is in the future (now is ${now})`, { field })
}
