// zod schemas of the events clients submit: the one source of truth for TypeScript types,
// request validation and the OpenAPI document (via z.toJSONSchema).
import { z } from 'zod'
import { entityKinds, foodSafetyProgram, samplingPurposes, samplingStages } from './measures.ts'
import { regionIdPattern } from './regions.ts'
import { checkUscc, describeUsccProblem } from './uscc.ts'

export { samplingStages } from './measures.ts'

/** Identifiers that name streams (batchId, incidentId, itemId, elevatorId). */
export const streamIdentifier = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters from A-Z a-z 0-9 . _ : -')

/**
 * A region id. The schema checks its form; whether a region set defines it is checked when the
 * fact is judged (the sets are data: services/plans), and a 400 names the field otherwise.
 */
export const regionId = z.string().regex(regionIdPattern, 'must be a region id (a-z, 0-9 and -, at most 64 characters) of a region set')
/** A plan id, as in `plan-<id>` streams. */
export const planId = z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a plan id (a-z, 0-9 and -, at most 64 characters)')
export const calendarDate = z.iso.date({ message: 'must be a calendar date YYYY-MM-DD' })
export const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset, e.g. 2020-05-01T08:30:00+08:00' })
const text = (max: number) => z.string().min(1).max(max)
const nonNegativeInteger = 'must be a non-negative integer'
const count = z.number({ error: nonNegativeInteger }).int(nonNegativeInteger).min(0, nonNegativeInteger).max(Number.MAX_SAFE_INTEGER)

export const samplingResult = z.enum(['pass', 'fail'])
/** 监督抽检 or 风险监测; a batch that does not say is counted where a filter names `unspecified`. */
export const samplingPurpose = z.enum(samplingPurposes)

export const uscc = z.string().superRefine((value, ctx) => {
  const check = checkUscc(value)
  if (!check.ok) ctx.addIssue({ code: 'custom', message: describeUsccProblem(check) })
})

export const SamplingBatchTested = z.strictObject({
  batchId: streamIdentifier,
  region: regionId,
  stage: z.enum(samplingStages),
  sampledOn: calendarDate,
  result: samplingResult,
  failedItems: z.array(text(200)).max(100).optional(),
  purpose: samplingPurpose.optional(),
})

/** Any program's spot check (a drug, product quality or cosmetics batch); `food-safety` is SamplingBatchTested's. */
export const InspectionBatchTested = z.strictObject({
  program: streamIdentifier,
  batchId: streamIdentifier,
  region: regionId,
  stage: z.enum(samplingStages).optional(),
  purpose: samplingPurpose.optional(),
  sampledOn: calendarDate,
  result: samplingResult,
  failedItems: z.array(text(200)).max(100).optional(),
})

export const InspectionResultCorrected = z.strictObject({
  program: streamIdentifier,
  batchId: streamIdentifier,
  result: samplingResult,
  reason: text(1000),
})

export const SamplingResultCorrected = z.strictObject({
  batchId: streamIdentifier,
  result: samplingResult,
  reason: text(1000),
})

export const MarketEntityRegistered = z.strictObject({
  uscc,
  region: regionId,
  kind: z.enum(entityKinds),
  registeredOn: calendarDate,
})

export const RescueRequested = z.strictObject({
  incidentId: streamIdentifier,
  region: regionId,
  elevatorId: streamIdentifier.optional(),
  reportedAt: instant,
})

export const RescuerArrived = z.strictObject({
  incidentId: streamIdentifier,
  arrivedAt: instant,
})

export const IndicatorReported = z
  .strictObject({
    /** The plan the reading is for; without it, the indicator must belong to exactly one plan covering asOf. */
    plan: planId.optional(),
    indicator: streamIdentifier,
    region: regionId,
    asOf: calendarDate,
    numerator: count,
    denominator: count.min(1, 'must be greater than 0'),
  })
  .superRefine((d, ctx) => {
    if (d.numerator > d.denominator)
      ctx.addIssue({ code: 'custom', path: ['numerator'], message: `must not exceed denominator (${d.numerator} > ${d.denominator})` })
  })

export const MilestoneAchieved = z.strictObject({
  /** The plan of the target; without it, the target id must belong to exactly one plan. */
  plan: planId.optional(),
  targetId: streamIdentifier,
  itemId: streamIdentifier,
  title: text(500),
  region: regionId.optional(),
  achievedOn: calendarDate,
})

export const clientEventData = {
  SamplingBatchTested,
  SamplingResultCorrected,
  InspectionBatchTested,
  InspectionResultCorrected,
  MarketEntityRegistered,
  RescueRequested,
  RescuerArrived,
  IndicatorReported,
  MilestoneAchieved,
} as const

export type ClientEventType = keyof typeof clientEventData
export const clientEventTypes = Object.keys(clientEventData) as ClientEventType[]
export const isClientEventType = (t: unknown): t is ClientEventType =>
  typeof t === 'string' && Object.prototype.hasOwnProperty.call(clientEventData, t)

export type ClientEventDataOf<T extends ClientEventType> = z.infer<(typeof clientEventData)[T]>

/** A client event after validation: `id` and `occurredAt` are filled by the service when absent. */
export type ClientEvent = {
  [T in ClientEventType]: { id?: string; type: T; occurredAt?: string; data: ClientEventDataOf<T> }
}[ClientEventType]

export const clientEventEnvelope = (type: ClientEventType) =>
  z.strictObject({
    id: z.uuid().optional(),
    type: z.literal(type),
    occurredAt: instant.optional(),
    data: clientEventData[type],
  })

/** The union, as documented in OpenAPI; validation goes type-first (see parseClientEvent). */
export const ClientEventSchema = z.discriminatedUnion(
  'type',
  clientEventTypes.map((t) => clientEventEnvelope(t)) as unknown as [
    ReturnType<typeof clientEventEnvelope>,
    ...ReturnType<typeof clientEventEnvelope>[],
  ],
)

// Context the service records beside the client's data, known only from the stream at decision
// time. Folds then need no per-batch or per-incident state (see projections/compliance.ts).
export type SamplingResultCorrectedRecorded = ClientEventDataOf<'SamplingResultCorrected'> & BatchContext
export type InspectionResultCorrectedRecorded = ClientEventDataOf<'InspectionResultCorrected'> & BatchContext
/** What a correction records of its batch, so the fold moves it between buckets without per-batch state. */
export interface BatchContext {
  region: string
  sampledOn: string
  previousResult: 'pass' | 'fail'
  /** null when the batch gave none; absent only in corrections recorded before these were context. */
  stage: string | null
  purpose: string | null
}
/** A reading or milestone names the plan it was judged for (the client's, or the one its id resolved to). */
export type IndicatorReportedRecorded = ClientEventDataOf<'IndicatorReported'> & { plan: string }
export type MilestoneAchievedRecorded = ClientEventDataOf<'MilestoneAchieved'> & { plan: string }
export type RescuerArrivedRecorded = ClientEventDataOf<'RescuerArrived'> & {
  region: string
  reportedAt: string
}

/** Stored data of each client event type (client fields + recorded context). */
export interface RecordedClientData {
  SamplingBatchTested: ClientEventDataOf<'SamplingBatchTested'>
  SamplingResultCorrected: SamplingResultCorrectedRecorded
  InspectionBatchTested: ClientEventDataOf<'InspectionBatchTested'>
  InspectionResultCorrected: InspectionResultCorrectedRecorded
  MarketEntityRegistered: ClientEventDataOf<'MarketEntityRegistered'>
  RescueRequested: ClientEventDataOf<'RescueRequested'>
  RescuerArrived: RescuerArrivedRecorded
  IndicatorReported: IndicatorReportedRecorded
  MilestoneAchieved: MilestoneAchievedRecorded
}

/** Fields of the stored data that the service added; excluded when comparing a resubmission. */
export const recordedContextFields: Partial<Record<ClientEventType, readonly string[]>> = {
  SamplingResultCorrected: ['region', 'sampledOn', 'previousResult', 'stage', 'purpose'],
  InspectionResultCorrected: ['region', 'sampledOn', 'previousResult', 'stage', 'purpose'],
  RescuerArrived: ['region', 'reportedAt'],
  // Only when the client named none: a client's own `plan` is part of what it sent.
  IndicatorReported: ['plan'],
  MilestoneAchieved: ['plan'],
}

export const streams = {
  sampling: (batchId: string) => `sampling-${batchId}`,
  /** A food-safety batch is one stream whichever event type tested it: it is tested once. */
  inspection: (program: string, batchId: string) => (program === foodSafetyProgram ? `sampling-${batchId}` : `inspection-${program}-${batchId}`),
  entity: (uscc: string) => `entity-${uscc}`,
  rescue: (incidentId: string) => `rescue-${incidentId}`,
  indicator: (indicator: string, region: string) => `indicator-${indicator}-${region}`,
  milestone: (targetId: string, itemId: string) => `milestone-${targetId}-${itemId}`,
} as const

/** The stream a client event belongs to. */
export const streamOf = (event: ClientEvent): string => {
  switch (event.type) {
    case 'SamplingBatchTested':
    case 'SamplingResultCorrected':
      return streams.sampling(event.data.batchId)
    case 'InspectionBatchTested':
    case 'InspectionResultCorrected':
      return streams.inspection(event.data.program, event.data.batchId)
    case 'MarketEntityRegistered':
      return streams.entity(event.data.uscc)
    case 'RescueRequested':
    case 'RescuerArrived':
      return streams.rescue(event.data.incidentId)
    case 'IndicatorReported':
      return streams.indicator(event.data.indicator, event.data.region)
    case 'MilestoneAchieved':
      return streams.milestone(event.data.targetId, event.data.itemId)
    default: {
      const _exhaustive: never = event
      return _exhaustive
    }
  }
}
