// The fold. It mutates the state in place (the runner owns it), never throws, and skips events
// of other types and data that does not fit: the log also holds system events, and a read model
// must survive a malformed record rather than stop the runner.
import type { RecordedEvent } from '../../domain/envelope.ts'
import { foodSafetyProgram, unspecified } from '../../domain/measures.ts'
import { planOfRecordedFact } from '../../domain/plans.ts'
import { regionIdPattern } from '../../domain/regions.ts'
import { instantMilliseconds, isCalendarDate, shanghaiDateOfMilliseconds } from '../../domain/time.ts'
import { type ComplianceState, type DayBuckets, type Reading, getOwn, inspectionCell, ownOrCreate, planKey, setOwn } from './state.ts'

type Data = Record<string, unknown>

const isData = (value: unknown): value is Data => typeof value === 'object' && value !== null && !Array.isArray(value)
const isResult = (value: unknown): value is 'pass' | 'fail' => value === 'pass' || value === 'fail'
const isIdentifier = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 64
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0
const isRegion = (value: unknown): value is string => typeof value === 'string' && regionIdPattern.test(value)
/** An optional field's bucket value: `unspecified` when the fact does not give it. */
const field = (value: unknown): string | null => (value === undefined || value === null ? unspecified : isIdentifier(value) ? value : null)

// Checking a date means parsing it, once per event on a rebuild; a log names a few hundred
// distinct days, so each one found valid is remembered (up to a bound, in case it names many).
const validDays = new Set<string>()
const isDay = (value: unknown): value is string => {
  if (typeof value === 'string' && validDays.has(value)) return true
  if (!isCalendarDate(value)) return false
  if (validDays.size < 50_000) validDays.add(value)
  return true
}

// Region ids and cells may be any identifier a region set or a client names (even "constructor"),
// so they are read and written as own properties; calendar days cannot name a prototype
// property, so day buckets are read and written directly (the hot path of a rebuild).
const daysOf = <V>(byRegion: Record<string, DayBuckets<V>>, region: string): DayBuckets<V> => ownOrCreate(byRegion, region, () => ({}))

const inspectionTested = (state: ComplianceState, d: Data, program: unknown): void => {
  const stage = field(d.stage)
  const purpose = field(d.purpose)
  if (!isIdentifier(program) || stage === null || purpose === null) return
  if (!isRegion(d.region) || !isDay(d.sampledOn) || !isResult(d.result)) return
  const cell = ownOrCreate(state.inspections, inspectionCell(program, stage, purpose), () => ({}) as ComplianceState['inspections'][string])
  const days = daysOf(cell, d.region)
  const bucket = (days[d.sampledOn] ??= [0, 0])
  bucket[0] += 1
  if (d.result === 'pass') bucket[1] += 1
}

const moveResult = (bucket: [number, number], result: 'pass' | 'fail'): boolean => {
  const [tested, passed] = bucket
  if (result === 'pass' && passed < tested) bucket[1] += 1
  else if (result === 'fail' && passed > 0) bucket[1] -= 1
  else return false
  return true
}

// The stored correction carries the batch's region, sampledOn, previous result, stage and
// purpose, so one batch moves between pass and fail in its bucket without any per-batch state
// here. Corrections recorded before stage and purpose were part of the context name neither:
// the batch is then in one of its program's cells of that region and day, and moving it in the
// first that can take it keeps every sum over stages (what those logs' plans measured) exact.
const inspectionCorrected = (state: ComplianceState, d: Data, program: unknown): void => {
  if (!isIdentifier(program) || !isRegion(d.region) || !isDay(d.sampledOn) || !isResult(d.result) || !isResult(d.previousResult)) return
  if (d.result === d.previousResult) return
  const bucketIn = (cell: string) => {
    const days = getOwn(state.inspections, cell)
    const regionDays = days && getOwn(days, d.region as string)
    return regionDays?.[d.sampledOn as string]
  }
  if ('stage' in d || 'purpose' in d) {
    const stage = field(d.stage)
    const purpose = field(d.purpose)
    const bucket = stage !== null && purpose !== null ? bucketIn(inspectionCell(program, stage, purpose)) : undefined
    if (bucket) moveResult(bucket, d.result)
    return
  }
  for (const cell of Object.keys(state.inspections)) {
    if (!cell.startsWith(`${program}|`)) continue
    const bucket = bucketIn(cell)
    if (bucket && moveResult(bucket, d.result)) return
  }
}

const entityRegistered = (state: ComplianceState, d: Data): void => {
  if (!isIdentifier(d.kind) || !isRegion(d.region) || !isDay(d.registeredOn)) return
  const days = daysOf(ownOrCreate(state.entities, d.kind, () => ({}) as ComplianceState['entities'][string]), d.region)
  days[d.registeredOn] = (days[d.registeredOn] ?? 0) + 1
}

const rescueRequested = (state: ComplianceState, d: Data): void => {
  const reported = instantMilliseconds(d.reportedAt)
  if (!isRegion(d.region) || reported === null) return
  const days = daysOf(state.rescueRequests, d.region)
  const day = shanghaiDateOfMilliseconds(reported)
  days[day] = (days[day] ?? 0) + 1
  // Open until its rescuer arrives: it counts in the mean with its elapsed time as a lower bound.
  if (isIdentifier(d.incidentId) && !getOwn(state.openRescues, d.incidentId)) setOwn(state.openRescues, d.incidentId, [d.region, day, reported])
}

const rescuerArrived = (state: ComplianceState, d: Data): void => {
  if (isIdentifier(d.incidentId) && getOwn(state.openRescues, d.incidentId)) delete state.openRescues[d.incidentId]
  const reported = instantMilliseconds(d.reportedAt)
  const arrived = instantMilliseconds(d.arrivedAt)
  if (!isRegion(d.region) || reported === null || arrived === null || arrived < reported) return
  const minutes = (arrived - reported) / 60_000
  const day = shanghaiDateOfMilliseconds(reported)
  const days = daysOf(state.rescues, d.region)
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
    if (readings[mid]![0] < asOf) low = mid + 1
    else high = mid
  }
  return low
}

const indicatorReported = (state: ComplianceState, d: Data): void => {
  const { indicator, region, asOf, numerator, denominator } = d
  if (!isIdentifier(indicator) || !isRegion(region) || !isDay(asOf)) return
  if (!isCount(numerator) || !isCount(denominator) || denominator === 0 || numerator > denominator) return
  const key = planKey(planOfRecordedFact(d.plan), indicator)
  const readings = ownOrCreate(ownOrCreate(state.readings, key, () => ({})), region, () => [] as Reading[])
  const index = lowerBound(readings, asOf)
  const reading: Reading = [asOf, numerator, denominator]
  if (index < readings.length && readings[index]![0] === asOf) readings[index] = reading
  else readings.splice(index, 0, reading)
}

const milestoneAchieved = (state: ComplianceState, d: Data): void => {
  const { targetId, itemId, title, region, achievedOn } = d
  if (!isIdentifier(targetId) || !isIdentifier(itemId) || typeof title !== 'string' || !isDay(achievedOn)) return
  if (region !== undefined && !isRegion(region)) return
  const items = ownOrCreate(state.milestones, planKey(planOfRecordedFact(d.plan), targetId), () => ({}))
  if (getOwn(items, itemId)) return
  setOwn(items, itemId, region === undefined ? { achievedOn, title } : { achievedOn, region, title })
}

const handlers: Record<string, (state: ComplianceState, data: Data) => void> = {
  SamplingBatchTested: (state, d) => inspectionTested(state, d, foodSafetyProgram),
  SamplingResultCorrected: (state, d) => inspectionCorrected(state, d, foodSafetyProgram),
  InspectionBatchTested: (state, d) => inspectionTested(state, d, d.program),
  InspectionResultCorrected: (state, d) => inspectionCorrected(state, d, d.program),
  MarketEntityRegistered: entityRegistered,
  RescueRequested: rescueRequested,
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
