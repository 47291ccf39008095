// The compact "fold" form of a fact (docs/ARCHITECTURE.md, section 3, "The fold column"): only
// the fields the projections read for its type, as a positional JSON array, so a rebuild parses
// a few short values instead of the whole data object. Derived, never the source of truth: the
// JSON data stays the canonical record and the hash input; encode(data) is recomputed by verify
// and the scrub, and a stored fold that differs from it is reported as tampering.
//
// Exactness: decode(encode(data)) must fold to the same state as data in every projection. So
// each type lists the union of the fields any projection reads (compliance, rescues; the other
// projections ignore these types), an absent field is encoded as null, and data that has a null
// or a non-scalar value in a listed field (or is not an object) gets no fold at all: its rows
// are folded from data, as on every store without the column.

/** The fields the projections read, per fact type. Add a field here when a projection reads a new one. */
export const foldedFields: Readonly<Record<string, readonly string[]>> = {
  SamplingBatchTested: ['region', 'stage', 'purpose', 'sampledOn', 'result'],
  InspectionBatchTested: ['program', 'region', 'stage', 'purpose', 'sampledOn', 'result'],
  SamplingResultCorrected: ['region', 'stage', 'purpose', 'sampledOn', 'result', 'previousResult'],
  InspectionResultCorrected: ['program', 'region', 'stage', 'purpose', 'sampledOn', 'result', 'previousResult'],
  MarketEntityRegistered: ['kind', 'region', 'registeredOn'],
  RescueRequested: ['incidentId', 'region', 'reportedAt', 'elevatorId'],
  RescuerArrived: ['incidentId', 'region', 'reportedAt', 'arrivedAt'],
  IndicatorReported: ['plan', 'indicator', 'region', 'asOf', 'numerator', 'denominator'],
  MilestoneAchieved: ['plan', 'targetId', 'itemId', 'title', 'region', 'achievedOn'],
}

const isScalar = (value: unknown): boolean => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
const hasOwn = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key)

/** The fold of a fact, or null when its type has none or its data cannot be folded exactly. */
export const encodeFold = (type: string, data: unknown): string | null => {
  const fields = hasOwn(foldedFields, type) ? foldedFields[type] : undefined
  if (fields === undefined || typeof data !== 'object' || data === null || Array.isArray(data)) return null
  const values: unknown[] = []
  for (const field of fields) {
    if (!hasOwn(data, field)) {
      values.push(null)
      continue
    }
    const value = (data as Record<string, unknown>)[field]
    // A non-finite number has no JSON form; a null would read back as absent.
    if (!isScalar(value) || (typeof value === 'number' && !Number.isFinite(value))) return null
    values.push(value)
  }
  return JSON.stringify(values)
}

/** The data a projection folds from a stored fold: the listed fields that the fact gave. */
export const decodeFold = (type: string, fold: string): Record<string, unknown> => {
  const fields = foldedFields[type]!
  const values = JSON.parse(fold) as unknown[]
  const data: Record<string, unknown> = {}
  for (let index = 0; index < fields.length; index++) {
    const value = values[index]
    if (value !== null && value !== undefined) data[fields[index]!] = value
  }
  return data
}

/** The fold types, for a narrow SQL filter. */
export const foldTypes = (): string[] => Object.keys(foldedFields)
