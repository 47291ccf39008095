// The fold. It mutates the state in place (the runner owns it), never throws, and skips events
// of other types and data that does not fit: the log also holds system events, and a read model
// must survive a malformed record rather than stop the runner.
import { isRegionId } from '../../domain/regions.ts'
import { instantMilliseconds, isCalendarDate, shanghaiDateOfMilliseconds } from '../../domain/time.ts'
import type { RecordedEvent } from '../../domain/envelope.ts'
import { type ComplianceState, type Reading, getOwn, ownOrCreate, setOwn } from './state.ts'

type Data = Record<string, unknown>

const isData = (value: unknown): value is Data => typeof value === 'object' && value !== null && !Array.isArray(value)
const isRegion = (value: unknown): value is string => typeof value === 'string' && isRegionId(value)
const isResult = (value: unknown): value is 'pass' | 'fail' => value === 'pass' || value === 'fail'
const isIdentifier = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 64
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

// Checking a date means parsing it, once per event on a rebuild; a log names a few hundred
// distinct days, so each one found valid is remembered (up to a bound, in case it names many).
const validDays = new Set<string>()
const isDay = (value: unknown): value is string => {
  if (typeof value === 'string' && validDays.has(value)) return true
  if (!isCalendarDate(value)) return false
  if (validDays.size < 50_000) validDays.add(value)
  return true
}

// Region ids and calendar dates are checked before they become keys, and neither can name a
// prototype property, so day buckets are read and written directly (the hot path of a rebuild);
// keys that clients name freely (indicator, targetId, itemId) go through getOwn/setOwn.

const samplingTested = (state: ComplianceState, d: Data): void => {
  if (!isRegion(d.region) || !isDay(d.sampledOn) || !isResult(d.result)) return
  const days = (state.sampling[d.region] ??= {})
  const bucket = (days[d.sampledOn] ??= [0, 0])
  bucket[0] += 1
  if (d.result === 'pass') bucket[1] += 1
}

// The stored correction carries the batch's region, sampledOn and previous result, so one batch
// moves between pass and fail in its day's bucket without any per-batch state here.
const samplingCorrected = (state: ComplianceState, d: Data): void => {
  if (!isRegion(d.region) || !isDay(d.sampledOn) || !isResult(d.result) || !isResult(d.previousResult)) return
  if (d.result === d.previousResult) return
  const days = getOwn(state.sampling, d.region)
  const bucket = days && getOwn(days, d.sampledOn)
  if (!bucket) return
  const [tested, passed] = bucket
  if (d.result === 'pass' && passed < tested) bucket[1] += 1
  else if (d.result === 'fail' && passed > 0) bucket[1] -= 1
}

const entityRegistered = (state: ComplianceState, d: Data): void => {
  if (!isRegion(d.region) || !isDay(d.registeredOn)) return
  const days = (state.entities[d.region] ??= {})
  days[d.registeredOn] = (days[d.registeredOn] ?? 0) + 1
}

const rescuerArrived = (state: ComplianceState, d: Data): void => {
  const reported = instantMilliseconds(d.reportedAt)
  const arrived = instantMilliseconds(d.arrivedAt)
  if (!isRegion(d.region) || reported === null || arrived === null || arrived < reported) return
  const minutes = (arrived - reported) / 60_000
  const day = shanghaiDateOfMilliseconds(reported)
  const days = (state.rescues[d.region] ??= {})
  const bucket = (days[day] ??= [0, 0, 0])
  bucket[0] += 1
  bucket[1] += minutes
  bucket[2] += minutes * minutes
}

/** Index of the first reading with asOf >= `asOf` (readings are sorted by asOf). */
const lowerBound = (readings: Reading[], asOf: string): number => {
  let low = 0
  let high = readings.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (readings[mid][0] < asOf) low = mid + 1
    else high = mid
  }
  return low
}

const indicatorReported = (state: ComplianceState, d: Data): void => {
  const { indicator, region, asOf, numerator, denominator } = d
  if (!isIdentifier(indicator) || !isRegion(region) || !isDay(asOf)) return
  if (!isCount(numerator) || !isCount(denominator) || denominator === 0 || numerator > denominator) return
  const readings = ownOrCreate(ownOrCreate(state.readings, indicator, () => ({})), region, () => [] as Reading[])
  const index = lowerBound(readings, asOf)
  const reading: Reading = [asOf, numerator, denominator]
  if (index < readings.length && readings[index][0] === asOf) readings[index] = reading
  else readings.splice(index, 0, reading)
}

const milestoneAchieved = (state: ComplianceState, d: Data): void => {
  const { targetId, itemId, title, region, achievedOn } = d
  if (!isIdentifier(targetId) || !isIdentifier(itemId) || typeof title !== 'string' || !isDay(achievedOn)) return
  if (region !== undefined && !isRegion(region)) return
  const items = ownOrCreate(state.milestones, targetId, () => ({}))
  if (getOwn(items, itemId)) return
  setOwn(items, itemId, region === undefined ? { achievedOn, title } : { achievedOn, region, title })
}

const handlers: Record<string, (state: ComplianceState, data: Data) => void> = {
  SamplingBatchTested: samplingTested,
  SamplingResultCorrected: samplingCorrected,
  MarketEntityRegistered: entityRegistered,
  RescuerArrived: rescuerArrived,
  IndicatorReported: indicatorReported,
  MilestoneAchieved: milestoneAchieved,
}

export const evolveCompliance = (state: ComplianceState, event: RecordedEvent): ComplianceState => {
  if (!isData(event) || typeof event.type !== 'string' || !isData(event.data)) return state
  const handler = getOwn(handlers, event.type)
  if (handler) handler(state, event.data)
  return state
}
