// Facts carry business dates; one reported for a day that has not yet begun anywhere in
// China is a typo or a clock fault, so it is refused rather than folded into a future month.
// Calendar arithmetic is domain/time.ts's (the Asia/Shanghai day of an instant).
import { ValidationError } from '../errors.ts'
import { instantMilliseconds, shanghaiDate } from '../time.ts'

/** How far past `now` an instant may lie (clock skew between a reporting system and us). */
const clockSkewMs = 5 * 60_000

/** Rejects a calendar date later than today in Asia/Shanghai. */
export const assertDateNotFuture = (field: string, date: string, now: string): void => {
  const today = shanghaiDate(now)
  if (date > today) throw new ValidationError(`${field}: ${date} is in the future (today is ${today} in Asia/Shanghai)`, { field })
}

/** Rejects an instant more than five minutes after now (clock skew allowance). */
export const assertInstantNotFuture = (field: string, instant: string, now: string): void => {
  const at = instantMilliseconds(instant)
  const nowMs = instantMilliseconds(now)
  if (at !== null && nowMs !== null && at > nowMs + clockSkewMs)
    throw new ValidationError(`${field}: ${instant} is in the future (now is ${now})`, { field })
}
