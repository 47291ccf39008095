// The shapes of compliance answers as zod schemas: the TypeScript types below are inferred from
// them, and the HTTP routes document their 200 bodies with the same schemas (OpenAPI).
import { z } from 'zod'
import { statuses } from '../../domain/targets.ts'
import { margins } from '../../domain/verdicts.ts'

const bilingual = z.object({ zh: z.string(), en: z.string() })
export const StatusSchema = z.enum(statuses)

export const IntervalSchema = z.object({ low: z.number(), high: z.number() }).describe('95% confidence interval (Wilson for proportions)')

export const ForecastSchema = z.object({
  /** The value expected at the period's end. */
  projected: z.number(),
  /** Probability of reaching the threshold by the end (count targets); null for trends. */
  probability: z.number().min(0).max(1).nullable(),
  method: z.enum(['run_rate_poisson', 'linear_trend', 'seasonal_overdispersed']),
  /** seasonal_overdispersed: where the monthly profile came from (domain/forecast.ts). */
  profile: z.enum(['previous_period', 'declared', 'flat']).optional(),
  /** seasonal_overdispersed: the month-to-month variation beyond Poisson noise it allowed for (coefficient of variation). */
  variation: z.number().optional(),
})

export const CoverageSchema = z
  .object({
    /** Regions expected to report whose report for the latest window due (or any, before one is due) is in. */
    reported: z.number().int().min(0),
    /** Regions expected to report: every required region, and a voluntary one once it has reported. */
    expected: z.number().int().min(0),
    /** The expected regions not counted in `reported`: overdue (also in staleRegions) or not reported yet. */
    missing: z.array(z.string()),
  })
  .describe('Who has reported: the root figure of a reading target is computed over the `reported` regions')

export const MarginSchema = z
  .enum(margins)
  .describe('Ratio and mean verdicts: within_interval when the threshold lies within the 95% interval (a close call: "breached, within the statistical margin"), else clear. The status stays the official figure')

/** target: the target's own threshold; population_share: apportioned by census population; items: the region's items. */
export const ThresholdBasisSchema = z.enum(['target', 'population_share', 'items'])

export const RegionReportSchema = z.object({
  region: z.string(),
  status: StatusSchema,
  value: z.number().nullable(),
  sample: z.number(),
  interval: IntervalSchema.optional(),
  margin: MarginSchema.optional(),
  threshold: z.number().optional(),
  thresholdBasis: ThresholdBasisSchema.optional(),
  forecast: ForecastSchema.optional(),
  /** mean_duration: incidents with no arrival recorded at `at`; each counts in the mean with its elapsed minutes, a lower bound. */
  open: z.number().int().min(0).optional(),
  /** mean_duration: open incidents already waiting longer than the threshold (20 minutes). */
  overdue: z.number().int().min(0).optional(),
  /** reading_ratio: date of the reading the value comes from. */
  asOf: z.string().optional(),
  /** The region's report for the latest window due is missing (a reading: status stale; an event-fed target: no facts for longer than its cadence). */
  stale: z.boolean(),
})

export const ItemReportSchema = z.object({
  id: z.string(),
  title: bilingual,
  region: z.string().optional(),
  achieved: z.boolean(),
  achievedOn: z.string().nullable(),
})

const period = z.object({ start: z.string(), end: z.string(), timeZone: z.string() })

export const TargetReportSchema = z.object({
  id: z.string(),
  title: bilingual,
  clause: bilingual,
  section: bilingual,
  responsibleUnits: z.array(bilingual),
  metric: z.enum(['event_ratio', 'event_rate_per_1000', 'reading_ratio', 'mean_duration', 'event_count', 'milestone_count']),
  /** What the value is computed from (the plan's measure). */
  computedFrom: z
    .object({
      fact: z.string().optional(),
      filter: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
      until: z.string().optional(),
      indicator: z.string().optional(),
    })
    .optional(),
  comparator: z.enum(['gte', 'lte', 'eq']),
  threshold: z.number(),
  unit: z.enum(['ratio', 'batches_per_1000_residents', 'minutes', 'entities', 'items']),
  period,
  evaluation: z.enum(['continuous', 'by_period_end']),
  commitment: z.enum(['firm', 'strive', 'informational']),
  semanticsNote: bilingual.optional().describe('Why the target is encoded as it is, to check against its clause'),
  /** The plan's root region (the province), or the region asked for: the scope of status, value, sample and forecast. */
  scope: z.string(),
  /** The effective business date: the Shanghai day of `at`, clamped to the period (its start before it, its end after it). */
  at: z.string(),
  /** Where that date lies: before the period (nothing evaluated), within, or after (period over). */
  phase: z.enum(['before', 'within', 'after']),
  /**
   * True until the verdict is final: before `finalFrom`, the day after the period's last report is
   * due (period end + reporting.graceDays). A provisional answer after the period's end reads a
   * shortfall as at_risk / on_track, never missed.
   */
  provisional: z.boolean(),
  /** The first business date on which this target's period verdict is final. */
  finalFrom: z.string(),
  status: StatusSchema,
  value: z.number().nullable(),
  /** value/threshold (gte, eq) or threshold/value (lte), within 0..1; null without a value. */
  progress: z.number().nullable(),
  interval: IntervalSchema.optional(),
  margin: MarginSchema.optional(),
  forecast: ForecastSchema.optional(),
  sample: z.number(),
  /** mean_duration: incidents with no arrival recorded at `at`; each counts in the mean with its elapsed minutes, a lower bound. */
  open: z.number().int().min(0).optional(),
  /** mean_duration: open incidents already waiting longer than the threshold (20 minutes). */
  overdue: z.number().int().min(0).optional(),
  staleRegions: z.array(z.string()).optional(),
  /**
   * A flag beside the status, not a replacement for the value: a required region's report is
   * overdue (the root), or the region's own (a region). The root's status and value are then over
   * the regions that reported (`coverage`).
   */
  stale: z.boolean(),
  /** Targets with a reporting cadence, at the plan's root: how many of the regions expected to report have. */
  coverage: CoverageSchema.optional(),
  regions: z.array(RegionReportSchema),
  items: z.array(ItemReportSchema).optional(),
})

const seriesValue = z.object({ value: z.number().nullable(), sample: z.number() })

export const SeriesPointSchema = z.object({
  /** 'YYYY-MM' */
  month: z.string(),
  /** Last day counted: the month's end, or the effective date in its month. */
  through: z.string(),
  /** From the period's start through `through`. */
  cumulative: seriesValue,
  /** Within the month only (from its first day, or the period's start, through `through`). */
  within: seriesValue,
})

export const TargetDetailSchema = TargetReportSchema.extend({ series: z.array(SeriesPointSchema) })

export type Interval = z.infer<typeof IntervalSchema>
export type Coverage = z.infer<typeof CoverageSchema>
export type Forecast = z.infer<typeof ForecastSchema>
export type ThresholdBasis = z.infer<typeof ThresholdBasisSchema>
export type RegionReport = z.infer<typeof RegionReportSchema>
export type ItemReport = z.infer<typeof ItemReportSchema>
export type TargetReport = z.infer<typeof TargetReportSchema>
export type SeriesValue = z.infer<typeof seriesValue>
export type SeriesPoint = z.infer<typeof SeriesPointSchema>
export type TargetDetail = z.infer<typeof TargetDetailSchema>
