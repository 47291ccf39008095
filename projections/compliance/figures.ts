// Measurement: each metric's value over the folded state for a scope (the plan's root or one of
// its regions) and a date range, and the scope's figure (status, value, sample, interval,
// threshold, forecast) at the evaluation's date. The status rules are domain/verdicts.ts.
import { linearTrendAt, meanInterval, wilsonInterval } from '../../domain/statistics.ts'
import type { MilestoneItem, Status, Target } from '../../domain/targets.ts'
import { type PeriodPhase, dayNumber, endOfDayInstant, instantMilliseconds } from '../../domain/time.ts'
import { type Margin, bindingStatus, cumulativeStatus, marginOf, readingStatus, sampleStatus, satisfies } from '../../domain/verdicts.ts'
import { eventFedMetrics, reportingOf, rootReporting } from './coverage.ts'
import { type CountByMonth, forecastCumulative } from './forecast.ts'
import type { PlanView } from './plan-view.ts'
import { achievedMilestones, factCount, factCountsByMonth, inspectionTotals, latestReading, openRescueMinutes, readingHistory, rescueTotals } from './queries.ts'
import type { Coverage, Forecast, Interval, SeriesValue, ThresholdBasis } from './report-schemas.ts'
import type { ComplianceState } from './state.ts'

export interface Context {
  state: ComplianceState
  view: PlanView
  target: Target
  /** The Shanghai day of `at`, unclamped: reporting deadlines run on it after the period too. */
  businessDate: string
  /** `at` in epoch milliseconds, to the minute: how long an open rescue has waited (evaluationKey). */
  atMs: number
  /** The business date clamped to the period. */
  date: string
  /**
   * The phase the status rules see (domain/verdicts.ts, `verdictPhase`): `within` also after the
   * period's end until its last report is due, so no verdict is final before then.
   */
  phase: PeriodPhase
  /** Where the business date lies against the period itself (the answer's `phase`). */
  periodPhase: PeriodPhase
  /** Figures already computed for this target and date (the root's reading figure needs every region's). */
  figures: Map<string, Figure>
}

export interface Figure {
  status: Status
  value: number | null
  sample: number
  interval?: Interval
  /** Ratio and mean figures: whether the threshold lies within the interval (domain/verdicts.ts, marginOf). */
  margin?: Margin
  threshold?: number
  thresholdBasis?: ThresholdBasis
  forecast?: Forecast
  asOf?: string
  staleRegions?: string[]
  /** mean_duration: incidents still waiting for a rescuer at `at`, and those of them past the threshold. */
  open?: number
  overdue?: number
  /** The scope's report is overdue (a region), or a required region's is (the root): projections/compliance/coverage.ts. */
  stale?: boolean
  coverage?: Coverage
}

interface Scoped {
  threshold: number | null
  basis: ThresholdBasis
}

export interface MetricRules {
  /** Regions that get an entry in the root's report. */
  listedRegions(ctx: Context): readonly string[]
  /** The value over events (or readings) dated within [from, to]. */
  measure(ctx: Context, scope: string, from: string, to: string): SeriesValue
  /** The scope's figure at the context's date. */
  figure(ctx: Context, scope: string): Figure
}

const regionsOf = (ctx: Context, scope: string) => ctx.view.regions.regionsOf(scope)
const rootOf = (ctx: Context) => ctx.view.regions.rootId
const isRoot = (ctx: Context, scope: string) => scope === rootOf(ctx)
const members = (ctx: Context): readonly string[] => ctx.view.regions.memberIds

const withScoped = (figure: Figure, scoped: Scoped): Figure =>
  scoped.threshold === null ? figure : { ...figure, threshold: scoped.threshold, thresholdBasis: scoped.basis }

/**
 * Figure of a cumulative count. `countThreshold` is the threshold in events; `toUnit` turns a
 * count into the target's unit (per 1,000 residents for rates); `scoped.threshold` is the
 * threshold in that unit; `countByMonth` counts the scope's facts in any date range by month (the forecast
 * reads earlier periods' seasons from it).
 */
const cumulativeFigure = (
  ctx: Context,
  count: number,
  countThreshold: number,
  toUnit: (count: number) => number,
  scoped: Scoped & { threshold: number },
  countByMonth?: CountByMonth,
): Figure => {
  const { target, phase } = ctx
  const value = toUnit(count)
  let forecast: Forecast | undefined
  if (phase === 'within' && count > 0) {
    // For a cap, the probability of staying at or below it: 1 - P(count reaches floor(cap) + 1).
    const cap = target.comparator === 'lte'
    const f = forecastCumulative(ctx, { count, countThreshold: cap ? Math.floor(countThreshold) + 1 : countThreshold, countByMonth })
    if (f) forecast = { ...f, projected: toUnit(f.projected), probability: cap ? 1 - f.probability : f.probability }
  }
  const status = cumulativeStatus(target, phase, count, value, scoped.threshold, forecast?.projected)
  return withScoped({ status, value, sample: count, ...(forecast ? { forecast } : {}) }, scoped)
}

const asCount = (count: number): number => count

/**
 * The count a per-capita figure of `scope` divides: its own facts, plus the share of the facts
 * of regions whose residents its census figure includes (Gui'an's, for Guiyang and Anshun).
 */
const creditedCount = (ctx: Context, scope: string, count: (regions: readonly string[]) => number): number => {
  let total = 0
  for (const { region, share } of ctx.view.regions.creditedTo(scope)) total += share * count(regionsOf(ctx, region))
  return total
}

const inspections = (ctx: Context, regions: readonly string[], from: string, to: string) => {
  const selector = ctx.view.selectorOf(ctx.target)
  if (selector.family !== 'inspections') return { tested: 0, passed: 0 }
  return inspectionTotals(ctx.state, selector, regions, from, to)
}

const counted = (ctx: Context, regions: readonly string[], from: string, to: string): number =>
  factCount(ctx.state, ctx.view.selectorOf(ctx.target), regions, from, to)

const countedByMonth = (ctx: Context, regions: readonly string[], from: string, to: string): Record<string, number> =>
  factCountsByMonth(ctx.state, ctx.view.selectorOf(ctx.target), regions, from, to)

/** creditedCount by month. */
const creditedByMonth = (ctx: Context, scope: string, from: string, to: string): Record<string, number> => {
  const total: Record<string, number> = {}
  for (const { region, share } of ctx.view.regions.creditedTo(scope))
    for (const [month, n] of Object.entries(countedByMonth(ctx, regionsOf(ctx, region), from, to))) total[month] = (total[month] ?? 0) + share * n
  return total
}

const eventRatio: MetricRules = {
  listedRegions: members,
  measure: (ctx, scope, from, to) => {
    const { tested, passed } = inspections(ctx, regionsOf(ctx, scope), from, to)
    return { value: tested > 0 ? passed / tested : null, sample: tested }
  },
  figure: (ctx, scope) => {
    const { tested, passed } = inspections(ctx, regionsOf(ctx, scope), ctx.target.period.start, ctx.date)
    const value = tested > 0 ? passed / tested : null
    const interval = wilsonInterval(passed, tested)
    const margin = marginOf(ctx.target.threshold, interval)
    const figure: Figure = { status: sampleStatus(ctx.target, ctx.phase, value, tested), value, sample: tested, ...(interval ? { interval } : {}), ...(margin ? { margin } : {}) }
    return withScoped(figure, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

/**
 * Rescue times over [from, to]: arrived incidents with their times, and incidents still open at
 * `at` (no arrival recorded; at the end of `to` for an earlier range) with their elapsed time, a
 * lower bound — the slowest cases must not drop out of the mean.
 */
const rescueTimes = (ctx: Context, scope: string, from: string, to: string) => {
  const { count, sum, sumOfSquares } = rescueTotals(ctx.state, regionsOf(ctx, scope), from, to)
  const until = Math.min(ctx.atMs, instantMilliseconds(endOfDayInstant(to))!)
  const open = openRescueMinutes(ctx.state, regionsOf(ctx, scope), from, to, until)
  const n = count + open.length
  const total = open.reduce((s, m) => s + m, sum)
  return {
    n,
    total,
    sumOfSquares: open.reduce((s, m) => s + m * m, sumOfSquares),
    open: open.length,
    overdue: open.filter((minutes) => !satisfies(ctx.target, minutes)).length,
  }
}

const meanDuration: MetricRules = {
  listedRegions: members,
  measure: (ctx, scope, from, to) => {
    const { n, total } = rescueTimes(ctx, scope, from, to)
    return { value: n > 0 ? total / n : null, sample: n }
  },
  // Open incidents push the status through the mean: their lower bounds can only raise it.
  figure: (ctx, scope) => {
    const { n, total, sumOfSquares, open, overdue } = rescueTimes(ctx, scope, ctx.target.period.start, ctx.date)
    const value = n > 0 ? total / n : null
    const normal = meanInterval(n, total, sumOfSquares)
    const interval = normal && { low: Math.max(0, normal.low), high: normal.high }
    const margin = marginOf(ctx.target.threshold, interval)
    const figure: Figure = { status: sampleStatus(ctx.target, ctx.phase, value, n), value, sample: n, ...(interval ? { interval } : {}), ...(margin ? { margin } : {}), open, overdue }
    return withScoped(figure, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

const eventCount: MetricRules = {
  listedRegions: members,
  measure: (ctx, scope, from, to) => {
    const count = isRoot(ctx, scope) ? counted(ctx, regionsOf(ctx, scope), from, to) : creditedCount(ctx, scope, (regions) => counted(ctx, regions, from, to))
    return { value: count, sample: count }
  },
  figure: (ctx, scope) => {
    const { target } = ctx
    if (isRoot(ctx, scope)) {
      const byMonth: CountByMonth = (from, to) => countedByMonth(ctx, regionsOf(ctx, scope), from, to)
      return cumulativeFigure(ctx, counted(ctx, regionsOf(ctx, scope), target.period.start, ctx.date), target.threshold, asCount, { threshold: target.threshold, basis: 'target' }, byMonth)
    }
    const population = ctx.view.regions.populationOf(scope)
    const rootPopulation = ctx.view.regions.populationOf(rootOf(ctx))
    // A region without a census population of its own (Gui'an) has no share of the target: its
    // facts count for the root and, by their share, for the regions its residents are counted in.
    if (population === null || rootPopulation === null) {
      const own = counted(ctx, regionsOf(ctx, scope), target.period.start, ctx.date)
      return { status: 'no_data', value: own, sample: own }
    }
    const count = creditedCount(ctx, scope, (regions) => counted(ctx, regions, target.period.start, ctx.date))
    const share = (target.threshold * population) / rootPopulation
    return cumulativeFigure(ctx, count, share, asCount, { threshold: share, basis: 'population_share' }, (from, to) => creditedByMonth(ctx, scope, from, to))
  },
}

/** count → count per 1,000 residents of the scope; null without a population of its own. */
const perThousand = (ctx: Context, scope: string): ((count: number) => number) | null => {
  const population = ctx.view.regions.populationOf(scope)
  return population === null ? null : (count) => (count * 1000) / population
}

const scopeCount = (ctx: Context, scope: string, from: string, to: string): number =>
  isRoot(ctx, scope) ? counted(ctx, regionsOf(ctx, scope), from, to) : creditedCount(ctx, scope, (regions) => counted(ctx, regions, from, to))

const eventRatePerThousand: MetricRules = {
  listedRegions: members,
  measure: (ctx, scope, from, to) => {
    const toRate = perThousand(ctx, scope)
    if (toRate === null) return { value: null, sample: counted(ctx, regionsOf(ctx, scope), from, to) }
    const count = scopeCount(ctx, scope, from, to)
    return { value: toRate(count), sample: count }
  },
  figure: (ctx, scope) => {
    const population = ctx.view.regions.populationOf(scope)
    const toRate = perThousand(ctx, scope)
    if (population === null || toRate === null)
      return { status: 'no_data', value: null, sample: counted(ctx, regionsOf(ctx, scope), ctx.target.period.start, ctx.date) }
    const byMonth: CountByMonth = (from, to) => (isRoot(ctx, scope) ? countedByMonth(ctx, regionsOf(ctx, scope), from, to) : creditedByMonth(ctx, scope, from, to))
    const countThreshold = (ctx.target.threshold * population) / 1000
    return cumulativeFigure(ctx, scopeCount(ctx, scope, ctx.target.period.start, ctx.date), countThreshold, toRate, { threshold: ctx.target.threshold, basis: 'target' }, byMonth)
  },
}

/** Item-per-region targets (every item names its region) list those regions; others none. */
const itemRegions = (ctx: Context): readonly string[] => {
  const items = ctx.target.items ?? []
  if (items.length === 0 || items.some((item) => item.region === undefined)) return []
  return members(ctx).filter((r) => items.some((item) => item.region === r))
}

/** Items of the scope: all for the root; for a region, its own items (item-per-region targets). */
export const scopeItems = (ctx: Context, scope: string): MilestoneItem[] | null => {
  const { items } = ctx.target
  if (!items) return null
  return isRoot(ctx, scope) ? items : items.filter((item) => item.region === scope)
}

export const achievedOf = (ctx: Context, from: string, to: string) => achievedMilestones(ctx.state, ctx.view.plan.id, ctx.target.id, from, to)

const milestonesMeasure = (ctx: Context, scope: string, from: string, to: string): SeriesValue => {
  const achieved = achievedOf(ctx, from, to)
  const items = scopeItems(ctx, scope)
  let count: number
  if (items) count = items.filter((item) => achieved.has(item.id)).length
  else if (isRoot(ctx, scope)) count = achieved.size
  else count = [...achieved.values()].filter((record) => record.region === scope).length
  return { value: count, sample: count }
}

const milestoneCount: MetricRules = {
  listedRegions: itemRegions,
  measure: milestonesMeasure,
  figure: (ctx, scope) => {
    const count = milestonesMeasure(ctx, scope, ctx.target.period.start, ctx.date).sample
    const items = scopeItems(ctx, scope)
    const root = isRoot(ctx, scope)
    if (items && items.length > 0)
      return cumulativeFigure(ctx, count, items.length, asCount, { threshold: items.length, basis: root ? 'target' : 'items' })
    // A region with no item of its own has no share of the target.
    if (items) return { status: 'no_data', value: null, sample: 0 }
    // A plan-wide count asked for one region: the region's achievements, without a share of the target.
    if (!root) return { status: 'no_data', value: count, sample: count }
    return cumulativeFigure(ctx, count, ctx.target.threshold, asCount, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

const latestOf = (ctx: Context, region: string, from: string, to: string) =>
  latestReading(ctx.state, ctx.view.plan.id, ctx.view.indicatorOf(ctx.target), region, from, to)

/** The sums of the latest readings of `regions` dated within [from, to]. */
const sumOfLatest = (ctx: Context, regions: readonly string[], from: string, to: string): SeriesValue => {
  let numerator = 0
  let denominator = 0
  for (const region of regions) {
    const reading = latestOf(ctx, region, from, to)
    if (reading) {
      numerator += reading[1]
      denominator += reading[2]
    }
  }
  return { value: denominator > 0 ? numerator / denominator : null, sample: denominator }
}

const readingsMeasure = (ctx: Context, scope: string, from: string, to: string): SeriesValue =>
  sumOfLatest(ctx, isRoot(ctx, scope) ? members(ctx) : [scope], from, to)

// by_period_end readings: the least-squares line through the combined value of `regions` at each
// reading date, projected to the period's end.
const readingTrend = (ctx: Context, regions: readonly string[]): Forecast | undefined => {
  const { target, date } = ctx
  if (target.evaluation !== 'by_period_end' || ctx.phase !== 'within') return undefined
  const history = readingHistory(ctx.state, ctx.view.plan.id, ctx.view.indicatorOf(target), regions, target.period.start, date)
  const points = history.map(([asOf, numerator, denominator]) => ({ x: dayNumber(asOf), y: numerator / denominator }))
  const projected = linearTrendAt(points, dayNumber(target.period.end))
  return projected === null ? undefined : { projected: Math.min(1, Math.max(0, projected)), probability: null, method: 'linear_trend' }
}

// Silence never reads as compliance: once a month's (quarter's) report is overdue, a region
// whose latest reading predates it is stale (its status, with its last value beside it); a
// required region that never reported is stale once its first report was due. A voluntary
// region (Gui'an) that never reported is no_data, but once it reports it is held to the cadence.
const readingRegionFigure = (ctx: Context, region: string): Figure => {
  const { target } = ctx
  const scoped: Scoped = { threshold: target.threshold, basis: 'target' }
  const reading = latestOf(ctx, region, target.period.start, ctx.date)
  const overdue = reportingOf(ctx, region)?.stale ?? false
  const flag = overdue ? { stale: true } : {}
  if (!reading) return withScoped({ status: overdue ? 'stale' : 'no_data', value: null, sample: 0, ...flag }, scoped)
  const [asOf, numerator, denominator] = reading
  const value = numerator / denominator
  const forecast = readingTrend(ctx, [region])
  const status = overdue ? 'stale' : readingStatus(target, ctx.phase, value, forecast?.projected)
  return withScoped({ status, value, sample: denominator, asOf, ...(forecast ? { forecast } : {}), ...flag }, scoped)
}

// The root: the regions with a current report make its figure (a silent region's old reading is
// not the province's present); `stale` flags a required region's overdue report beside the status,
// and the coverage says who is missing. Before the first report is due, regions that have not yet
// reported leave the figure partial: it cannot be met (nor breached) on the early reporters alone.
const readingRootFigure = (ctx: Context): Figure => {
  const { target } = ctx
  const reporting = rootReporting(ctx)
  const counted = reporting ? reporting.current : members(ctx)
  const { value, sample } = sumOfLatest(ctx, counted, target.period.start, ctx.date)
  const forecast = value === null ? undefined : readingTrend(ctx, counted)
  const stale = reporting?.stale ?? false
  let status: Status
  if (value === null) status = stale ? 'stale' : 'no_data'
  else {
    status = readingStatus(target, ctx.phase, value, forecast?.projected)
    if (reporting?.pending.length) status = status === 'met' ? 'on_track' : status === 'breached' ? 'at_risk' : status
  }
  const figure: Figure = {
    status,
    value,
    sample,
    ...(forecast ? { forecast } : {}),
    ...(reporting?.staleRegions.length ? { staleRegions: reporting.staleRegions } : {}),
    stale,
    ...(reporting ? { coverage: reporting.coverage } : {}),
  }
  return withScoped(figure, { threshold: target.threshold, basis: 'target' })
}

const readingRatio: MetricRules = {
  listedRegions: members,
  measure: readingsMeasure,
  figure: (ctx, scope) => (isRoot(ctx, scope) ? readingRootFigure(ctx) : readingRegionFigure(ctx, scope)),
}

/**
 * An event-fed figure with its staleness (a region with no facts for longer than the target's
 * cadence is flagged; its status stands, the facts it did send still count) and, at the root,
 * the coverage. Targets without a reporting cadence are returned as they are.
 */
const withEventStaleness = (ctx: Context, scope: string, figure: Figure): Figure => {
  if (!eventFedMetrics.has(ctx.target.metric) || !ctx.target.reporting) return figure
  if (!isRoot(ctx, scope)) return reportingOf(ctx, scope)?.stale ? { ...figure, stale: true } : figure
  const reporting = rootReporting(ctx)
  if (!reporting) return figure
  return {
    ...figure,
    stale: reporting.stale,
    coverage: reporting.coverage,
    ...(reporting.staleRegions.length ? { staleRegions: reporting.staleRegions } : {}),
  }
}

export const rules: Record<Target['metric'], MetricRules> = {
  event_ratio: eventRatio,
  event_rate_per_1000: eventRatePerThousand,
  reading_ratio: readingRatio,
  mean_duration: meanDuration,
  event_count: eventCount,
  milestone_count: milestoneCount,
}

const notStarted: Figure = { status: 'no_data', value: null, sample: 0 }

/** The scope's figure, computed once per target and date. */
export const figureOf = (ctx: Context, scope: string): Figure => {
  let figure = ctx.figures.get(scope)
  if (!figure) {
    figure = ctx.phase === 'before' ? notStarted : withEventStaleness(ctx, scope, rules[ctx.target.metric].figure(ctx, scope))
    const status = bindingStatus(ctx.target, figure.status)
    if (status !== figure.status) figure = { ...figure, status }
    ctx.figures.set(scope, figure)
  }
  return figure
}
