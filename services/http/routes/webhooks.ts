// Webhook subscriptions and their deliveries (admin), and the alert history (any key).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Lease } from '../../cluster/lease.ts'
import { z } from 'zod'
import { WebhookFilter, scopeId } from '../../../domain/webhooks.ts'
import type { Alerts } from '../../alerts/alerts.ts'
import { assertMayRead } from '../../auth/principal.ts'
import { principalOf } from '../plugins/auth.ts'
import { errorResponse, responseSchemaOf, zodPart } from '../schemas.ts'
import {
  AlertsAnswer,
  DeletedWebhookAnswer,
  DeliveryAnswer,
  DeliveryList,
  QueuedDeliveryAnswer,
  WebhookAnswer,
  WebhookList,
  WebhookWithSecret,
} from './webhook-answers.ts'

const CreateWebhook = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, message: 'must be an absolute http or https URL' }).max(2048),
    filter: WebhookFilter.optional(),
    description: z.string().max(500).optional(),
  })
  .meta({
    examples: [
      {
        url: 'https://receiver.example.gov.cn/targetwatch',
        filter: { targets: ['food-sampling-pass-rate'], regions: ['zunyi'] },
        description: '遵义市食品抽检合格率 (Zunyi food sampling pass rate)',
      },
    ],
  })

const RotateSecret = z
  .strictObject({
    /** How long the previous secret keeps signing too (default a day, at most a week). */
    graceSeconds: z.number().int().min(0).max(604_800).optional(),
  })
  .nullish()
  .meta({ examples: [{ graceSeconds: 3600 }] })

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

// Answers: zod schemas checked against the services' types (webhook-answers.ts).
const answer = (description: string, schema: z.ZodType) => ({ description, ...responseSchemaOf(schema) })
const noWebhook = { description: 'NOT_FOUND: no such webhook', ...errorResponse }
const noDelivery = { description: 'NOT_FOUND: no such webhook, or no such delivery of it', ...errorResponse }

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
        response: { 201: answer('subscribed: the signing secret is in this answer only', WebhookWithSecret), 400: errorResponse },
      },
    },
    async (request, reply) => reply.status(201).send(await webhooks.subscribe(request.body as z.infer<typeof CreateWebhook>, principalOf(request), request.id)),
  )
  app.get(
    '/v1/webhooks',
    { config: admin, schema: { summary: 'Subscriptions (never their secrets)', tags, response: { 200: answer('every subscription, deleted ones included', WebhookList) } } },
    async () => ({ webhooks: webhooks.list() }),
  )
  app.get(
    '/v1/webhooks/:id',
    { config: admin, schema: { summary: 'One subscription', tags, params, response: { 200: answer('the subscription', WebhookAnswer), 404: noWebhook } } },
    async (request) => webhooks.get((request.params as { id: string }).id),
  )
  app.delete(
    '/v1/webhooks/:id',
    { config: admin, schema: { summary: 'Unsubscribe: pending deliveries are cancelled', tags, params, response: { 200: answer('the subscription, deleted', DeletedWebhookAnswer), 404: noWebhook } } },
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
        response: { 200: answer('the subscription with its new secret (in this answer only)', WebhookWithSecret), 404: noWebhook, 409: { description: 'the webhook is deleted', ...errorResponse } },
      },
    },
    async (request) => {
      const body = request.body as z.infer<typeof RotateSecret>
      return webhooks.rotateSecret((request.params as { id: string }).id, body?.graceSeconds ?? 86_400, principalOf(request), request.id)
    },
  )
  app.post(
    '/v1/webhooks/:id/test',
    { config: admin, schema: { summary: 'Send a signed webhook.test message', tags, params, response: { 202: answer('queued: the delivery, before its first attempt', QueuedDeliveryAnswer), 404: noWebhook, 409: { description: 'the webhook is disabled or deleted', ...errorResponse } } } },
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
        response: { 200: answer('the deliveries, newest first', DeliveryList), 404: noWebhook },
      },
    },
    async (request) => {
      const query = request.query as z.infer<typeof DeliveriesQuery>
      return { deliveries: webhooks.deliveries((request.params as { id: string }).id, { ...(query.status ? { status: query.status } : {}), limit: query.limit ?? 100 }) }
    },
  )
  app.get(
    '/v1/webhooks/:id/deliveries/:deliveryId',
    { config: admin, schema: { summary: 'One delivery with its attempts', tags, params: zodPart(DeliveryParams, 'params'), response: { 200: answer('the delivery with its attempts', DeliveryAnswer), 404: noDelivery } } },
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
        response: { 202: answer('a new round queued: the delivery', QueuedDeliveryAnswer), 404: noDelivery, 409: { description: 'the delivery is pending already, or its webhook is disabled or deleted', ...errorResponse } },
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
        response: { 200: answer('firing alerts and the transitions recorded', AlertsAnswer), 400: errorResponse },
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
