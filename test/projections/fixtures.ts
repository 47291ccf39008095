// Builders for fold and evaluation specs: recorded events as the store returns them, and small
// inline targets (independent of seeds/, whose catalog is written elsewhere).
import { type ComplianceState, type PlanView, complianceProjection, evaluatePlan, evaluatePlanTarget, planView } from '../../projections/compliance.ts'
import type { EvaluateOptions } from '../../projections/compliance.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { type Plan, defaultPlanId } from '../../domain/plans.ts'
import type { ComputedFrom, MetricKind, Target } from '../../domain/targets.ts'
import { guizhouRegionSet, seedPlan } from '../../seeds/plans.ts'
import { planDirectory } from '../../domain/plan-directory.ts'

let position = 0

export const recorded = (type: string, data: unknown): RecordedEvent => {
  position += 1
  return {
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    type,
    stream: `test-${position}`,
    revision: 0,
    position,
    occurredAt: '2020-01-01T00:00:00+08:00',
    recordedAt: '2020-01-01T00:00:00+08:00',
    data,
    meta: { principal: 'test', requestId: 'test', prevHash: '', hash: '', schemaVersion: 1 },
  }
}

export const fold = (events: Iterable<RecordedEvent>, state: ComplianceState = complianceProjection.initialState()) => {
  for (const event of events) complianceProjection.evolve(state, event)
  return state
}

export const tested = (region: string, sampledOn: string, result: 'pass' | 'fail', batchId = `b${position}`) =>
  recorded('SamplingBatchTested', { batchId, region, stage: 'distribution', sampledOn, result })

/** `count` batches on one day, the first `failures` of them failed. */
export const batches = (region: string, sampledOn: string, count: number, failures = 0): RecordedEvent[] =>
  Array.from({ length: count }, (_, i) => tested(region, sampledOn, i < failures ? 'fail' : 'pass'))

export const corrected = (region: string, sampledOn: string, previousResult: 'pass' | 'fail', result: 'pass' | 'fail') =>
  recorded('SamplingResultCorrected', { batchId: 'b1', result, reason: 'retest', region, sampledOn, previousResult })

export const registered = (region: string, registeredOn: string) =>
  recorded('MarketEntityRegistered', { uscc: '91350100M000100Y43', region, kind: 'enterprise', registeredOn })

export const registrations = (region: string, registeredOn: string, count: number): RecordedEvent[] =>
  Array.from({ length: count }, () => registered(region, registeredOn))

/** A rescuer arriving `minutes` after the report. */
export const arrived = (region: string, reportedAt: string, minutes: number) =>
  recorded('RescuerArrived', {
    incidentId: `i${position}`,
    arrivedAt: new Date(Date.parse(reportedAt) + minutes * 60_000).toISOString(),
    region,
    reportedAt,
  })

export const reported = (indicator: string, region: string, asOf: string, numerator: number, denominator: number) =>
  recorded('IndicatorReported', { indicator, region, asOf, numerator, denominator })

export const achieved = (targetId: string, itemId: string, achievedOn: string, region?: string) =>
  recorded('MilestoneAchieved', { targetId, itemId, title: `item ${itemId}`, achievedOn, ...(region ? { region } : {}) })

const text = (en: string) => ({ zh: en, en })

export const year2020 = { start: '2020-01-01', end: '2020-12-31', timeZone: 'Asia/Shanghai' } as const

/** What the 2020 catalog's targets of each metric are computed from. */
export const computedFrom2020: Record<MetricKind, ComputedFrom | undefined> = {
  event_ratio: { fact: 'SamplingBatchTested' },
  event_rate_per_1000: { fact: 'SamplingBatchTested' },
  event_count: { fact: 'MarketEntityRegistered' },
  mean_duration: { fact: 'RescueRequested', until: 'RescuerArrived' },
  reading_ratio: undefined,
  milestone_count: undefined,
}

export const target = (overrides: Partial<Target> = {}): Target => {
  const built: Target = {
  id: 'food-sampling-pass-rate',
  title: text('Food sampling pass rate'),
  section: text('IV (1)'),
  clause: text('确保合格率达到98%以上'),
  responsibleUnits: [text('Food sampling division')],
  metric: 'event_ratio',
  comparator: 'gte',
  threshold: 0.98,
  unit: 'ratio',
  period: year2020,
  evaluation: 'continuous',
  commitment: 'firm',
  minimumSample: 100,
  ...overrides,
  }
  const from = overrides.computedFrom ?? computedFrom2020[built.metric]
  return from ? { ...built, computedFrom: from } : built
}

/** A plan over Guizhou's built-in region set holding `targets` (id guizhou-2020: facts that name no plan are its). */
export const planOf = (...targets: Target[]): Plan => ({
  id: defaultPlanId,
  title: text('Test plan'),
  issuer: text('Test bureau'),
  issuedOn: '2020-03-01',
  documentNumber: '黔市监发〔2020〕1号',
  version: 'test',
  period: year2020,
  regionSet: 'guizhou',
  targets,
})

export const viewOf = (plan: Plan): PlanView => planView(plan, 0, guizhouRegionSet())

/** Every target of a plan over the built-in regions. */
export const evaluateCatalog = (state: ComplianceState, plan: Plan, options: EvaluateOptions) => evaluatePlan(state, viewOf(plan), options)

/** One target, in a plan of its own over the built-in regions. */
export const evaluateTarget = (state: ComplianceState, t: Target, options: EvaluateOptions) => evaluatePlanTarget(state, viewOf(planOf(t)), t, options)

/** The end of a Shanghai calendar day, as an `at`. */
export const endOf = (date: string) => `${date}T23:59:59+08:00`

/** What decisions know when only the 2020 plan and the built-in regions exist. */
export const seedDirectory = () => planDirectory([seedPlan()], guizhouRegionSet().regions.map((r) => r.id))
