// Who has reported (docs/ARCHITECTURE.md, "Targets and compliance"; README, "Verdicts"). A
// target with a reporting cadence expects every required region (and a voluntary one once it
// has reported) to report each month or quarter, within the grace days after it ends. A region
// is stale when the report of the latest window due is missing: for a reading target, its latest
// reading predates that window; for an event-fed target, none of its facts is dated in or after
// it (no facts for longer than the cadence). Staleness is a flag beside the status; the plan's
// root carries the coverage: how many of the regions expected to report have, and which not.
import { latestDueReportingWindow } from '../../domain/time.ts'
import type { MetricKind } from '../../domain/targets.ts'
import type { Context } from './figures.ts'
import { latestFactDay, latestReading } from './queries.ts'
import type { Coverage } from './report-schemas.ts'

/** Metrics whose value comes from facts as they happen rather than from periodic readings. */
export const eventFedMetrics: ReadonlySet<MetricKind> = new Set<MetricKind>(['event_ratio', 'event_rate_per_1000', 'event_count', 'mean_duration'])

export const isRequired = (ctx: Context, region: string): boolean => ctx.view.regions.member(region)?.reporting === 'required'

/** The date of the region's latest report in the period so far: its latest reading, or its latest fact. */
const lastReportOf = (ctx: Context, region: string): string | null => {
  const { target, view, state, date } = ctx
  if (target.metric === 'reading_ratio') return latestReading(state, view.plan.id, view.indicatorOf(target), region, target.period.start, date)?.[0] ?? null
  if (eventFedMetrics.has(target.metric)) return latestFactDay(state, view.selectorOf(target), view.regions.regionsOf(region), target.period.start, date)
  return null
}

export interface RegionReporting {
  /** The region has reported in the period so far. */
  reported: boolean
  /** Its report for the latest window due is missing (a required region that never reported, once its first report is due). */
  stale: boolean
  /** Required, or voluntary and it has reported: it counts in the coverage. */
  expected: boolean
}

/** Null for a target without a reporting cadence (milestones, or a plan that sets none). */
export const reportingOf = (ctx: Context, region: string): RegionReporting | null => {
  const { reporting } = ctx.target
  if (!reporting || !(ctx.target.metric === 'reading_ratio' || eventFedMetrics.has(ctx.target.metric))) return null
  const last = lastReportOf(ctx, region)
  const due = latestDueReportingWindow(ctx.businessDate, reporting, ctx.target.period)
  const required = isRequired(ctx, region)
  const stale = due !== null && (last !== null ? last < due.start : required)
  return { reported: last !== null, stale, expected: required || last !== null }
}

export interface RootReporting {
  coverage: Coverage
  /** Every member whose report is overdue, voluntary ones included. */
  staleRegions: string[]
  /** A required member's report is overdue: the root's figure misses a region it must count. */
  stale: boolean
  /** Expected members with a current report: what the root's reading figure is computed over. */
  current: string[]
  /** Expected members that have not reported yet, none of their reports being due. */
  pending: string[]
}

export const rootReporting = (ctx: Context): RootReporting | null => {
  if (!ctx.target.reporting) return null
  const members = ctx.view.regions.memberIds.map((region) => ({ region, reporting: reportingOf(ctx, region) }))
  if (members.some((m) => m.reporting === null)) return null
  const expected = members.filter((m) => m.reporting!.expected)
  const current = expected.filter((m) => m.reporting!.reported && !m.reporting!.stale).map((m) => m.region)
  const staleRegions = members.filter((m) => m.reporting!.stale).map((m) => m.region)
  return {
    coverage: { reported: current.length, expected: expected.length, missing: expected.map((m) => m.region).filter((r) => !current.includes(r)) },
    staleRegions,
    stale: staleRegions.some((region) => isRequired(ctx, region)),
    current,
    pending: expected.filter((m) => !m.reporting!.reported && !m.reporting!.stale).map((m) => m.region),
  }
}
