// Webhook subscriptions as commands on `webhook-{id}` and `delivery-{id}` streams: subscribe
// (the secret is returned once and recorded only sealed), rotate the secret, unsubscribe, ask
// for a test message, retry a delivery; and the read side (subscriptions, deliveries).
import { randomBytes, randomUUID } from 'node:crypto'
import { ConcurrencyError, InvariantViolation, NotFound, ValidationError } from '../../domain/errors.ts'
import {
  type WebhookFilter,
  type WebhookSubscribedData,
  DeliveryRetryRequested,
  WebhookSecretRotated,
  WebhookSubscribed,
  WebhookTestRequested,
  deliveryIdOf,
  deliveryStream,
  webhookStream,
} from '../../domain/webhooks.ts'
import type { DeliveryRecord, DeliveryStatus, SubscriptionRecord, WebhooksState } from '../../projections/webhooks.ts'
import type { Principal } from '../auth/principal.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore, ExpectedRevision } from '../store/port.ts'
import { ReceiverRefused, assertPublicReceiver } from './address.ts'
import type { AlertsConfig } from './config.ts'
import type { SecretBox } from './secret-box.ts'
import { newWebhookSecret } from './signing.ts'

export interface WebhookServiceDeps {
  store: EventStore
  runner: Runner
  secretBox: SecretBox
  config: AlertsConfig
  clock: () => Date
  /** Whether a plan has a target of this id (a filter naming none would never match). */
  isKnownTarget: (id: string) => boolean
  /** Whether a region set defines the region or root a filter names. */
  isKnownScope: (id: string) => boolean
  /** Evaluates alerts now, so that a new subscription hears of changes after it, not of the past. */
  settleAlerts: () => Promise<void>
}

export interface WebhookView {
  id: string
  url: string
  filter: WebhookFilter
  description: string | null
  status: SubscriptionRecord['status']
  createdAt: string
  createdBy: string
  disabledAt: string | null
  disabledReason: string | null
  deletedAt: string | null
  secretRotatedAt: string | null
  previousSecretExpiresAt: string | null
  deliveries: Record<DeliveryStatus, number>
}

export type DeliveryView = Omit<DeliveryRecord, 'revision' | 'sourceEventId'> & { type: DeliveryRecord['message']['type'] }

const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
const newWebhookId = () => `wh_${[...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join('')}`

export const createWebhookService = ({ store, runner, secretBox, config, clock, isKnownTarget, isKnownScope, settleAlerts }: WebhookServiceDeps) => {
  const state = () => runner.state<WebhooksState>('webhooks')

  const view = (sub: SubscriptionRecord): WebhookView => {
    const counts: Record<DeliveryStatus, number> = { pending: 0, delivered: 0, dead_lettered: 0, cancelled: 0 }
    for (const id of state().byWebhook[sub.id] ?? []) counts[state().deliveries[id]!.status] += 1
    const previous = sub.secrets[1]
    return {
      id: sub.id,
      url: sub.url,
      filter: sub.filter,
      description: sub.description,
      status: sub.status,
      createdAt: sub.createdAt,
      createdBy: sub.createdBy,
      disabledAt: sub.disabledAt,
      disabledReason: sub.disabledReason,
      deletedAt: sub.deletedAt,
      secretRotatedAt: previous ? sub.secrets[0]!.createdAt : null,
      previousSecretExpiresAt: previous?.expiresAt ?? null,
      deliveries: counts,
    }
  }

  const deliveryView = ({ revision: _r, sourceEventId: _s, ...delivery }: DeliveryRecord): DeliveryView => ({ ...delivery, type: delivery.message.type })

  const find = (id: string): SubscriptionRecord => {
    // Ids come from URLs: `constructor` or `__proto__` must not find Object.prototype members.
    const sub = Object.hasOwn(state().subscriptions, id) ? state().subscriptions[id] : undefined
    if (!sub) throw new NotFound(`webhook ${id} does not exist`, { id })
    return sub
  }

  const active = (id: string): SubscriptionRecord => {
    const sub = find(id)
    if (sub.status !== 'active')
      throw new InvariantViolation('WEBHOOK_INACTIVE', `webhook ${id} is ${sub.status}${sub.disabledReason ? ` (${sub.disabledReason})` : ''}; create a new subscription`, { id, status: sub.status })
    return sub
  }

  const append = async (stream: string, type: string, data: unknown, expected: ExpectedRevision, by: Principal, requestId: string) => {
    const event = { id: randomUUID(), type, occurredAt: clock().toISOString(), data, meta: { principal: by.keyId, requestId, schemaVersion: 1 } }
    const result = await store.append(stream, [event], expected)
    await runner.waitFor(result.positions[0]!)
    return event
  }

  const checkReceiver = async (url: URL): Promise<void> => {
    if (url.username || url.password) throw new ValidationError('url: must not carry credentials (they would be recorded in the log); authenticate with the signature', { field: 'url' })
    if (config.webhooks.allowPrivate) return
    try {
      await assertPublicReceiver(url)
    } catch (error) {
      if (!(error instanceof ReceiverRefused)) throw error
      throw new ValidationError(`url: ${error.message}; receivers must be public (TARGETWATCH_WEBHOOK_ALLOW_PRIVATE=1 allows private ones)`, { field: 'url' })
    }
  }

  const subscribe = async (input: { url: string; filter?: WebhookFilter; description?: string }, by: Principal, requestId: string) => {
    await checkReceiver(new URL(input.url))
    const unknownTargets = input.filter?.targets?.filter((t) => !isKnownTarget(t)) ?? []
    if (unknownTargets.length > 0) throw new ValidationError(`filter.targets: ${unknownTargets.join(', ')} not in the catalog of any plan`, { field: 'filter.targets', unknown: unknownTargets })
    const unknownRegions = input.filter?.regions?.filter((r) => !isKnownScope(r)) ?? []
    if (unknownRegions.length > 0) throw new ValidationError(`filter.regions: ${unknownRegions.join(', ')} not a region of any region set`, { field: 'filter.regions', unknown: unknownRegions })
    const webhookId = newWebhookId()
    const secret = newWebhookSecret()
    const data: WebhookSubscribedData = WebhookSubscribed.parse({
      webhookId,
      url: input.url,
      filter: input.filter ?? {},
      ...(input.description ? { description: input.description } : {}),
      secret: secretBox.seal(secret, webhookId),
    })
    await append(webhookStream(webhookId), 'WebhookSubscribed', data, 'no_stream', by, requestId)
    await settleAlerts()
    return { ...view(find(webhookId)), secret }
  }

  const rotateSecret = async (id: string, graceSeconds: number, by: Principal, requestId: string) => {
    const sub = active(id)
    const secret = newWebhookSecret()
    const previousExpiresAt = new Date(clock().getTime() + graceSeconds * 1000).toISOString()
    const data = WebhookSecretRotated.parse({ webhookId: id, secret: secretBox.seal(secret, id), previousExpiresAt })
    await append(webhookStream(id), 'WebhookSecretRotated', data, sub.revision, by, requestId)
    return { ...view(find(id)), secret }
  }

  const unsubscribe = async (id: string, by: Principal, requestId: string) => {
    const sub = find(id)
    if (sub.status !== 'deleted') await append(webhookStream(id), 'WebhookUnsubscribed', { webhookId: id }, sub.revision, by, requestId)
    return view(find(id))
  }

  const sendTest = async (id: string, by: Principal, requestId: string) => {
    const sub = active(id)
    const data = WebhookTestRequested.parse({ webhookId: id, testId: randomUUID(), requestedAt: clock().toISOString() })
    const event = await append(webhookStream(id), 'WebhookTestRequested', data, sub.revision, by, requestId)
    return deliveryView(state().deliveries[deliveryIdOf(id, event.id)]!)
  }

  const delivery = (id: string, deliveryId: string): DeliveryRecord => {
    find(id)
    const found = Object.hasOwn(state().deliveries, deliveryId) ? state().deliveries[deliveryId] : undefined
    if (!found || found.webhookId !== id) throw new NotFound(`webhook ${id} has no delivery ${deliveryId}`, { id, deliveryId })
    return found
  }

  /** A new round of attempts, due now; the webhook-id stays the same. */
  const retry = async (id: string, deliveryId: string, by: Principal, requestId: string) => {
    active(id)
    for (let tries = 1; ; tries++) {
      const current = delivery(id, deliveryId)
      const data = DeliveryRetryRequested.parse({ deliveryId, webhookId: id, requestedAt: clock().toISOString() })
      try {
        await append(deliveryStream(deliveryId), 'DeliveryRetryRequested', data, current.revision < 0 ? 'no_stream' : current.revision, by, requestId)
        return deliveryView(delivery(id, deliveryId))
      } catch (error) {
        // An attempt was recorded meanwhile: ask again on the new revision.
        if (!(error instanceof ConcurrencyError) || tries >= 5) throw error
        await runner.waitFor(await store.head())
      }
    }
  }

  const deliveries = (id: string, options: { status?: DeliveryStatus; limit: number }): DeliveryView[] => {
    find(id)
    const ids = state().byWebhook[id] ?? []
    const views: DeliveryView[] = []
    for (let i = ids.length - 1; i >= 0 && views.length < options.limit; i--) {
      const record = state().deliveries[ids[i]!]!
      if (!options.status || record.status === options.status) views.push(deliveryView(record))
    }
    return views
  }

  return {
    subscribe,
    rotateSecret,
    unsubscribe,
    sendTest,
    retry,
    deliveries,
    delivery: (id: string, deliveryId: string) => deliveryView(delivery(id, deliveryId)),
    get: (id: string) => view(find(id)),
    list: (): WebhookView[] => Object.values(state().subscriptions).map(view),
    hasActive: (): boolean => Object.values(state().subscriptions).some((s) => s.status === 'active'),
  }
}

export type WebhookService = ReturnType<typeof createWebhookService>
