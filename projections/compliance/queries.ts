// Read-side sums over the compliance state for a set of regions and a date range [from, to]
// (calendar dates, both inclusive; 'YYYY-MM-DD' strings compare chronologically).
import { type FactSelector, selects } from '../../domain/measures.ts'
import { type ComplianceState, type MilestoneRecord, type Reading, cellParts, getOwn, planKey } from './state.ts'

const sumDays = <V>(
  byRegion: Record<string, Record<string, V>>,
  regions: readonly string[],
  from: string,
  to: string,
  add: (value: V, day: string) => void,
): void => {
  for (const region of regions) {
    const days = getOwn(byRegion, region)
    if (!days) continue
    for (const day of Object.keys(days)) if (day >= from && day <= to) add(days[day]!, day)
  }
}

/** Cells of an inspection measure: the program, stage and purpose its filter selects. */
const inspectionCells = (state: ComplianceState, selector: FactSelector & { family: 'inspections' }): string[] =>
  Object.keys(state.inspections).filter((cell) => {
    const [program, stage, purpose] = cellParts(cell)
    return selects(selector.program, program) && selects(selector.stage, stage) && selects(selector.purpose, purpose)
  })

/** Tested and passed inspection batches of the selected cells, by sampledOn. */
export const inspectionTotals = (
  state: ComplianceState,
  selector: FactSelector & { family: 'inspections' },
  regions: readonly string[],
  from: string,
  to: string,
  onDay?: (tested: number, day: string) => void,
) => {
  let tested = 0
  let passed = 0
  for (const cell of inspectionCells(state, selector))
    sumDays(state.inspections[cell]!, regions, from, to, ([t, p], day) => {
      tested += t
      passed += p
      onDay?.(t, day)
    })
  return { tested, passed }
}

/** Calls `add` with the selected facts of each bucket dated within [from, to]. */
const eachFactDay = (state: ComplianceState, selector: FactSelector, regions: readonly string[], from: string, to: string, add: (n: number, day: string) => void): void => {
  switch (selector.family) {
    case 'inspections':
      inspectionTotals(state, selector, regions, from, to, add)
      return
    case 'entities':
      for (const kind of Object.keys(state.entities)) if (selects(selector.kind, kind)) sumDays(state.entities[kind]!, regions, from, to, add)
      return
    case 'rescues':
      sumDays(state.rescueRequests, regions, from, to, add)
      return
    default: {
      const _exhaustive: never = selector
      return _exhaustive
    }
  }
}

/** How many selected facts are dated within [from, to]. */
export const factCount = (state: ComplianceState, selector: FactSelector, regions: readonly string[], from: string, to: string): number => {
  let count = 0
  eachFactDay(state, selector, regions, from, to, (n) => {
    count += n
  })
  return count
}

/** The latest day within [from, to] on which any selected fact is dated; null when none is (event-fed staleness). */
export const latestFactDay = (state: ComplianceState, selector: FactSelector, regions: readonly string[], from: string, to: string): string | null => {
  let latest: string | null = null
  eachFactDay(state, selector, regions, from, to, (n, day) => {
    if (n > 0 && (latest === null || day > latest)) latest = day
  })
  return latest
}

/** The selected facts dated within [from, to], by month 'YYYY-MM', in one pass (the seasonal forecast's input). */
export const factCountsByMonth = (state: ComplianceState, selector: FactSelector, regions: readonly string[], from: string, to: string): Record<string, number> => {
  const months: Record<string, number> = {}
  eachFactDay(state, selector, regions, from, to, (n, day) => {
    const month = day.slice(0, 7)
    months[month] = (months[month] ?? 0) + n
  })
  return months
}

export const rescueTotals = (state: ComplianceState, regions: readonly string[], from: string, to: string) => {
  let count = 0
  let sum = 0
  let sumOfSquares = 0
  sumDays(state.rescues, regions, from, to, ([n, s, q]) => {
    count += n
    sum += s
    sumOfSquares += q
  })
  return { count, sum, sumOfSquares }
}

/**
 * Minutes elapsed at `atMs` of each incident still open (no arrival recorded) reported by `atMs`
 * in `regions` on a day within [from, to]: the lower bounds of their rescue times.
 */
export const openRescueMinutes = (state: ComplianceState, regions: readonly string[], from: string, to: string, atMs: number): number[] => {
  const minutes: number[] = []
  const wanted = new Set(regions)
  for (const id of Object.keys(state.openRescues)) {
    const [region, day, reportedMs] = state.openRescues[id]!
    if (wanted.has(region) && day >= from && day <= to && reportedMs <= atMs) minutes.push((atMs - reportedMs) / 60_000)
  }
  return minutes
}

/** A plan's readings of an indicator in one region, sorted by asOf. */
export const readingsOf = (state: ComplianceState, plan: string, indicator: string, region: string): readonly Reading[] => {
  const byRegion = getOwn(state.readings, planKey(plan, indicator))
  return (byRegion && getOwn(byRegion, region)) ?? []
}

/** The region's latest reading with asOf in [from, to], or null (binary search: readings are sorted). */
export const latestReading = (
  state: ComplianceState,
  plan: string,
  indicator: string,
  region: string,
  from: string,
  to: string,
): Reading | null => {
  const readings = readingsOf(state, plan, indicator, region)
  let low = 0
  let high = readings.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (readings[mid][0] <= to) low = mid + 1
    else high = mid
  }
  const latest = low > 0 ? readings[low - 1] : undefined
  return latest && latest[0] >= from ? latest : null
}

/**
 * The regions' combined reading at each date in [from, to] on which any of them reported: the
 * sums of numerators and denominators of each region's latest reading as of that date.
 */
export const readingHistory = (
  state: ComplianceState,
  plan: string,
  indicator: string,
  regions: readonly string[],
  from: string,
  to: string,
): Reading[] => {
  const reports: [asOf: string, region: number, numerator: number, denominator: number][] = []
  regions.forEach((region, index) => {
    for (const [asOf, numerator, denominator] of readingsOf(state, plan, indicator, region))
      if (asOf >= from && asOf <= to) reports.push([asOf, index, numerator, denominator])
  })
  reports.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
  const current = regions.map(() => [0, 0])
  const history: Reading[] = []
  let numerator = 0
  let denominator = 0
  for (const [asOf, region, n, d] of reports) {
    numerator += n - current[region][0]
    denominator += d - current[region][1]
    current[region] = [n, d]
    if (history.length > 0 && history[history.length - 1][0] === asOf) history[history.length - 1] = [asOf, numerator, denominator]
    else history.push([asOf, numerator, denominator])
  }
  return history
}

/** itemId → first achievement of the target, with achievedOn in [from, to]. */
export const achievedMilestones = (
  state: ComplianceState,
  plan: string,
  targetId: string,
  from: string,
  to: string,
): Map<string, MilestoneRecord> => {
  const items = getOwn(state.milestones, planKey(plan, targetId)) ?? {}
  const achieved = new Map<string, MilestoneRecord>()
  for (const itemId of Object.keys(items)) {
    const record = items[itemId]
    if (record.achievedOn >= from && record.achievedOn <= to) achieved.set(itemId, record)
  }
  return achieved
}
