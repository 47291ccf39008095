// Prometheus metrics (prom-client) at GET /metrics. One registry per service instance (never
// prom-client's global one), created with the services so any component can count into it:
// `services.metrics.webhookDeliveries.inc({ outcome: 'delivered' })`. What can be read at scrape
// time (head, lag, snapshot age, file sizes) is read then; counts are counted as they happen.
import { stat } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Config } from '../../config.ts'
import type { Runner } from '../../runner/runner.ts'
import type { Snapshot, SnapshotStore } from '../../runner/snapshots.ts'
import type { EventStore } from '../../store/port.ts'

export const createMetrics = () => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  // Gauges that prom-client names like counters: `promtool check metrics` rejects them.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name)
  const registers = [registry]
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'targetwatch_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status code, with their duration',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    eventsAppended: new Counter({
      name: 'targetwatch_events_appended_total',
      help: 'Events appended to the log since this process started, by event type',
      labelNames: ['type'] as const,
      registers,
    }),
    appendBatchSize: new Histogram({
      name: 'targetwatch_append_batch_size',
      help: 'Events submitted per request to POST /v1/events (1) and POST /v1/events/batch',
      labelNames: ['route'] as const,
      buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
      registers,
    }),
    /** Counted from the log (DeliveryAttempted by outcome, DeliveryDeadLettered as dead_letter): do not also count in the dispatcher. */
    webhookDeliveries: new Counter({
      name: 'targetwatch_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, failed, gone) and dead letters (dead_letter), as recorded in the log',
      labelNames: ['outcome'] as const,
      registers,
    }),
    /** Integrity (README "Integrity"): findings by what found them and which check failed, and whether the log is intact. */
    integrityFindings: new Counter({
      name: 'targetwatch_integrity_findings_total',
      help: 'Integrity findings (start-up check, scrub, damaged file met by a request) by source and check',
      labelNames: ['source', 'check'] as const,
      registers,
    }),
    integrityIntact: new Gauge({
      name: 'targetwatch_integrity_intact',
      help: '1 while no integrity check has failed, 0 once one has (then appends, proofs and attestations are refused)',
      registers,
    }),
    scrubLastRun: new Gauge({
      name: 'targetwatch_scrub_last_run',
      help: 'The last completed integrity scrub: end time (timestamp_seconds), duration (duration_seconds), events checked (events), ok (1/0)',
      labelNames: ['field'] as const,
      registers,
    }),
    /** Latest snapshot seen per projection (written by instrumentSnapshots). */
    snapshots: new Map<string, { position: number; savedAt: number | null }>(),
  }
}

export type Metrics = ReturnType<typeof createMetrics>

/** The snapshot store, reporting each snapshot the runner saves or resumes from. */
export const instrumentSnapshots = (snapshots: SnapshotStore, metrics: Metrics, clock: () => Date = () => new Date()): SnapshotStore => ({
  ...snapshots,
  save: (snapshot: Snapshot) => {
    snapshots.save(snapshot)
    metrics.snapshots.set(snapshot.projection, { position: snapshot.position, savedAt: clock().getTime() })
  },
  latest: (projection, version, atOrBefore) => {
    const found = snapshots.latest(projection, version, atOrBefore)
    if (found && !metrics.snapshots.has(projection)) metrics.snapshots.set(projection, { position: found.position, savedAt: null })
    return found
  },
})

/** Bytes on disk of a SQLite database and its write-ahead log; null when it does not exist. */
const databaseBytes = async (file: string): Promise<number | null> => {
  let total: number | null = null
  for (const suffix of ['', '-wal']) {
    try {
      total = (total ?? 0) + (await stat(file + suffix)).size
    } catch {
      // absent: the memory store, or no WAL right now
    }
  }
  return total
}

export interface MetricsSources {
  metrics: Metrics
  store: EventStore
  runner: Runner
  config: Pick<Config, 'store' | 'dataDir'> & { metricsAccess?: 'public' | 'key' }
  clock?: () => Date
}

const scrapeGauges = ({ metrics, store, runner, config, clock = () => new Date() }: MetricsSources) => {
  const registers = [metrics.registry]
  const head = () => store.head()
  new Gauge({
    name: 'targetwatch_log_head_position',
    help: 'Position of the last event in the log',
    registers,
    async collect() {
      this.set(await head())
    },
  })
  new Gauge({
    name: 'targetwatch_projection_position',
    help: 'Log position the read models have reached',
    registers,
    collect() {
      this.set(runner.position())
    },
  })
  new Gauge({
    name: 'targetwatch_projection_lag_events',
    help: 'Events in the log not yet folded into the read models',
    registers,
    async collect() {
      this.set(Math.max(0, (await head()) - runner.position()))
    },
  })
  new Gauge({
    name: 'targetwatch_projection_lag_seconds',
    help: 'How long the oldest event not yet in the read models has been in the log (0 when caught up)',
    registers,
    async collect() {
      let lag = 0
      if ((await head()) > runner.position())
        for await (const event of store.readAll({ from: runner.position(), limit: 1 }))
          lag = Math.max(0, (clock().getTime() - Date.parse(event.recordedAt)) / 1000)
      this.set(lag)
    },
  })
  new Gauge({
    name: 'targetwatch_snapshot_age_events',
    help: 'Events appended since the latest snapshot of each projection (what a restart would replay)',
    labelNames: ['projection'] as const,
    registers,
    async collect() {
      const position = await head()
      for (const [projection, snapshot] of metrics.snapshots) this.set({ projection }, Math.max(0, position - snapshot.position))
    },
  })
  new Gauge({
    name: 'targetwatch_snapshot_age_seconds',
    help: 'Seconds since this process last snapshotted each projection',
    labelNames: ['projection'] as const,
    registers,
    collect() {
      for (const [projection, snapshot] of metrics.snapshots)
        if (snapshot.savedAt !== null) this.set({ projection }, (clock().getTime() - snapshot.savedAt) / 1000)
    },
  })
  new Gauge({
    name: 'targetwatch_store_size_bytes',
    help: 'Bytes on disk of the event log and of the snapshots (SQLite files with their write-ahead logs)',
    labelNames: ['file'] as const,
    registers,
    async collect() {
      if (config.store !== 'sqlite') return
      for (const [file, name] of [['events', 'events.db'], ['snapshots', 'snapshots.db']] as const) {
        const bytes = await databaseBytes(path.join(config.dataDir, name))
        if (bytes !== null) this.set({ file }, bytes)
      }
    },
  })
  const stats = (store as EventStore & { stats?: () => { transactions: number; appends: number; events: number } }).stats
  if (stats) {
    new Counter({
      name: 'targetwatch_store_commits_total',
      help: 'Write transactions committed by the store (concurrent appends share one: group commit)',
      registers,
      collect() {
        this.reset()
        this.inc(stats().transactions)
      },
    })
    new Counter({
      name: 'targetwatch_store_appends_total',
      help: 'Appends judged by the store inside those transactions',
      registers,
      collect() {
        this.reset()
        this.inc(stats().appends)
      },
    })
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, sources: MetricsSources) => {
    const { metrics, runner } = sources
    scrapeGauges(sources)
    // Counted as the read models see them: every event appended by anyone, once, by type. Every
    // webhook delivery attempt is an event too, so outcomes are counted here, on every instance.
    const unsubscribe = runner.onEvent((event) => {
      metrics.eventsAppended.inc({ type: event.type })
      if (event.type === 'DeliveryAttempted') metrics.webhookDeliveries.inc({ outcome: String((event.data as { outcome?: unknown }).outcome) })
      else if (event.type === 'DeliveryDeadLettered') metrics.webhookDeliveries.inc({ outcome: 'dead_letter' })
    })
    app.addHook('onClose', async () => void unsubscribe())

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? '(unmatched)'
      metrics.httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
    })
    app.addHook('preHandler', async (request) => {
      const route = request.routeOptions.url
      if (request.method !== 'POST') return
      if (route === '/v1/events') metrics.appendBatchSize.observe({ route }, 1)
      else if (route === '/v1/events/batch') {
        const events = (request.body as { events?: unknown[] } | undefined)?.events
        if (Array.isArray(events)) metrics.appendBatchSize.observe({ route }, events.length)
      }
    })

    const access = sources.config.metricsAccess === 'key' ? (['auditor', 'admin'] as const) : 'public'
    app.get(
      '/metrics',
      {
        config: { access },
        schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['operations'] },
      },
      async (_request, reply) => {
        reply.header('content-type', metrics.registry.contentType)
        return metrics.registry.metrics()
      },
    )
  },
  { name: 'metrics', dependencies: ['auth'] },
)
