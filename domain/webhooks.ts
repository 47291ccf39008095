// Webhook subscriptions and deliveries as data: the system events that record them, the
// Standard Webhooks signature base string, deterministic message ids, and the retry schedule
// arithmetic. Pure: times, random numbers and secrets arrive as arguments.
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { AlertEventData, AlertEventType } from './alerts.ts'
import { instant, regionId } from './events.ts'

export const webhookMessageTypes = ['target.status_changed', 'rescue.overdue', 'integrity.violated', 'webhook.test'] as const
export type WebhookMessageType = (typeof webhookMessageTypes)[number]
/**
 * Types a subscription can filter on (`webhook.test` is always sent when asked for).
 * `integrity.violated` concerns the whole log: its targets and regions filters do not apply.
 */
export const alertMessageTypes = ['target.status_changed', 'rescue.overdue', 'integrity.violated'] as const

export const webhookIdPattern = /^wh_[a-z0-9]{16}$/
export const deliveryIdPattern = /^msg_[0-9a-f]{32}$/

/** Region filter values: a region or a plan's root (the province); region sets are data, checked at run time. */
export const scopeId = regionId

export const WebhookFilter = z.strictObject({
  targets: z.array(z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a target id')).min(1).max(100).optional(),
  regions: z.array(scopeId).min(1).max(20).optional(),
  types: z.array(z.enum(alertMessageTypes)).min(1).max(alertMessageTypes.length).optional(),
})
export type WebhookFilter = z.infer<typeof WebhookFilter>

/** An AES-256-GCM sealed secret (see services/alerts/secret-box.ts); never the secret itself. */
const sealed = z.string().regex(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a sealed secret')
const webhookId = z.string().regex(webhookIdPattern)
const deliveryId = z.string().regex(deliveryIdPattern)

export const WebhookSubscribed = z.strictObject({
  webhookId,
  url: z.string().max(2048),
  filter: WebhookFilter,
  description: z.string().max(500).optional(),
  secret: sealed,
})

export const WebhookSecretRotated = z.strictObject({
  webhookId,
  secret: sealed,
  /** Until then deliveries carry a signature with the previous secret as well. */
  previousExpiresAt: instant,
})

export const WebhookUnsubscribed = z.strictObject({ webhookId })

export const WebhookDisabled = z.strictObject({
  webhookId,
  reason: z.string().max(500),
  statusCode: z.number().int().optional(),
  deliveryId: deliveryId.optional(),
})

export const WebhookTestRequested = z.strictObject({ webhookId, testId: z.uuid(), requestedAt: instant })

export const deliveryOutcomes = ['delivered', 'failed', 'gone'] as const
export type DeliveryOutcome = (typeof deliveryOutcomes)[number]

export const DeliveryAttempted = z.strictObject({
  deliveryId,
  webhookId,
  /** 1-based over the delivery's whole life; `round` counts manual retries (0 = the first). */
  attempt: z.number().int().min(1),
  round: z.number().int().min(0),
  attemptedAt: instant,
  outcome: z.enum(deliveryOutcomes),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int().min(0),
  error: z.string().max(500).nullable(),
  retryAfterMs: z.number().int().min(0).optional(),
  /** When the next attempt is due; null when none will follow. */
  nextAttemptAt: instant.nullable(),
})

export const DeliveryDeadLettered = z.strictObject({
  deliveryId,
  webhookId,
  round: z.number().int().min(0),
  attempts: z.number().int().min(1),
  reason: z.string().max(500),
})

export const DeliveryRetryRequested = z.strictObject({ deliveryId, webhookId, requestedAt: instant })

export type WebhookSubscribedData = z.infer<typeof WebhookSubscribed>
export type WebhookSecretRotatedData = z.infer<typeof WebhookSecretRotated>
export type WebhookDisabledData = z.infer<typeof WebhookDisabled>
export type WebhookTestRequestedData = z.infer<typeof WebhookTestRequested>
export type DeliveryAttemptedData = z.infer<typeof DeliveryAttempted>
export type DeliveryDeadLetteredData = z.infer<typeof DeliveryDeadLettered>
export type DeliveryRetryRequestedData = z.infer<typeof DeliveryRetryRequested>

export const webhookEventData = {
  WebhookSubscribed,
  WebhookSecretRotated,
  WebhookUnsubscribed,
  WebhookDisabled,
  WebhookTestRequested,
  DeliveryAttempted,
  DeliveryDeadLettered,
  DeliveryRetryRequested,
} as const

export const webhookStream = (id: string) => `webhook-${id}`
export const deliveryStream = (id: string) => `delivery-${id}`

/** A UUID (RFC 9562 version 8, name-based with SHA-256) that depends only on `parts`. */
export const deterministicUuid = (...parts: readonly (string | number)[]): string => {
  const bytes = createHash('sha256').update(parts.map(String).join('\u0000')).digest().subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x80
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/**
 * The `webhook-id` of one message to one subscription: derived from the event that caused it
 * (an alert transition, a test request), so every retry, restart and instance sends the same id.
 */
export const deliveryIdOf = (webhookId: string, sourceEventId: string): string =>
  `msg_${createHash('sha256').update(`${webhookId}\u0000${sourceEventId}`).digest('hex').slice(0, 32)}`

/** What Standard Webhooks signs: `${webhook-id}.${webhook-timestamp}.${body}`. */
export const signatureBaseString = (id: string, timestampSeconds: number, body: string): string => `${id}.${timestampSeconds}.${body}`

export interface WebhookMessage {
  type: WebhookMessageType
  /** When the reported change was observed (ISO 8601). */
  timestamp: string
  data: Record<string, unknown>
}

/** The target whose filter a rescue.overdue message answers to. */
export const rescueTargetId = 'elevator-rescue-arrival'

/** What a filter looks at in a message. */
export interface FilterSubject {
  type: WebhookMessageType
  targetId: string
  region: string
}

/** An absent list matches everything; rescue.overdue concerns the target elevator-rescue-arrival. */
export const matchesFilter = (filter: WebhookFilter, subject: FilterSubject): boolean =>
  (filter.types === undefined || (filter.types as readonly string[]).includes(subject.type)) &&
  (filter.targets === undefined || filter.targets.includes(subject.targetId)) &&
  (filter.regions === undefined || (filter.regions as readonly string[]).includes(subject.region))

// ---- durations and the retry schedule -------------------------------------------------------

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** '250ms', '5s', '30m', '2h', '1d' → milliseconds; null when it is not one of those. */
export const parseDuration = (text: string): number | null => {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim())
  return match ? Number(match[1]) * units[match[2]!]! : null
}

/** '1s,2s,5s' → [1000, 2000, 5000], or a message saying which item is wrong. */
export const parseDurationList = (text: string): { ok: true; value: number[] } | { ok: false; message: string } => {
  const items = text.split(',').map((item) => item.trim())
  const value: number[] = []
  for (const [index, item] of items.entries()) {
    const ms = parseDuration(item)
    if (ms === null) return { ok: false, message: `item ${index + 1} '${item}' is not a duration like 500ms, 5s, 30m, 2h or 1d` }
    value.push(ms)
  }
  if (value.length === 0 || value.length > 50) return { ok: false, message: 'must list 1 to 50 durations' }
  return { ok: true, value }
}

/** The Standard Webhooks spirit: after the first attempt, retries 5s, 5m, 30m, 2h, 5h, 10h, 10h later. */
export const productionRetrySchedule: readonly number[] = ['5s', '5m', '30m', '2h', '5h', '10h', '10h'].map((d) => parseDuration(d)!)

/** Each delay is spread by up to ±jitter (a fraction), so receivers that failed together do not retry together. */
export const jitterFraction = 0.2

/** Retry-After is honoured up to this long; a receiver cannot park a delivery for weeks. */
export const maxRetryAfterMs = 86_400_000

/** `Retry-After` as delay-seconds or an HTTP date, relative to `nowMs`; null when absent or unreadable. */
export const retryAfterMs = (header: string | null | undefined, nowMs: number): number | null => {
  if (header === null || header === undefined) return null
  const text = header.trim()
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs)
  const date = Date.parse(text)
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return null
  return Math.min(Math.max(0, date - nowMs), maxRetryAfterMs)
}

/** 2xx delivers; 410 Gone disables the subscription; anything else (3xx included) failed. */
export const outcomeOfStatus = (statusCode: number): DeliveryOutcome =>
  statusCode >= 200 && statusCode < 300 ? 'delivered' : statusCode === 410 ? 'gone' : 'failed'

export interface NextStepInput {
  outcome: DeliveryOutcome
  /** Attempts in this round, including the one just made. */
  attemptsInRound: number
  schedule: readonly number[]
  nowMs: number
  retryAfterMs: number | null
  /** A number in [0, 1) from the caller's random source. */
  random: number
}

export type NextStep = { kind: 'done' } | { kind: 'retry'; at: number; delayMs: number } | { kind: 'dead_letter' }

/**
 * After a failed attempt k (1-based within the round), the next one waits schedule[k-1] with
 * jitter, or Retry-After when that is longer; after the schedule's last entry, dead letter.
 */
export const nextStep = ({ outcome, attemptsInRound, schedule, nowMs, retryAfterMs: after, random }: NextStepInput): NextStep => {
  if (outcome !== 'failed') return { kind: 'done' }
  const base = schedule[attemptsInRound - 1]
  if (base === undefined) return { kind: 'dead_letter' }
  const jittered = Math.round(base * (1 + jitterFraction * (2 * random - 1)))
  const delayMs = Math.max(jittered, after ?? 0)
  return { kind: 'retry', at: nowMs + delayMs, delayMs }
}

// ---- messages -------------------------------------------------------------------------------

/** The body receivers get for an alert event: `{type, timestamp, data}`, fields in a fixed order. */
export const alertMessage = (type: AlertEventType, data: AlertEventData): WebhookMessage => {
  const status = type === 'AlertRaised' || type === 'RescueOverdue' ? 'firing' : 'resolved'
  const head = { alertId: data.alertId, fingerprint: data.fingerprint, sequence: data.sequence, status }
  if ('targetId' in data)
    return {
      type: 'target.status_changed',
      timestamp: data.evaluatedAt,
      data: {
        ...head,
        targetId: data.targetId,
        region: data.region,
        from: data.from,
        to: data.to,
        value: data.value,
        threshold: data.threshold,
        comparator: data.comparator,
        position: data.position,
        title: data.title,
        clause: data.clause,
        responsibleUnits: data.responsibleUnits,
        ...(data.reminder ? { reminder: true } : {}),
      },
    }
  const rescue = { ...head, incidentId: data.incidentId, region: data.region, reportedAt: data.reportedAt }
  if ('overdueAfterMinutes' in data)
    return {
      type: 'rescue.overdue',
      timestamp: data.evaluatedAt,
      data: { ...rescue, minutesElapsed: data.minutesElapsed, overdueAfterMinutes: data.overdueAfterMinutes, ...(data.elevatorId ? { elevatorId: data.elevatorId } : {}) },
    }
  return { type: 'rescue.overdue', timestamp: data.evaluatedAt, data: { ...rescue, minutesElapsed: data.minutesElapsed, arrivedAt: data.arrivedAt } }
}
