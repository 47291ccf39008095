// Report assembly: every target of a plan at `at`, for the plan's root (the province) or one of
// its regions, with each region's figure, the items of milestone targets and, for one target,
// a monthly series. Pure: the caller passes `at` and the folded state; nothing here reads a clock.
import { ValidationError } from '../../domain/errors.ts'
import { clampToPeriod, firstDayOfMonth, instantMilliseconds, lastDayOfMonth, monthsBetween, shanghaiDateOfMilliseconds } from '../../domain/time.ts'
import type { Target } from '../../domain/targets.ts'
import { finalFrom, isProvisional, progressOf, verdictPhase } from '../../domain/verdicts.ts'
import { type Context, type Figure, achievedOf, figureOf, rules } from './figures.ts'
import type { PlanView } from './plan-view.ts'
import type { ItemReport, RegionReport, SeriesPoint, TargetDetail, TargetReport } from './report-schemas.ts'
import type { ComplianceState } from './state.ts'

export interface EvaluateOptions {
  /** ISO 8601 instant; its Asia/Shanghai calendar day is the business date. */
  at: string
  /** Evaluate one region of the plan's set instead of its root. */
  region?: string
}

/** `at` to the minute: open rescues are timed in whole minutes, so answers within a minute agree. */
const toMinute = (ms: number): number => Math.floor(ms / 60_000) * 60_000

/**
 * What an answer at `at` depends on besides the log position, plan and region: the business day,
 * and the minute while a rescue is open (its elapsed time grows). For caches of answers.
 */
export const evaluationKey = (state: ComplianceState, at: string): string => {
  const ms = instantMilliseconds(at)
  if (ms === null) return at
  const day = shanghaiDateOfMilliseconds(ms)
  return Object.keys(state.openRescues).length > 0 ? `${day}@${toMinute(ms)}` : day
}

const parseOptions = (view: PlanView, options: EvaluateOptions): { businessDate: string; atMs: number; scope: string } => {
  const ms = instantMilliseconds(options.at)
  if (ms === null) throw new ValidationError(`at: must be an ISO 8601 date-time with offset, got ${JSON.stringify(options.at)}`)
  const root = view.regions.rootId
  if (options.region !== undefined && !view.regions.isScope(options.region))
    throw new ValidationError(`region: '${options.region}' is not a region of plan ${view.plan.id}`, { allowed: [root, ...view.regions.memberIds] })
  return { businessDate: shanghaiDateOfMilliseconds(ms), atMs: toMinute(ms), scope: options.region ?? root }
}

const contextFor = (state: ComplianceState, view: PlanView, target: Target, businessDate: string, atMs: number): Context => {
  const { date, phase } = clampToPeriod(businessDate, target.period)
  return {
    state,
    view,
    target,
    businessDate,
    atMs,
    // Clamped on both sides (issue 15 item 7): before the period `at` is its start, after it its end.
    date,
    phase: verdictPhase(target, businessDate),
    periodPhase: phase,
    figures: new Map(),
  }
}

const toRegionReport = (region: string, figure: Figure): RegionReport => {
  const { staleRegions: _list, coverage: _coverage, stale, ...rest } = figure
  return { region, ...rest, stale: stale ?? false }
}

const itemsReport = (ctx: Context, scope: string): ItemReport[] | undefined => {
  const items = ctx.target.items
  if (!items) return undefined
  const achieved = ctx.phase === 'before' ? new Map() : achievedOf(ctx, ctx.target.period.start, ctx.date)
  const listed = scope === ctx.view.regions.rootId ? items : items.filter((item) => item.region === scope)
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

const report = (ctx: Context, scope: string): TargetReport => {
  const { target } = ctx
  const root = ctx.view.regions.rootId
  const listed = rules[target.metric].listedRegions(ctx).filter((region) => scope === root || region === scope)
  const regions = listed.map((region) => toRegionReport(region, figureOf(ctx, region)))
  const top = figureOf(ctx, scope)
  const staleRegions = scope === root ? top.staleRegions : top.stale ? [scope] : undefined
  const items = itemsReport(ctx, scope)
  return {
    id: target.id,
    title: target.title,
    clause: target.clause,
    section: target.section,
    responsibleUnits: target.responsibleUnits,
    metric: target.metric,
    ...(target.computedFrom ? { computedFrom: target.computedFrom } : {}),
    comparator: target.comparator,
    threshold: target.threshold,
    unit: target.unit,
    period: target.period,
    evaluation: target.evaluation,
    commitment: target.commitment,
    ...(target.semanticsNote ? { semanticsNote: target.semanticsNote } : {}),
    scope,
    at: ctx.date,
    phase: ctx.periodPhase,
    provisional: isProvisional(target, ctx.businessDate),
    finalFrom: finalFrom(target),
    status: top.status,
    value: top.value,
    progress: progressOf(target, top.value, top.threshold),
    ...(top.interval ? { interval: top.interval } : {}),
    ...(top.margin ? { margin: top.margin } : {}),
    ...(top.forecast ? { forecast: top.forecast } : {}),
    sample: top.sample,
    ...(top.open !== undefined ? { open: top.open, overdue: top.overdue ?? 0 } : {}),
    ...(staleRegions?.length ? { staleRegions } : {}),
    stale: top.stale ?? false,
    ...(scope === root && top.coverage ? { coverage: top.coverage } : {}),
    regions,
    ...(items ? { items } : {}),
  }
}

const series = (ctx: Context, scope: string): SeriesPoint[] => {
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

/** Every target of the plan at `at`, for its root or one region. */
export const evaluatePlan = (state: ComplianceState, view: PlanView, options: EvaluateOptions): TargetReport[] => {
  const { businessDate, atMs, scope } = parseOptions(view, options)
  return view.plan.targets.map((target) => report(contextFor(state, view, target, businessDate, atMs), scope))
}

/** One target of the plan at `at`, with its monthly series. */
export const evaluatePlanTarget = (state: ComplianceState, view: PlanView, target: Target, options: EvaluateOptions): TargetDetail => {
  const { businessDate, atMs, scope } = parseOptions(view, options)
  const ctx = contextFor(state, view, target, businessDate, atMs)
  return { ...report(ctx, scope), series: series(ctx, scope) }
}
