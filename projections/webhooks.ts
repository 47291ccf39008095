// Webhook subscriptions and the delivery outbox, folded from the log. A delivery exists for
// every sent alert event (notify: true) × every subscription active and matching at that point
// of the log, and for every test request; its state comes from the attempts recorded since.
// So pending deliveries survive any crash: they are the log's, not the process's.
import { type AlertEventData, filterSubjectOf, isAlertEventType } from '../domain/alerts.ts'
import {
  type DeliveryAttemptedData,
  type DeliveryOutcome,
  type WebhookDisabledData,
  type WebhookFilter,
  type WebhookMessage,
  type WebhookSecretRotatedData,
  type WebhookSubscribedData,
  type WebhookTestRequestedData,
  alertMessage,
  deliveryIdOf,
  matchesFilter,
} from '../domain/webhooks.ts'
import type { RecordedEvent } from '../domain/envelope.ts'
import { integrityViolatedType, type IntegrityViolatedData } from '../domain/integrity.ts'

export interface SecretRecord {
  /** AES-256-GCM sealed; opened only to sign. */
  sealed: string
  createdAt: string
  /** null for the current secret; the previous one signs too until then. */
  expiresAt: string | null
}

export type SubscriptionStatus = 'active' | 'disabled' | 'deleted'

export interface SubscriptionRecord {
  id: string
  url: string
  filter: WebhookFilter
  description: string | null
  status: SubscriptionStatus
  createdAt: string
  createdBy: string
  /** Current first. */
  secrets: SecretRecord[]
  disabledAt: string | null
  disabledReason: string | null
  deletedAt: string | null
  /** Revision of the webhook's stream (expected revision of the next append). */
  revision: number
}

export interface AttemptRecord {
  attempt: number
  round: number
  attemptedAt: string
  outcome: DeliveryOutcome
  statusCode: number | null
  latencyMs: number
  error: string | null
  retryAfterMs?: number
  nextAttemptAt: string | null
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead_lettered' | 'cancelled'

export interface DeliveryRecord {
  id: string
  webhookId: string
  sourceEventId: string
  /** Log position of the event that caused the delivery. */
  position: number
  createdAt: string
  message: WebhookMessage
  fingerprint: string | null
  sequence: number | null
  status: DeliveryStatus
  statusReason: string | null
  nextAttemptAt: string | null
  round: number
  attemptsInRound: number
  attempts: AttemptRecord[]
  /** Revision of the delivery's stream; -1 before the first attempt. */
  revision: number
}

export interface WebhooksState {
  subscriptions: Record<string, SubscriptionRecord>
  deliveries: Record<string, DeliveryRecord>
  /** The dispatcher's work list: deliveries still to attempt. */
  pending: Record<string, true>
  /** webhook id → its delivery ids, oldest first. */
  byWebhook: Record<string, string[]>
}

type Data = Record<string, unknown>

const addDelivery = (state: WebhooksState, sub: SubscriptionRecord, event: RecordedEvent, message: WebhookMessage): void => {
  const id = deliveryIdOf(sub.id, event.id)
  if (state.deliveries[id]) return
  const data = message.data as { fingerprint?: string; sequence?: number }
  state.deliveries[id] = {
    id,
    webhookId: sub.id,
    sourceEventId: event.id,
    position: event.position,
    createdAt: event.recordedAt,
    message,
    fingerprint: data.fingerprint ?? null,
    sequence: data.sequence ?? null,
    status: 'pending',
    statusReason: null,
    nextAttemptAt: event.recordedAt,
    round: 0,
    attemptsInRound: 0,
    attempts: [],
    revision: -1,
  }
  state.pending[id] = true
  ;(state.byWebhook[sub.id] ??= []).push(id)
}

const settle = (state: WebhooksState, delivery: DeliveryRecord, status: DeliveryStatus, reason: string | null): void => {
  delivery.status = status
  delivery.statusReason = reason
  delivery.nextAttemptAt = null
  delete state.pending[delivery.id]
}

const cancelPending = (state: WebhooksState, webhookId: string, reason: string): void => {
  for (const id of state.byWebhook[webhookId] ?? []) {
    const delivery = state.deliveries[id]
    if (delivery?.status === 'pending') settle(state, delivery, 'cancelled', reason)
  }
}

const onAlert = (state: WebhooksState, event: RecordedEvent & { type: string }, data: AlertEventData): void => {
  if (data.notify !== true || !isAlertEventType(event.type)) return
  const subject = filterSubjectOf(data)
  const message = alertMessage(event.type, data)
  for (const sub of Object.values(state.subscriptions))
    if (sub.status === 'active' && matchesFilter(sub.filter, subject)) addDelivery(state, sub, event, message)
}

/** integrity.violated: to every active subscription whose types filter names it or that has none. */
const onIntegrityViolated = (state: WebhooksState, event: RecordedEvent, data: IntegrityViolatedData): void => {
  const message: WebhookMessage = { type: 'integrity.violated', timestamp: data.detectedAt, data: { ...data } }
  for (const sub of Object.values(state.subscriptions))
    if (sub.status === 'active' && (sub.filter.types === undefined || (sub.filter.types as readonly string[]).includes('integrity.violated')))
      addDelivery(state, sub, event, message)
}

const onAttempt = (state: WebhooksState, d: DeliveryAttemptedData): void => {
  const delivery = state.deliveries[d.deliveryId]
  if (!delivery) return
  delivery.revision += 1
  delivery.attemptsInRound += 1
  const { deliveryId: _d, webhookId: _w, ...attempt } = d
  delivery.attempts.push(attempt)
  if (d.outcome === 'delivered') settle(state, delivery, 'delivered', null)
  else if (d.outcome === 'gone') settle(state, delivery, 'cancelled', `the receiver answered ${d.statusCode ?? 410}: subscription disabled`)
  else delivery.nextAttemptAt = d.nextAttemptAt
}

const onWebhookEvent = (state: WebhooksState, event: RecordedEvent, data: Data): void => {
  const sub = state.subscriptions[data.webhookId as string]
  if (!sub) return
  sub.revision += 1
  switch (event.type) {
    case 'WebhookSecretRotated': {
      const { secret, previousExpiresAt } = data as WebhookSecretRotatedData
      sub.secrets = [{ sealed: secret, createdAt: event.recordedAt, expiresAt: null }, { ...sub.secrets[0]!, expiresAt: previousExpiresAt }]
      return
    }
    case 'WebhookUnsubscribed':
      sub.status = 'deleted'
      sub.deletedAt = event.recordedAt
      return cancelPending(state, sub.id, 'the subscription was deleted')
    case 'WebhookDisabled':
      if (sub.status !== 'active') return
      sub.status = 'disabled'
      sub.disabledAt = event.recordedAt
      sub.disabledReason = (data as WebhookDisabledData).reason
      return cancelPending(state, sub.id, `the subscription was disabled: ${sub.disabledReason}`)
    case 'WebhookTestRequested': {
      const { webhookId, testId, requestedAt } = data as WebhookTestRequestedData
      if (sub.status === 'active') addDelivery(state, sub, event, { type: 'webhook.test', timestamp: requestedAt, data: { webhookId, testId } })
      return
    }
  }
}

const subscribed = (event: RecordedEvent, d: WebhookSubscribedData): SubscriptionRecord => ({
  id: d.webhookId,
  url: d.url,
  filter: d.filter,
  description: d.description ?? null,
  status: 'active',
  createdAt: event.recordedAt,
  createdBy: event.meta.principal,
  secrets: [{ sealed: d.secret, createdAt: event.recordedAt, expiresAt: null }],
  disabledAt: null,
  disabledReason: null,
  deletedAt: null,
  revision: 0,
})

export const webhooksProjection = {
  name: 'webhooks',
  version: 1,
  initialState: (): WebhooksState => ({ subscriptions: {}, deliveries: {}, pending: {}, byWebhook: {} }),
  evolve: (state: WebhooksState, event: RecordedEvent): WebhooksState => {
    const data = event.data as Data
    if (typeof data !== 'object' || data === null) return state
    switch (event.type) {
      case 'WebhookSubscribed': {
        const d = data as WebhookSubscribedData
        if (!state.subscriptions[d.webhookId]) state.subscriptions[d.webhookId] = subscribed(event, d)
        return state
      }
      case 'WebhookSecretRotated':
      case 'WebhookUnsubscribed':
      case 'WebhookDisabled':
      case 'WebhookTestRequested':
        onWebhookEvent(state, event, data)
        return state
      case 'DeliveryAttempted':
        onAttempt(state, data as DeliveryAttemptedData)
        return state
      case 'DeliveryDeadLettered': {
        const delivery = state.deliveries[data.deliveryId as string]
        if (!delivery) return state
        delivery.revision += 1
        settle(state, delivery, 'dead_lettered', data.reason as string)
        return state
      }
      case 'DeliveryRetryRequested': {
        const delivery = state.deliveries[data.deliveryId as string]
        if (!delivery) return state
        delivery.revision += 1
        if (state.subscriptions[delivery.webhookId]?.status !== 'active') return state
        delivery.status = 'pending'
        delivery.statusReason = null
        delivery.round += 1
        delivery.attemptsInRound = 0
        delivery.nextAttemptAt = data.requestedAt as string
        state.pending[delivery.id] = true
        return state
      }
      case integrityViolatedType:
        onIntegrityViolated(state, event, data as unknown as IntegrityViolatedData)
        return state
      default:
        if (isAlertEventType(event.type)) onAlert(state, event, data as unknown as AlertEventData)
        return state
    }
  },
}
