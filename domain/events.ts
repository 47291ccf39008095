// zod schemas of the events clients submit: the one source of truth for TypeScript types,
// request validation and the OpenAPI document (via z.toJSONSchema).
import { z } from 'zod'
import { regionIds } from './regions.ts'
import { checkUscc, describeUsccProblem } from './uscc.ts'

/** Identifiers that name streams (batchId, incidentId, itemId, elevatorId). */
export const streamIdentifier = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1-64 characters from A-Z a-z 0-9 . _ : -')

export const regionId = z.enum(regionIds)
export const calendarDate = z.iso.date({ message: 'must be a calendar date YYYY-MM-DD' })
export const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with offset, e.g. 2020-05-01T08:30:00+08:00' })
const text = (max: number) => z.string().min(1).max(max)
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const samplingStages = ['production', 'distribution', 'catering', 'edible_agricultural'] as const
export const samplingResult = z.enum(['pass', 'fail'])

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
})

export const SamplingResultCorrected = z.strictObject({
  batchId: streamIdentifier,
  result: samplingResult,
  reason: text(1000),
})

export const MarketEntityRegistered = z.strictObject({
  uscc,
  region: regionId,
  kind: z.enum(['enterprise', 'individual', 'cooperative']),
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
  targetId: streamIdentifier,
  itemId: streamIdentifier,
  title: text(500),
  region: regionId.optional(),
  achievedOn: calendarDate,
})

export const clientEventData = {
  SamplingBatchTested,
  SamplingResultCorrected,
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
export type SamplingResultCorrectedRecorded = ClientEventDataOf<'SamplingResultCorrected'> & {
  region: z.infer<typeof regionId>
  sampledOn: string
  previousResult: 'pass' | 'fail'
}
export type RescuerArrivedRecorded = ClientEventDataOf<'RescuerArrived'> & {
  region: z.infer<typeof regionId>
  reportedAt: string
}

/** Stored data of each client event type (client fields + recorded context). */
export interface RecordedClientData {
  SamplingBatchTested: ClientEventDataOf<'SamplingBatchTested'>
  SamplingResultCorrected: SamplingResultCorrectedRecorded
  MarketEntityRegistered: ClientEventDataOf<'MarketEntityRegistered'>
  RescueRequested: ClientEventDataOf<'RescueRequested'>
  RescuerArrived: RescuerArrivedRecorded
  IndicatorReported: ClientEventDataOf<'IndicatorReported'>
  MilestoneAchieved: ClientEventDataOf<'MilestoneAchieved'>
}

/** Fields of the stored data that the service added; excluded when comparing a resubmission. */
export const recordedContextFields: Partial<Record<ClientEventType, readonly string[]>> = {
  SamplingResultCorrected: ['region', 'sampledOn', 'previousResult'],
  RescuerArrived: ['region', 'reportedAt'],
}

export const streams = {
  sampling: (batchId: string) => `sampling-${batchId}`,
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
