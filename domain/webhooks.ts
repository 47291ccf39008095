// Webhook subscriptions and deliveries as data: the system events that record them, filters,
// deterministic message ids. Signing (services/alerts/signing.ts), the retry schedule and
// Retry-After (services/alerts/retry.ts) and durations (services/alerts/durations.ts) are the
// delivery machinery's; an alert's message is domain/alerts.ts's (it imports this file, not
// the other way).
import { createHash } from 'node:crypto'
import { z } from 'zod'
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
