// The target model: what a numeric target of the plan is, as data. The catalog itself lives
// in seeds/ (validated with ajv against seeds/catalog.schema.ts at load).

export interface Bilingual {
  zh: string
  en: string
}

/**
 * How a target's value is computed from the log.
 * - event_ratio: passed / tested over SamplingBatchTested (latest result per batch), by sampledOn.
 * - event_rate_per_1000: SamplingBatchTested count per 1,000 residents (2020 census), by sampledOn.
 * - reading_ratio: latest IndicatorReported per region (indicator = target id); the province is
 *   sum of numerators / sum of denominators of the regions that reported.
 * - mean_duration: mean minutes from RescueRequested.reportedAt to RescuerArrived.arrivedAt,
 *   incidents by reportedAt, arrival required.
 * - event_count: MarketEntityRegistered count, by registeredOn.
 * - milestone_count: distinct MilestoneAchieved items (targetId = target id), by achievedOn.
 */
export type MetricKind =
  | 'event_ratio'
  | 'event_rate_per_1000'
  | 'reading_ratio'
  | 'mean_duration'
  | 'event_count'
  | 'milestone_count'

export type Comparator = 'gte' | 'lte' | 'eq'

/** `continuous`: the value must hold at every moment; `by_period_end`: it must be reached by the end. */
export type Evaluation = 'continuous' | 'by_period_end'

export type Unit = 'ratio' | 'batches_per_1000_residents' | 'minutes' | 'entities' | 'items'

export type ReportingCadence = 'monthly' | 'quarterly'

export interface Period {
  /** First day, inclusive (calendar date in `timeZone`). */
  start: string
  /** Last day, inclusive. */
  end: string
  timeZone: 'Asia/Shanghai'
}

export interface MilestoneItem {
  id: string
  title: Bilingual
  region?: string
}

export interface Target {
  id: string
  title: Bilingual
  /** Section of the plan, e.g. 四、(一) 突出食品安全风险防控. */
  section: Bilingual
  /** The clause quoted exactly from the plan (zh), with an English rendering. */
  clause: Bilingual
  /** Responsible units as the plan lists them; the first is the lead. */
  responsibleUnits: Bilingual[]
  metric: MetricKind
  comparator: Comparator
  threshold: number
  unit: Unit
  period: Period
  evaluation: Evaluation
  /** Ratio and mean targets: events needed before the value can breach (<= 100 ratios, <= 30 means). */
  minimumSample?: number
  /** Reading-based targets: how often each region must report, and the grace after a period closes. */
  reporting?: { cadence: ReportingCadence; graceDays: number }
  /** Named items a milestone target must achieve (threshold = items.length when given). */
  items?: MilestoneItem[]
  /** `firm` for 确保/完成/实现 (must), `strive` for 力争 (strive for). */
  commitment: 'firm' | 'strive'
  /** What a reporter counts: numerator and denominator of a reading, or when a milestone item is achieved. */
  measure?: Bilingual
}

export interface Catalog {
  version: string
  /** `documentNumber` is empty when the publication gives none; `indexNumber` is the government
   *  information-disclosure index number (索引号). */
  source: { title: Bilingual; issuedOn: string; documentNumber: string; indexNumber?: string }
  targets: Target[]
}

export type Status = 'no_data' | 'met' | 'on_track' | 'at_risk' | 'breached' | 'missed' | 'stale'
export const statuses: readonly Status[] = ['no_data', 'met', 'on_track', 'at_risk', 'breached', 'missed', 'stale']
