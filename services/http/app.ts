// The fastify application as a plugin-composed factory, with no listen: tests inject into it,
// services/server.ts serves it.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { randomUUID } from 'node:crypto'
import type { ServerOptions } from 'node:http'
import type { Services } from '../services.ts'
import { authPlugin } from './plugins/auth.ts'
import { rateLimitPlugin } from './plugins/rate-limit.ts'
import { dashboardPlugin } from './dashboard/plugin.ts'
import { errorsPlugin } from './plugins/errors.ts'
import { integrityPlugin } from './plugins/integrity.ts'
import { jsonBodyPlugin } from './plugins/json-body.ts'
import { methodNotAllowedPlugin } from './plugins/method-not-allowed.ts'
import { metricsPlugin } from './plugins/metrics.ts'
import { openapiPlugin } from './plugins/openapi.ts'
import { responsesPlugin } from './plugins/responses.ts'
import { auditRoutes } from './routes/audit.ts'
import { eventRoutes } from './routes/events.ts'
import { healthRoutes } from './routes/health.ts'
import { keyRoutes } from './routes/keys.ts'
import { streamRoutes } from './routes/streams.ts'
import { planRoutes } from './routes/plans.ts'
import { targetRoutes } from './routes/targets.ts'
import { alertsLifecycle, webhookRoutes } from './routes/webhooks.ts'
import { leaseDispatcher } from '../cluster/dispatcher-lease.ts'
import type { Logger } from 'pino'
import { validatorCompiler } from './schemas.ts'
import { sharedSerializers } from './serializers.ts'

export interface AppOptions {
  logger?: FastifyServerOptions['loggerInstance'] | boolean
  /** Timeouts and limits of the HTTP server, set by services/server.ts (tests that inject need none). */
  server?: Pick<FastifyServerOptions, 'connectionTimeout' | 'requestTimeout' | 'keepAliveTimeout' | 'maxRequestsPerSocket'> & { http?: ServerOptions }
}

export const buildApp = async (services: Services, options: AppOptions = {}): Promise<FastifyInstance> => {
  const { config } = services
  const app = Fastify({
    ...(typeof options.logger === 'object' ? { loggerInstance: options.logger } : { logger: options.logger ?? false }),
    ...options.server,
    bodyLimit: config.bodyLimit,
    // request.ip is the socket's peer unless TARGETWATCH_TRUST_PROXY names the proxies in front.
    trustProxy: config.trustProxy ?? false,
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : randomUUID()
    },
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildSerializer: sharedSerializers } },
    // Errors raised by the router before any route runs (a URL that cannot be decoded, a path
    // parameter over maxParamLength) get the contract's error shape too.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is longer than 100 characters' : 'the URL cannot be decoded'
      void reply.status(status).send({ error: { code: error.code ?? 'BAD_URL', message } })
    },
  })
  app.setValidatorCompiler(validatorCompiler)
  // The API speaks JSON only: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain')
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })

  await app.register(errorsPlugin, {
    onCorruption: (message) => services.integrity.report({ source: 'request', check: 'sqlite', position: null, message, file: null }),
  })
  await app.register(methodNotAllowedPlugin)
  await app.register(jsonBodyPlugin)
  await app.register(integrityPlugin, { integrity: services.integrity })
  await app.register(authPlugin, { keys: services.keys, failuresPerMinute: config.authFailuresPerMinute })
  await app.register(rateLimitPlugin, { perMinute: config.rateLimitPerMinute })
  // Before every route: the standard answers are added to each route, and swagger documents
  // the routes added after it.
  const limits = { rateLimitPerMinute: config.rateLimitPerMinute, authFailuresPerMinute: config.authFailuresPerMinute }
  await app.register(responsesPlugin, { limits })
  await app.register(openapiPlugin, { limits })
  await app.register(metricsPlugin, { metrics: services.metrics, store: services.store, runner: services.runner, config, clock: services.clock })
  await app.register(healthRoutes, { store: services.store, runner: services.runner, readyLagEvents: config.readyLagEvents, integrity: services.integrity })
  await app.register(eventRoutes, { ingest: services.ingest, maxBatch: config.maxBatch })
  await app.register(planRoutes, services)
  await app.register(targetRoutes, services)
  await app.register(streamRoutes, { store: services.store })
  await app.register(keyRoutes, { keys: services.keys })
  await app.register(webhookRoutes, { alerts: services.alerts, isReportingRegion: services.plans.isReportingRegion })
  const { dispatcherLease } = config
  await app.register(alertsLifecycle, {
    alerts: services.alerts,
    ...(dispatcherLease.enabled
      ? { lease: () => leaseDispatcher({ store: services.store, alerts: services.alerts, ttlMs: dispatcherLease.ttlMs, logger: app.log as Logger, clock: services.clock }) }
      : {}),
  })
  await app.register(auditRoutes, services)
  await app.register(dashboardPlugin)
  return app
}
