// Evaluation of the catalog's targets against the compliance read model, at a given instant.
// Pure: the caller passes `at` (now, by default) and the state; nothing here reads a clock.
// The rules are those of ARCHITECTURE.md, "Targets and compliance"; each metric's value is
// defined by the MetricKind doc comments in targets.ts.
import {
  type ComplianceState,
  achievedMilestones,
  entityCount,
  latestReading,
  readingHistory,
  rescueTotals,
  samplingTotals,
} from '../projections/compliance.ts'
import { ValidationError } from './errors.ts'
import { type RegionId, type ScopeId, isRegionId, populationOf, prefectures, provinceId, regionIds } from './regions.ts'
import { type Interval, forecastCount, linearTrendAt, meanInterval, wilsonInterval } from './statistics.ts'
import type { Bilingual, Catalog, MilestoneItem, Status, Target } from './targets.ts'
import {
  type PeriodPhase,
  clampToPeriod,
  dayNumber,
  elapsedDays,
  firstDayOfMonth,
  instantMilliseconds,
  lastDayOfMonth,
  latestDueReportingWindow,
  monthsBetween,
  periodLengthDays,
  shanghaiDateOfMilliseconds,
} from './time.ts'

export type { Interval } from './statistics.ts'

export interface EvaluateOptions {
  /** ISO 8601 instant; its Asia/Shanghai calendar day is the business date. */
  at: string
  /** Evaluate one region instead of the province. */
  region?: string
}

export interface Forecast {
  /** The value expected at the period's end. */
  projected: number
  /** Probability of reaching the threshold by the end (count targets); null for trends. */
  probability: number | null
  /** run_rate_poisson: see forecastCount in statistics.ts; linear_trend: least squares over the readings. */
  method: 'run_rate_poisson' | 'linear_trend'
}

/** target: the target's own threshold; population_share: apportioned by 2020 census population; items: the region's items. */
export type ThresholdBasis = 'target' | 'population_share' | 'items'

export interface RegionReport {
  region: RegionId
  status: Status
  value: number | null
  sample: number
  interval?: Interval
  threshold?: number
  thresholdBasis?: ThresholdBasis
  forecast?: Forecast
  /** reading_ratio: date of the reading the value comes from. */
  asOf?: string
}

export interface ItemReport {
  id: string
  title: Bilingual
  region?: string
  achieved: boolean
  achievedOn: string | null
}

export interface TargetReport {
  id: string
  title: Bilingual
  clause: Bilingual
  section: Bilingual
  responsibleUnits: Bilingual[]
  metric: Target['metric']
  comparator: Target['comparator']
  threshold: number
  unit: Target['unit']
  period: Target['period']
  evaluation: Target['evaluation']
  commitment: Target['commitment']
  /** The province, or the region asked for: the scope of status, value, sample and forecast. */
  scope: ScopeId
  /** The effective business date: the Shanghai day of `at`, clamped to the period's end. */
  at: string
  /** Where that date lies: before the period (nothing evaluated), within, or after (period over). */
  phase: PeriodPhase
  status: Status
  value: number | null
  /** value/threshold (gte, eq) or threshold/value (lte), within 0..1; null without a value. */
  progress: number | null
  interval?: Interval
  forecast?: Forecast
  sample: number
  staleRegions?: string[]
  regions: RegionReport[]
  items?: ItemReport[]
}

export interface SeriesValue {
  value: number | null
  sample: number
}

export interface SeriesPoint {
  /** 'YYYY-MM' */
  month: string
  /** Last day counted: the month's end, or the effective date in its month. */
  through: string
  /** From the period's start through `through`. */
  cumulative: SeriesValue
  /** Within the month only (from its first day, or the period's start, through `through`). */
  within: SeriesValue
}

export interface TargetDetail extends TargetReport {
  series: SeriesPoint[]
}

interface Context {
  state: ComplianceState
  target: Target
  /** The Shanghai day of `at`, unclamped: reporting deadlines run on it after the period too. */
  businessDate: string
  /** The business date clamped to the period. */
  date: string
  phase: PeriodPhase
  /** Figures already computed for this target and date (the province's reading figure needs every region's). */
  figures: Map<ScopeId, Figure>
}

interface Figure {
  status: Status
  value: number | null
  sample: number
  interval?: Interval
  threshold?: number
  thresholdBasis?: ThresholdBasis
  forecast?: Forecast
  asOf?: string
  staleRegions?: string[]
}

interface Scoped {
  threshold: number | null
  basis: ThresholdBasis
}

interface MetricRules {
  /** Regions that get an entry in the province report. */
  listedRegions(target: Target): readonly RegionId[]
  /** The value over events (or readings) dated within [from, to]. */
  measure(ctx: Context, scope: ScopeId, from: string, to: string): SeriesValue
  /** The scope's figure at the context's date. */
  figure(ctx: Context, scope: ScopeId): Figure
}

const scopeRegions = (scope: ScopeId): readonly RegionId[] => (scope === provinceId ? regionIds : [scope])

const tolerance = (threshold: number): number => 1e-12 * Math.max(1, Math.abs(threshold))

const satisfies = (target: Target, value: number, threshold = target.threshold): boolean => {
  if (target.comparator === 'gte') return value >= threshold - tolerance(threshold)
  if (target.comparator === 'lte') return value <= threshold + tolerance(threshold)
  return Math.abs(value - threshold) <= tolerance(threshold)
}

/** Whether a projected end value meets the target; `eq` targets (100% coverage) are reached from below. */
const reaches = (target: Target, projected: number, threshold: number): boolean =>
  target.comparator === 'lte' ? projected <= threshold + tolerance(threshold) : projected >= threshold - tolerance(threshold)

const progressOf = (target: Target, value: number | null, threshold: number | null | undefined): number | null => {
  if (value === null || threshold === null || threshold === undefined) return null
  const clamp = (x: number) => Math.min(1, Math.max(0, x))
  if (target.comparator === 'lte') return value <= 0 ? 1 : clamp(threshold / value)
  return threshold <= 0 ? 1 : clamp(value / threshold)
}

const withScoped = (figure: Figure, scoped: Scoped): Figure =>
  scoped.threshold === null ? figure : { ...figure, threshold: scoped.threshold, thresholdBasis: scoped.basis }

// Ratio and mean targets: a value short of the threshold is a verdict only on a minimum sample.
const sampleStatus = (ctx: Context, value: number | null, sample: number): Status => {
  const { target } = ctx
  if (value === null || sample === 0) return 'no_data'
  if (satisfies(target, value)) return 'met'
  if (sample < (target.minimumSample ?? 1)) return 'at_risk'
  if (target.evaluation === 'continuous') return 'breached'
  return ctx.phase === 'after' ? 'missed' : 'at_risk'
}

// Cumulative targets: met once reached (gte, eq) or, for a cap (lte), breached once exceeded;
// before the end the forecast decides. No event at all gives no basis for a forecast: no_data.
const cumulativeStatus = (ctx: Context, count: number, value: number, threshold: number, projected?: number): Status => {
  const { target } = ctx
  const ended = ctx.phase === 'after'
  if (target.comparator === 'lte') {
    if (!satisfies(target, value, threshold)) return 'breached'
    if (ended) return 'met'
  } else {
    if (value >= threshold - tolerance(threshold)) return 'met'
    if (ended) return 'missed'
  }
  if (count === 0 || projected === undefined) return 'no_data'
  return reaches(target, projected, threshold) ? 'on_track' : 'at_risk'
}

/**
 * Figure of a cumulative count. `countThreshold` is the threshold in events; `toUnit` turns a
 * count into the target's unit (per 1,000 residents for rates); `scoped.threshold` is the
 * threshold in that unit.
 */
const cumulativeFigure = (
  ctx: Context,
  count: number,
  countThreshold: number,
  toUnit: (count: number) => number,
  scoped: Scoped & { threshold: number },
): Figure => {
  const { target, date, phase } = ctx
  const value = toUnit(count)
  let forecast: Forecast | undefined
  if (phase === 'within' && count > 0) {
    const input = { count, elapsedDays: elapsedDays(target.period, date), periodDays: periodLengthDays(target.period) }
    // For a cap, the probability of staying at or below it: 1 - P(count reaches floor(cap) + 1).
    const cap = target.comparator === 'lte'
    const f = forecastCount({ ...input, threshold: cap ? Math.floor(countThreshold) + 1 : countThreshold })
    if (f) forecast = { projected: toUnit(f.projected), probability: cap ? 1 - f.probability : f.probability, method: f.method }
  }
  const status = cumulativeStatus(ctx, count, value, scoped.threshold, forecast?.projected)
  return withScoped({ status, value, sample: count, ...(forecast ? { forecast } : {}) }, scoped)
}

const asCount = (count: number): number => count

const allRegions = (): readonly RegionId[] => regionIds

const eventRatio: MetricRules = {
  listedRegions: allRegions,
  measure: (ctx, scope, from, to) => {
    const { tested, passed } = samplingTotals(ctx.state, scopeRegions(scope), from, to)
    return { value: tested > 0 ? passed / tested : null, sample: tested }
  },
  figure: (ctx, scope) => {
    const { tested, passed } = samplingTotals(ctx.state, scopeRegions(scope), ctx.target.period.start, ctx.date)
    const value = tested > 0 ? passed / tested : null
    const interval = wilsonInterval(passed, tested)
    const figure: Figure = { status: sampleStatus(ctx, value, tested), value, sample: tested, ...(interval ? { interval } : {}) }
    return withScoped(figure, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

const meanDuration: MetricRules = {
  listedRegions: allRegions,
  measure: (ctx, scope, from, to) => {
    const { count, sum } = rescueTotals(ctx.state, scopeRegions(scope), from, to)
    return { value: count > 0 ? sum / count : null, sample: count }
  },
  figure: (ctx, scope) => {
    const { count, sum, sumOfSquares } = rescueTotals(ctx.state, scopeRegions(scope), ctx.target.period.start, ctx.date)
    const value = count > 0 ? sum / count : null
    const normal = meanInterval(count, sum, sumOfSquares)
    const interval = normal && { low: Math.max(0, normal.low), high: normal.high }
    const figure: Figure = { status: sampleStatus(ctx, value, count), value, sample: count, ...(interval ? { interval } : {}) }
    return withScoped(figure, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

const eventCount: MetricRules = {
  listedRegions: allRegions,
  measure: (ctx, scope, from, to) => {
    const count = entityCount(ctx.state, scopeRegions(scope), from, to)
    return { value: count, sample: count }
  },
  figure: (ctx, scope) => {
    const count = entityCount(ctx.state, scopeRegions(scope), ctx.target.period.start, ctx.date)
    if (scope === provinceId) return cumulativeFigure(ctx, count, ctx.target.threshold, asCount, { threshold: ctx.target.threshold, basis: 'target' })
    const population = populationOf(scope)
    // Gui'an has no census population of its own, hence no share of the target: its entities
    // count for the province, and its own entry has a value but no verdict.
    if (population === null) return { status: 'no_data', value: count, sample: count }
    const share = (ctx.target.threshold * population) / (populationOf(provinceId) as number)
    return cumulativeFigure(ctx, count, share, asCount, { threshold: share, basis: 'population_share' })
  },
}

/** count → count per 1,000 residents of the scope; null for Gui'an (no population of its own). */
const perThousand = (scope: ScopeId): ((count: number) => number) | null => {
  const population = populationOf(scope)
  return population === null ? null : (count) => (count * 1000) / population
}

const eventRatePerThousand: MetricRules = {
  listedRegions: allRegions,
  measure: (ctx, scope, from, to) => {
    const { tested } = samplingTotals(ctx.state, scopeRegions(scope), from, to)
    const toRate = perThousand(scope)
    return { value: toRate === null ? null : toRate(tested), sample: tested }
  },
  figure: (ctx, scope) => {
    const { tested } = samplingTotals(ctx.state, scopeRegions(scope), ctx.target.period.start, ctx.date)
    const population = populationOf(scope)
    const toRate = perThousand(scope)
    if (population === null || toRate === null) return { status: 'no_data', value: null, sample: tested }
    const countThreshold = (ctx.target.threshold * population) / 1000
    return cumulativeFigure(ctx, tested, countThreshold, toRate, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

/** Item-per-region targets (every item names its region) list those regions; others none. */
const itemRegions = (target: Target): readonly RegionId[] => {
  const items = target.items ?? []
  if (items.length === 0 || items.some((item) => item.region === undefined)) return []
  return regionIds.filter((r) => items.some((item) => item.region === r))
}

/** Items of the scope: all for the province; for a region, its own items (item-per-region targets). */
const scopeItems = (target: Target, scope: ScopeId): MilestoneItem[] | null => {
  if (!target.items) return null
  return scope === provinceId ? target.items : target.items.filter((item) => item.region === scope)
}

const milestonesMeasure = (ctx: Context, scope: ScopeId, from: string, to: string): SeriesValue => {
  const achieved = achievedMilestones(ctx.state, ctx.target.id, from, to)
  const items = scopeItems(ctx.target, scope)
  let count: number
  if (items) count = items.filter((item) => achieved.has(item.id)).length
  else if (scope === provinceId) count = achieved.size
  else count = [...achieved.values()].filter((record) => record.region === scope).length
  return { value: count, sample: count }
}

const milestoneCount: MetricRules = {
  listedRegions: itemRegions,
  measure: milestonesMeasure,
  figure: (ctx, scope) => {
    const count = milestonesMeasure(ctx, scope, ctx.target.period.start, ctx.date).sample
    const items = scopeItems(ctx.target, scope)
    if (items && items.length > 0)
      return cumulativeFigure(ctx, count, items.length, asCount, { threshold: items.length, basis: scope === provinceId ? 'target' : 'items' })
    // A region with no item of its own has no share of the target.
    if (items) return { status: 'no_data', value: null, sample: 0 }
    // A province-wide count asked for one region: the region's achievements, without a share of the target.
    if (scope !== provinceId) return { status: 'no_data', value: count, sample: count }
    return cumulativeFigure(ctx, count, ctx.target.threshold, asCount, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

const readingsMeasure = (ctx: Context, scope: ScopeId, from: string, to: string): SeriesValue => {
  let numerator = 0
  let denominator = 0
  for (const region of scopeRegions(scope)) {
    const reading = latestReading(ctx.state, ctx.target.id, region, from, to)
    if (reading) {
      numerator += reading[1]
      denominator += reading[2]
    }
  }
  return { value: denominator > 0 ? numerator / denominator : null, sample: denominator }
}

// by_period_end readings: the least-squares line through the scope's value at each reading
// date, projected to the period's end.
const readingTrend = (ctx: Context, scope: ScopeId): Forecast | undefined => {
  const { target, date } = ctx
  if (target.evaluation !== 'by_period_end' || ctx.phase !== 'within') return undefined
  const history = readingHistory(ctx.state, target.id, scopeRegions(scope), target.period.start, date)
  const points = history.map(([asOf, numerator, denominator]) => ({ x: dayNumber(asOf), y: numerator / denominator }))
  const projected = linearTrendAt(points, dayNumber(target.period.end))
  return projected === null ? undefined : { projected: Math.min(1, Math.max(0, projected)), probability: null, method: 'linear_trend' }
}

const readingStatus = (ctx: Context, value: number, forecast: Forecast | undefined): Status => {
  if (satisfies(ctx.target, value)) return 'met'
  if (ctx.target.evaluation === 'continuous') return 'breached'
  if (ctx.phase === 'after') return 'missed'
  return forecast && reaches(ctx.target, forecast.projected, ctx.target.threshold) ? 'on_track' : 'at_risk'
}

// Silence never reads as compliance: once a month's (quarter's) report is overdue, a region
// whose latest reading predates it is stale; a prefecture that never reported is stale once its
// first report was due. Gui'an is not one of the nine prefectures every target covers: never
// having reported leaves it no_data, but once it reports it is held to the cadence.
const readingRegionFigure = (ctx: Context, region: RegionId): Figure => {
  const { target } = ctx
  const scoped: Scoped = { threshold: target.threshold, basis: 'target' }
  const reading = latestReading(ctx.state, target.id, region, target.period.start, ctx.date)
  const due = target.reporting ? latestDueReportingWindow(ctx.businessDate, target.reporting, target.period) : null
  const overdue = due !== null && (reading ? reading[0] < due.start : prefectures.includes(region))
  if (!reading) return withScoped({ status: overdue ? 'stale' : 'no_data', value: null, sample: 0 }, scoped)
  const [asOf, numerator, denominator] = reading
  const value = numerator / denominator
  const forecast = readingTrend(ctx, region)
  const status = overdue ? 'stale' : readingStatus(ctx, value, forecast)
  return withScoped({ status, value, sample: denominator, asOf, ...(forecast ? { forecast } : {}) }, scoped)
}

const readingRatio: MetricRules = {
  listedRegions: allRegions,
  measure: readingsMeasure,
  figure: (ctx, scope) => {
    if (scope !== provinceId) return readingRegionFigure(ctx, scope)
    const stale = regionIds.filter((region) => figureOf(ctx, region).status === 'stale')
    const prefectureStale = stale.some((region) => prefectures.includes(region))
    const { value, sample } = readingsMeasure(ctx, provinceId, ctx.target.period.start, ctx.date)
    const forecast = value === null ? undefined : readingTrend(ctx, provinceId)
    let status: Status
    if (prefectureStale) status = 'stale'
    else status = value === null ? 'no_data' : readingStatus(ctx, value, forecast)
    const figure: Figure = { status, value, sample, ...(forecast ? { forecast } : {}), ...(stale.length ? { staleRegions: stale } : {}) }
    return withScoped(figure, { threshold: ctx.target.threshold, basis: 'target' })
  },
}

const notStarted: Figure = { status: 'no_data', value: null, sample: 0 }

/** The scope's figure, computed once per target and date. */
const figureOf = (ctx: Context, scope: ScopeId): Figure => {
  let figure = ctx.figures.get(scope)
  if (!figure) {
    figure = ctx.phase === 'before' ? notStarted : rules[ctx.target.metric].figure(ctx, scope)
    ctx.figures.set(scope, figure)
  }
  return figure
}

const rules: Record<Target['metric'], MetricRules> = {
  event_ratio: eventRatio,
  event_rate_per_1000: eventRatePerThousand,
  reading_ratio: readingRatio,
  mean_duration: meanDuration,
  event_count: eventCount,
  milestone_count: milestoneCount,
}

const parseOptions = (options: EvaluateOptions): { businessDate: string; scope: ScopeId } => {
  const ms = instantMilliseconds(options.at)
  if (ms === null) throw new ValidationError(`at: must be an ISO 8601 date-time with offset, got ${JSON.stringify(options.at)}`)
  if (options.region !== undefined && options.region !== provinceId && !isRegionId(options.region))
    throw new ValidationError(`region: unknown region ${JSON.stringify(options.region)}`, { allowed: [provinceId, ...regionIds] })
  const scope = (options.region ?? provinceId) as ScopeId
  return { businessDate: shanghaiDateOfMilliseconds(ms), scope }
}

const contextFor = (state: ComplianceState, target: Target, businessDate: string): Context => {
  const { date, phase } = clampToPeriod(businessDate, target.period)
  return { state, target, businessDate, date: phase === 'before' ? businessDate : date, phase, figures: new Map() }
}

const toRegionReport = (region: RegionId, figure: Figure): RegionReport => {
  const { staleRegions: _ignored, ...rest } = figure
  return { region, ...rest }
}

const itemsReport = (ctx: Context, scope: ScopeId): ItemReport[] | undefined => {
  const items = ctx.target.items
  if (!items) return undefined
  const achieved =
    ctx.phase === 'before' ? new Map() : achievedMilestones(ctx.state, ctx.target.id, ctx.target.period.start, ctx.date)
  const listed = scope === provinceId ? items : items.filter((item) => item.region === scope)
  return listed.map((item) => {
    const record = achieved.get(item.id)
    return {
      id: item.id,
      title: item.title,
      ...(item.region ? { region: item.region } : {}),
      achieved: record !== undefined,
      achievedOn: record?.achievedOn ?? null,
    }
  })
}

const report = (ctx: Context, scope: ScopeId): TargetReport => {
  const { target } = ctx
  const listed = rules[target.metric].listedRegions(target).filter((region) => scope === provinceId || region === scope)
  const regions = listed.map((region) => toRegionReport(region, figureOf(ctx, region)))
  const top = figureOf(ctx, scope)
  const staleRegions = scope === provinceId ? top.staleRegions : top.status === 'stale' ? [scope] : undefined
  const items = itemsReport(ctx, scope)
  return {
    id: target.id,
    title: target.title,
    clause: target.clause,
    section: target.section,
    responsibleUnits: target.responsibleUnits,
    metric: target.metric,
    comparator: target.comparator,
    threshold: target.threshold,
    unit: target.unit,
    period: target.period,
    evaluation: target.evaluation,
    commitment: target.commitment,
    scope,
    at: ctx.date,
    phase: ctx.phase,
    status: top.status,
    value: top.value,
    progress: progressOf(target, top.value, top.threshold),
    ...(top.interval ? { interval: top.interval } : {}),
    ...(top.forecast ? { forecast: top.forecast } : {}),
    sample: top.sample,
    ...(staleRegions?.length ? { staleRegions } : {}),
    regions,
    ...(items ? { items } : {}),
  }
}

const series = (ctx: Context, scope: ScopeId): SeriesPoint[] => {
  if (ctx.phase === 'before') return []
  const { start } = ctx.target.period
  const metric = rules[ctx.target.metric]
  return monthsBetween(start, ctx.date).map((month) => {
    const first = firstDayOfMonth(month) < start ? start : firstDayOfMonth(month)
    const through = lastDayOfMonth(month) > ctx.date ? ctx.date : lastDayOfMonth(month)
    return {
      month,
      through,
      cumulative: metric.measure(ctx, scope, start, through),
      within: metric.measure(ctx, scope, first, through),
    }
  })
}

/** Every target of the catalog at `at`, for the province or one region. */
export const evaluateCatalog = (state: ComplianceState, catalog: Catalog, options: EvaluateOptions): TargetReport[] => {
  const { businessDate, scope } = parseOptions(options)
  return catalog.targets.map((target) => report(contextFor(state, target, businessDate), scope))
}

/** One target at `at`, with its monthly series. */
export const evaluateTarget = (state: ComplianceState, target: Target, options: EvaluateOptions): TargetDetail => {
  const { businessDate, scope } = parseOptions(options)
  const ctx = contextFor(state, target, businessDate)
  return { ...report(ctx, scope), series: series(ctx, scope) }
}
