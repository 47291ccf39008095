// The compliance read model: day-bucketed counters, plain JSON so the runner can snapshot it
// with JSON.stringify. Its size grows with regions × days × targets, never with the number of
// events: a year of sampling in ten regions is at most 3,660 buckets however many batches.

/** 'YYYY-MM-DD' (Asia/Shanghai calendar day) → value. */
export type DayBuckets<V> = Record<string, V>

/** [asOf, numerator, denominator]. */
export type Reading = [asOf: string, numerator: number, denominator: number]

export interface MilestoneRecord {
  achievedOn: string
  region?: string
  title: string
}

export interface ComplianceState {
  /** region → sampledOn → [tested, passed] (latest result per batch). */
  sampling: Record<string, DayBuckets<[tested: number, passed: number]>>
  /** region → registeredOn → entities registered. */
  entities: Record<string, DayBuckets<number>>
  /** region → Shanghai day of reportedAt → [arrived incidents, sum of minutes, sum of squared minutes]. */
  rescues: Record<string, DayBuckets<[count: number, sumMinutes: number, sumOfSquares: number]>>
  /** indicator → region → readings sorted by asOf; a later report with the same asOf replaces the earlier. */
  readings: Record<string, Record<string, Reading[]>>
  /** targetId → itemId → the first achievement. */
  milestones: Record<string, Record<string, MilestoneRecord>>
}

export const initialComplianceState = (): ComplianceState => ({
  sampling: {},
  entities: {},
  rescues: {},
  readings: {},
  milestones: {},
})

// Keys that come from clients (indicator, targetId, itemId) may be "__proto__" or "constructor"
// (both match the stream identifier pattern), so dynamic keys are read and written as own
// properties only: a plain `obj[key] = v` with "__proto__" would replace the prototype.

export const getOwn = <V>(record: Record<string, V>, key: string): V | undefined =>
  Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined

export const setOwn = <V>(record: Record<string, V>, key: string, value: V): V => {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  return value
}

export const ownOrCreate = <V>(record: Record<string, V>, key: string, create: () => V): V =>
  getOwn(record, key) ?? setOwn(record, key, create())
