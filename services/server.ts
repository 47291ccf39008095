// The process: open the services, bootstrap the first admin key, serve HTTP, close gracefully
// (stop accepting, finish in-flight requests and appends, snapshot the read models).
import closeWithGrace from 'close-with-grace'
import type { Logger } from 'pino'
import { buildApp, type AppOptions } from './http/app.ts'
import type { Config, HttpLimits } from './config.ts'
import { openServices } from './services.ts'

export const bootstrapAdminKey = async (services: Awaited<ReturnType<typeof openServices>>, logger: Logger): Promise<string | null> => {
  // Nothing is appended to a log that failed its integrity check (README "Integrity").
  if (services.config.adminKey || services.integrity.finding() || services.keys.hasActiveAdmin()) return null
  const created = await services.keys.create(
    { name: 'bootstrap admin (first start)', role: 'admin' },
    { keyId: 'bootstrap', name: 'first start', role: 'admin', regions: null },
    'bootstrap',
  )
  logger.warn({ keyId: created.id }, 'created the first admin key; it is printed once on stderr and stored only as a hash')
  return created.key
}

/**
 * Fastify's and node's server options from TARGETWATCH_HTTP_* (README "Slow clients"): a request
 * must arrive whole within requestTimeout (408, closed), its headers within headersTimeout; idle
 * sockets and keep-alive connections are closed; node checks the first two every
 * connectionsCheckingInterval, here a quarter of the shorter one (at most node's 30 s).
 */
export const serverOptionsOf = (limits: HttpLimits): NonNullable<AppOptions['server']> => ({
  connectionTimeout: limits.connectionTimeoutMs,
  requestTimeout: limits.requestTimeoutMs,
  keepAliveTimeout: limits.keepAliveTimeoutMs,
  maxRequestsPerSocket: limits.maxRequestsPerSocket,
  http: {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(Math.min(limits.requestTimeoutMs, limits.headersTimeoutMs) / 4))),
  },
})

export const serve = async (config: Config, logger: Logger) => {
  const services = await openServices(config, logger)
  const firstKey = await bootstrapAdminKey(services, logger)
  if (firstKey)
    process.stderr.write(
      `\n  targetwatch: first start — admin API key (shown once, keep it safe):\n\n    ${firstKey}\n\n` +
        `  Use it as: curl -H 'Authorization: Bearer ${firstKey}' http://${config.host}:${config.port}/v1/targets\n\n`,
    )
  const app = await buildApp(services, { logger, server: serverOptionsOf(config.http) })
  // Connections beyond the cap are closed as they arrive (node drops them before any request).
  app.server.maxConnections = config.http.maxConnections
  // close() ends only the keep-alive connections idle at that instant; one that finishes its
  // request afterwards would hold the close open until its keep-alive timeout. So, once closing,
  // every response tells its client to close the connection.
  let closing = false
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })
  closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
    closing = true
    if (err) logger.error({ err }, 'shutting down after an error')
    else logger.info({ signal }, 'shutting down')
    await app.close()
    await services.close()
  })
  const address = await app.listen({ port: config.port, host: config.host })
  logger.info({ address, store: config.store, dataDir: config.dataDir, head: await services.store.head() }, 'targetwatch listening')
  return { app, services }
}
