// The answers of /v1/webhooks and /v1/alerts as zod schemas, each checked by tsc against the
// service's own type (answerOf), with examples; the routes make their JSON Schema of them.
import { z } from 'zod'
import { WebhookFilter, deliveryOutcomes, webhookMessageTypes } from '../../../domain/webhooks.ts'
import type { AlertRecord } from '../../../projections/alerts.ts'
import type { FiringAlert } from '../../alerts/history.ts'
import type { DeliveryView, WebhookView } from '../../alerts/subscriptions.ts'
import { answerOf } from '../schemas.ts'

const deliveryStatuses = ['pending', 'delivered', 'dead_lettered', 'cancelled'] as const

const WebhookViewSchema = answerOf<WebhookView>()(
  z.object({
    id: z.string(),
    url: z.string(),
    filter: WebhookFilter,
    description: z.string().nullable(),
    status: z.enum(['active', 'disabled', 'deleted']),
    createdAt: z.string(),
    createdBy: z.string(),
    disabledAt: z.string().nullable(),
    disabledReason: z.string().nullable(),
    deletedAt: z.string().nullable(),
    secretRotatedAt: z.string().nullable(),
    previousSecretExpiresAt: z.string().nullable(),
    deliveries: z.object({ pending: z.number().int(), delivered: z.number().int(), dead_lettered: z.number().int(), cancelled: z.number().int() }),
  }),
)

const webhookExample = {
  id: 'wh_k2m9q4x7b1c3d5f8',
  url: 'https://receiver.example.gov.cn/targetwatch',
  filter: { targets: ['food-sampling-pass-rate'], regions: ['zunyi'] },
  description: '遵义市食品抽检合格率 (Zunyi food sampling pass rate)',
  status: 'active',
  createdAt: '2020-05-01T08:00:00.000Z',
  createdBy: 'env-admin',
  disabledAt: null,
  disabledReason: null,
  deletedAt: null,
  secretRotatedAt: null,
  previousSecretExpiresAt: null,
  deliveries: { pending: 0, delivered: 3, dead_lettered: 0, cancelled: 0 },
}

export const WebhookAnswer = WebhookViewSchema.meta({ examples: [webhookExample] })
export const DeletedWebhookAnswer = WebhookViewSchema.meta({ examples: [{ ...webhookExample, status: 'deleted', deletedAt: '2020-06-01T08:00:00.000Z' }] })
export const WebhookWithSecret = WebhookViewSchema.extend({ secret: z.string().meta({ description: 'whsec_…: shown in this answer only' }) }).meta({
  examples: [{ ...webhookExample, secret: 'whsec_MfKQ9r8GKYqrTz3Q3fhB8Xvd5pwYIfvA' }],
})
export const WebhookList = z.object({ webhooks: z.array(WebhookViewSchema) }).meta({ examples: [{ webhooks: [webhookExample] }] })

const AttemptView = z.object({
  attempt: z.number().int(),
  round: z.number().int(),
  attemptedAt: z.string(),
  outcome: z.enum(deliveryOutcomes),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  retryAfterMs: z.number().int().optional(),
  nextAttemptAt: z.string().nullable(),
})

const DeliveryViewSchema = answerOf<DeliveryView>()(
  z.object({
    id: z.string(),
    webhookId: z.string(),
    type: z.enum(webhookMessageTypes),
    status: z.enum(deliveryStatuses),
    statusReason: z.string().nullable(),
    fingerprint: z.string().nullable(),
    sequence: z.number().int().nullable(),
    position: z.number().int(),
    createdAt: z.string(),
    nextAttemptAt: z.string().nullable(),
    round: z.number().int(),
    attemptsInRound: z.number().int(),
    attempts: z.array(AttemptView),
    message: z.object({ type: z.enum(webhookMessageTypes), timestamp: z.string(), data: z.record(z.string(), z.unknown()) }),
  }),
)

const deliveryExample = {
  id: 'msg_0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  webhookId: webhookExample.id,
  type: 'webhook.test',
  status: 'delivered',
  statusReason: null,
  fingerprint: null,
  sequence: null,
  position: 190,
  createdAt: '2020-05-01T08:05:00.000Z',
  nextAttemptAt: null,
  round: 1,
  attemptsInRound: 1,
  attempts: [{ attempt: 1, round: 1, attemptedAt: '2020-05-01T08:05:00.120Z', outcome: 'delivered', statusCode: 204, latencyMs: 38, error: null, nextAttemptAt: null }],
  message: { type: 'webhook.test', timestamp: '2020-05-01T08:05:00.000Z', data: { webhookId: webhookExample.id } },
}

export const DeliveryAnswer = DeliveryViewSchema.meta({ examples: [deliveryExample] })
export const QueuedDeliveryAnswer = DeliveryViewSchema.meta({
  examples: [{ ...deliveryExample, status: 'pending', attempts: [], attemptsInRound: 0, nextAttemptAt: '2020-05-01T08:05:00.000Z' }],
})
export const DeliveryList = z.object({ deliveries: z.array(DeliveryViewSchema) }).meta({ examples: [{ deliveries: [deliveryExample] }] })

const FiringAlertView = answerOf<FiringAlert>()(
  z.object({
    alertId: z.string(),
    fingerprint: z.string(),
    kind: z.string(),
    targetId: z.string(),
    region: z.string(),
    incidentId: z.string().nullable(),
    status: z.string(),
    sequence: z.number().int(),
    since: z.string(),
    notified: z.boolean(),
  }),
)

const AlertRecordView = answerOf<AlertRecord>()(
  z.object({
    id: z.string(),
    type: z.enum(['AlertRaised', 'AlertResolved', 'RescueOverdue', 'RescueOverdueResolved']),
    kind: z.enum(['target.status_changed', 'rescue.overdue']),
    status: z.enum(['firing', 'resolved']),
    alertId: z.string(),
    fingerprint: z.string(),
    sequence: z.number().int(),
    plan: z.string().nullable(),
    targetId: z.string().nullable(),
    incidentId: z.string().nullable(),
    region: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    value: z.number().nullable(),
    evaluatedAt: z.string(),
    position: z.number().int(),
    notified: z.boolean(),
    suppressed: z.string().nullable(),
  }),
)

const EvaluationView = z.object({
  position: z.number().int(),
  evaluatedAt: z.string(),
  live: z.boolean(),
  transitions: z.number().int(),
  replayed: z.object({ from: z.number().int(), to: z.number().int() }).nullable(),
})

const firingExample = {
  alertId: 'food-sampling-pass-rate|zunyi',
  fingerprint: 'food-sampling-pass-rate|zunyi',
  kind: 'target.status_changed',
  targetId: 'food-sampling-pass-rate',
  region: 'zunyi',
  incidentId: null,
  status: 'breached',
  sequence: 1,
  since: '2020-05-31T23:59:59.999+08:00',
  notified: true,
}

export const AlertsAnswer = z
  .object({
    position: z.number().int(),
    deriving: z.boolean().meta({ description: 'alerts are being derived from the log (false until the reactor has started)' }),
    evaluation: EvaluationView.nullable(),
    firing: z.array(FiringAlertView),
    history: z.array(AlertRecordView).meta({ description: 'transitions, newest first' }),
    dropped: z.number().int().meta({ description: 'oldest transitions no longer kept in memory (the log keeps them all)' }),
  })
  .meta({
    examples: [
      {
        position: 205,
        deriving: true,
        evaluation: { position: 205, evaluatedAt: '2020-06-01T00:00:05.000Z', live: true, transitions: 1, replayed: null },
        firing: [firingExample],
        history: [
          {
            id: '0193d1c2-7a00-7000-8000-0000000000aa',
            type: 'AlertRaised',
            kind: 'target.status_changed',
            status: 'firing',
            alertId: firingExample.alertId,
            fingerprint: firingExample.fingerprint,
            sequence: 1,
            plan: 'guizhou-2020',
            targetId: 'food-sampling-pass-rate',
            incidentId: null,
            region: 'zunyi',
            from: 'met',
            to: 'breached',
            value: 0.975,
            evaluatedAt: '2020-06-01T00:00:05.000Z',
            position: 205,
            notified: true,
            suppressed: null,
          },
        ],
        dropped: 0,
      },
    ],
  })
