// Webhook subscriptions and their deliveries (admin), and the alert history (any key).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Lease } from '../../cluster/lease.ts'
import { z } from 'zod'
import { WebhookFilter, alertMessageTypes, scopeId, webhookMessageTypes } from '../../../domain/webhooks.ts'
import type { Alerts } from '../../alerts/alerts.ts'
import { assertMayRead } from '../../auth/principal.ts'
import { principalOf } from '../plugins/auth.ts'
import { errorResponse, zodPart } from '../schemas.ts'

const CreateWebhook = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'must be an absolute http or https URL' }).max(2048),
  filter: WebhookFilter.optional(),
  description: z.string().max(500).optional(),
})

const RotateSecret = z
  .strictObject({
    /** How long the previous secret keeps signing too (default a day, at most a week). */
    graceSeconds: z.number().int().min(0).max(604_800).optional(),
  })
  .nullish()

const WebhookParams = z.object({ id: z.string().min(1).max(64) })
const DeliveryParams = WebhookParams.extend({ deliveryId: z.string().min(1).max(64) })
const DeliveriesQuery = z.strictObject({
  status: z.enum(['pending', 'delivered', 'dead_lettered', 'cancelled']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
})
const AlertsQuery = z.strictObject({
  targetId: z.string().min(1).max(64).optional(),
  region: scopeId.optional(),
  fingerprint: z.string().min(1).max(200).optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  notified: z.enum(['true', 'false']).optional(),
  position: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
})

// Response schemas (fastify serializes with them: every field a client gets is listed).
const text = { type: 'string' }
const maybe = (schema: object) => ({ ...schema, nullable: true })
const integer = { type: 'integer' }
const object = (properties: Record<string, object>, optional: string[] = []) => {
  const required = Object.keys(properties).filter((key) => !optional.includes(key))
  // OpenAPI 3.0 wants at least one name in `required`, or no `required` at all.
  return { type: 'object', ...(required.length > 0 ? { required } : {}), properties }
}
const free = { type: 'object', additionalProperties: true }

const filter = object(
  {
    targets: { type: 'array', items: text },
    regions: { type: 'array', items: text },
    types: { type: 'array', items: { type: 'string', enum: [...alertMessageTypes] } },
  },
  ['targets', 'regions', 'types'],
)
const counts = object({ pending: integer, delivered: integer, dead_lettered: integer, cancelled: integer })
const webhookProperties = {
  id: text,
  url: text,
  filter,
  description: maybe(text),
  status: { type: 'string', enum: ['active', 'disabled', 'deleted'] },
  createdAt: text,
  createdBy: text,
  disabledAt: maybe(text),
  disabledReason: maybe(text),
  deletedAt: maybe(text),
  secretRotatedAt: maybe(text),
  previousSecretExpiresAt: maybe(text),
  deliveries: counts,
}
const webhook = object(webhookProperties)
const webhookWithSecret = object({ ...webhookProperties, secret: { type: 'string', description: 'whsec_…: shown in this answer only' } })
const attempt = object(
  {
    attempt: integer,
    round: integer,
    attemptedAt: text,
    outcome: { type: 'string', enum: ['delivered', 'failed', 'gone'] },
    statusCode: maybe(integer),
    latencyMs: integer,
    error: maybe(text),
    retryAfterMs: integer,
    nextAttemptAt: maybe(text),
  },
  ['retryAfterMs'],
)
const delivery = object({
  id: text,
  webhookId: text,
  type: { type: 'string', enum: [...webhookMessageTypes] },
  status: { type: 'string', enum: ['pending', 'delivered', 'dead_lettered', 'cancelled'] },
  statusReason: maybe(text),
  fingerprint: maybe(text),
  sequence: maybe(integer),
  position: integer,
  createdAt: text,
  nextAttemptAt: maybe(text),
  round: integer,
  attemptsInRound: integer,
  attempts: { type: 'array', items: attempt },
  message: object({ type: text, timestamp: text, data: free }),
})
const alertsAnswer = object({
  position: integer,
  deriving: { type: 'boolean' },
  evaluation: { ...free, nullable: true },
  firing: { type: 'array', items: free },
  history: { type: 'array', items: free },
  dropped: integer,
})

const admin = { access: ['admin'] as const }
const readers = { access: ['viewer', 'reporter', 'auditor', 'admin'] as const }
const tags = ['webhooks']

export const webhookRoutes = async (app: FastifyInstance, { alerts, isReportingRegion }: { alerts: Alerts; isReportingRegion: (id: string) => boolean }) => {
  const { webhooks } = alerts
  const params = zodPart(WebhookParams, 'params')

  app.post(
    '/v1/webhooks',
    {
      config: admin,
      schema: {
        summary: 'Subscribe a receiver; the signing secret is in this answer only',
        tags,
        body: zodPart(CreateWebhook),
        response: { 201: webhookWithSecret, 400: errorResponse },
      },
    },
    async (request, reply) => reply.status(201).send(await webhooks.subscribe(request.body as z.infer<typeof CreateWebhook>, principalOf(request), request.id)),
  )
  app.get(
    '/v1/webhooks',
    { config: admin, schema: { summary: 'Subscriptions (never their secrets)', tags, response: { 200: object({ webhooks: { type: 'array', items: webhook } }) } } },
    async () => ({ webhooks: webhooks.list() }),
  )
  app.get(
    '/v1/webhooks/:id',
    { config: admin, schema: { summary: 'One subscription', tags, params, response: { 200: webhook, 404: errorResponse } } },
    async (request) => webhooks.get((request.params as { id: string }).id),
  )
  app.delete(
    '/v1/webhooks/:id',
    { config: admin, schema: { summary: 'Unsubscribe: pending deliveries are cancelled', tags, params, response: { 200: webhook, 404: errorResponse } } },
    async (request) => webhooks.unsubscribe((request.params as { id: string }).id, principalOf(request), request.id),
  )
  app.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      config: admin,
      schema: {
        summary: 'A new secret (in this answer only); the previous one keeps signing too for graceSeconds (default 86400)',
        tags,
        params,
        body: zodPart(RotateSecret),
        response: { 200: webhookWithSecret, 404: errorResponse, 409: errorResponse },
      },
    },
    async (request) => {
      const body = request.body as z.infer<typeof RotateSecret>
      return webhooks.rotateSecret((request.params as { id: string }).id, body?.graceSeconds ?? 86_400, principalOf(request), request.id)
    },
  )
  app.post(
    '/v1/webhooks/:id/test',
    { config: admin, schema: { summary: 'Send a signed webhook.test message', tags, params, response: { 202: delivery, 404: errorResponse, 409: errorResponse } } },
    async (request, reply) => reply.status(202).send(await webhooks.sendTest((request.params as { id: string }).id, principalOf(request), request.id)),
  )
  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      config: admin,
      schema: {
        summary: 'Deliveries, newest first, each with every attempt (time, outcome, status code, latency, error)',
        tags,
        params,
        querystring: zodPart(DeliveriesQuery, 'query'),
        response: { 200: object({ deliveries: { type: 'array', items: delivery } }), 404: errorResponse },
      },
    },
    async (request) => {
      const query = request.query as z.infer<typeof DeliveriesQuery>
      return { deliveries: webhooks.deliveries((request.params as { id: string }).id, { ...(query.status ? { status: query.status } : {}), limit: query.limit ?? 100 }) }
    },
  )
  app.get(
    '/v1/webhooks/:id/deliveries/:deliveryId',
    { config: admin, schema: { summary: 'One delivery with its attempts', tags, params: zodPart(DeliveryParams, 'params'), response: { 200: delivery, 404: errorResponse } } },
    async (request) => {
      const { id, deliveryId } = request.params as z.infer<typeof DeliveryParams>
      return webhooks.delivery(id, deliveryId)
    },
  )
  app.post(
    '/v1/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: admin,
      schema: {
        summary: 'Attempt a delivery again now (a new round of the retry schedule; the webhook-id stays the same)',
        tags,
        params: zodPart(DeliveryParams, 'params'),
        response: { 202: delivery, 404: errorResponse, 409: errorResponse },
      },
    },
    async (request, reply) => {
      const { id, deliveryId } = request.params as z.infer<typeof DeliveryParams>
      return reply.status(202).send(await webhooks.retry(id, deliveryId, principalOf(request), request.id))
    },
  )
  app.get(
    '/v1/alerts',
    {
      config: readers,
      schema: {
        summary: 'Firing alerts and the transitions recorded (sent or not: history derived from a backfill is kept, marked notified: false)',
        tags: ['alerts'],
        querystring: zodPart(AlertsQuery, 'query'),
        response: { 200: alertsAnswer, 400: errorResponse },
      },
    },
    async (request) => {
      const { notified, limit, ...query } = request.query as z.infer<typeof AlertsQuery>
      const principal = principalOf(request)
      const isPublicScope = (region: string) => !isReportingRegion(region)
      assertMayRead(principal, query.region, isPublicScope)
      // A key scoped to regions sees the province's alerts and its own regions', never another region's.
      const visible = (region: string) => principal.regions === null || isPublicScope(region) || (principal.regions as string[]).includes(region)
      return alerts.history.query({ ...query, ...(notified ? { notified: notified === 'true' } : {}), limit: limit ?? 100, visible })
    },
  )
}

/** Starts alert derivation and delivery when the app is ready; stops them when it closes. */
export const alertsLifecycle = fp(
  async (app: FastifyInstance, { alerts, lease }: { alerts: Alerts; lease?: () => Lease }) => {
    let held: Lease | null = null
    app.addHook('onReady', async () => {
      // With a cluster lease, derivation runs everywhere but only the lease holder delivers.
      alerts.start(lease ? { dispatcher: false } : {})
      if (lease) held = lease()
    })
    app.addHook('onClose', async () => {
      await held?.stop()
      await alerts.stop()
    })
  },
  { name: 'alerts-lifecycle' },
)
