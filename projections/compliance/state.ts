// The compliance read model: day-bucketed counters, plain JSON so the runner can snapshot it
// with JSON.stringify. Its size grows with regions × days × the fields filters select on, never
// with the number of events: a year of sampling in ten regions is a few thousand buckets however
// many batches. Facts are bucketed by every field a plan's filter may name (domain/measures.ts),
// so a plan published later is answered from the same state; readings and milestones belong to
// a plan and are kept per plan.

/** 'YYYY-MM-DD' (Asia/Shanghai calendar day) → value. */
export type DayBuckets<V> = Record<string, V>

/** [asOf, numerator, denominator]. */
export type Reading = [asOf: string, numerator: number, denominator: number]

export interface MilestoneRecord {
  achievedOn: string
  region?: string
  title: string
}

export type OpenRescue = [region: string, reportedDay: string, reportedMs: number]

/** `program|stage|purpose` (an absent stage or purpose is `unspecified`). */
export type InspectionCell = string

export interface ComplianceState {
  /** cell → region → sampledOn → [tested, passed] (latest result per batch). */
  inspections: Record<InspectionCell, Record<string, DayBuckets<[tested: number, passed: number]>>>
  /** kind → region → registeredOn → entities registered. */
  entities: Record<string, Record<string, DayBuckets<number>>>
  /** region → Shanghai day of reportedAt → incidents requested. */
  rescueRequests: Record<string, DayBuckets<number>>
  /** region → Shanghai day of reportedAt → [arrived incidents, sum of minutes, sum of squared minutes]. */
  rescues: Record<string, DayBuckets<[count: number, sumMinutes: number, sumOfSquares: number]>>
  /**
   * incidentId → the incident still waiting for a rescuer: its region, Shanghai day and epoch
   * milliseconds of reportedAt. Small by construction: an arrival removes it.
   */
  openRescues: Record<string, OpenRescue>
  /** `plan/indicator` → region → readings sorted by asOf; a later report with the same asOf replaces the earlier. */
  readings: Record<string, Record<string, Reading[]>>
  /** `plan/targetId` → itemId → the first achievement. */
  milestones: Record<string, Record<string, MilestoneRecord>>
}

export const initialComplianceState = (): ComplianceState => ({
  inspections: {},
  entities: {},
  rescueRequests: {},
  rescues: {},
  openRescues: {},
  readings: {},
  milestones: {},
})

export const inspectionCell = (program: string, stage: string, purpose: string): InspectionCell => `${program}|${stage}|${purpose}`
export const cellParts = (cell: InspectionCell): [program: string, stage: string, purpose: string] => cell.split('|') as [string, string, string]
/** Readings and milestones are kept per plan: two plans may name the same indicator or target. */
export const planKey = (plan: string, id: string): string => `${plan}/${id}`

// Keys that come from clients (indicator, targetId, itemId, program) may be "__proto__" or
// "constructor" (both match the stream identifier pattern), so dynamic keys are read and written
// as own properties only: a plain `obj[key] = v` with "__proto__" would replace the prototype.

export const getOwn = <V>(record: Record<string, V>, key: string): V | undefined =>
  Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined

export const setOwn = <V>(record: Record<string, V>, key: string, value: V): V => {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  return value
}

export const ownOrCreate = <V>(record: Record<string, V>, key: string, create: () => V): V =>
  getOwn(record, key) ?? setOwn(record, key, create())
