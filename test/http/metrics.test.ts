// GET /metrics over real HTTP: request durations by route, events appended by type, batch sizes,
// projection lag, snapshot age, store size, the webhook counter other components increment,
// who may read it, and that Prometheus' own linter accepts the output.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { loadConfig } from '../../services/config.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { batch, entity } from '../helpers/facts.ts'
import { adminKey, createKey, startHarness, type Harness } from '../helpers/harness.ts'

const listen = async (h: Harness) => `http://127.0.0.1:${(await h.app.listen({ port: 0, host: '127.0.0.1' })).split(':').pop()}`

const headers = (key = adminKey) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })

const post = async (url: string, route: string, body: unknown) => {
  const response = await fetch(`${url}${route}`, { method: 'POST', headers: headers(), body: JSON.stringify(body) })
  if (response.status >= 300) throw new Error(`${route}: ${response.status} ${await response.text()}`)
  return response.json()
}

const scrape = async (url: string, key?: string) => {
  const response = await fetch(`${url}/metrics`, key ? { headers: headers(key) } : {})
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() }
}

/** The value of one sample, e.g. value(text, 'targetwatch_events_appended_total', { type: 'SamplingBatchTested' }). */
const value = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (!match || match[1] !== name) continue
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3])
  }
  return undefined
}

t.test('requests by route and status, events by type, and batch sizes are counted', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const url = await listen(h)
  await post(url, '/v1/events/batch', { events: Array.from({ length: 30 }, () => batch()) })
  await post(url, '/v1/events/batch', { events: Array.from({ length: 5 }, (_, i) => entity(i)) })
  await post(url, '/v1/events', batch())
  await fetch(`${url}/no/such/route`)
  await h.services.runner.waitFor(await h.services.store.head())

  const { status, type, text } = await scrape(url)
  t.equal(status, 200)
  t.match(type, /^text\/plain; version=0\.0\.4/)
  t.equal(value(text, 'targetwatch_http_request_duration_seconds_count', { method: 'POST', route: '/v1/events/batch', status_code: '200' }), 2)
  t.equal(value(text, 'targetwatch_http_request_duration_seconds_count', { method: 'POST', route: '/v1/events', status_code: '201' }), 1)
  t.equal(value(text, 'targetwatch_http_request_duration_seconds_count', { route: '(unmatched)', status_code: '404' }), 1, 'unknown paths share one label')
  t.equal(value(text, 'targetwatch_events_appended_total', { type: 'SamplingBatchTested' }), 31)
  t.equal(value(text, 'targetwatch_events_appended_total', { type: 'MarketEntityRegistered' }), 5)
  t.equal(value(text, 'targetwatch_append_batch_size_sum', { route: '/v1/events/batch' }), 35)
  t.equal(value(text, 'targetwatch_append_batch_size_count', { route: '/v1/events/batch' }), 2)
  t.equal(value(text, 'targetwatch_append_batch_size_bucket', { route: '/v1/events/batch', le: '10' }), 1, 'the batch of 5 is at most 10')
  t.equal(value(text, 'targetwatch_append_batch_size_count', { route: '/v1/events' }), 1)
  t.equal(value(text, 'targetwatch_log_head_position'), await h.services.store.head())
  t.equal(value(text, 'targetwatch_projection_lag_events'), 0)
  t.equal(value(text, 'targetwatch_projection_lag_seconds'), 0)
  t.ok(value(text, 'targetwatch_store_size_bytes', { file: 'events' })! > 4096, 'the SQLite log has a size on disk')
  t.ok(value(text, 'targetwatch_store_commits_total')! >= 1)
  t.equal(value(text, 'targetwatch_store_appends_total'), h.startHead + 36, 'each submitted event is one append (and the 2020 plan, published at first start)')
  t.ok(value(text, 'process_resident_memory_bytes')! > 0, 'process metrics are included')
})

t.test('snapshot age: events since each projection was last snapshotted, and seconds', async (t) => {
  const h = await startHarness({ store: 'sqlite', env: { TARGETWATCH_SNAPSHOT_EVERY: '100' } })
  t.teardown(h.close)
  const url = await listen(h)
  const before = await scrape(url)
  t.equal(value(before.text, 'targetwatch_snapshot_age_seconds', { projection: 'compliance' }), undefined, 'no snapshot taken yet')
  await post(url, '/v1/events/batch', { events: Array.from({ length: 130 }, () => batch()) })
  const head = await h.services.store.head()
  await h.services.runner.waitFor(head)
  const { text } = await scrape(url)
  const age = value(text, 'targetwatch_snapshot_age_events', { projection: 'compliance' })!
  t.ok(age >= 0 && age < 100, `the latest snapshot is ${age} events behind the head (one is written every 100)`)
  t.ok(value(text, 'targetwatch_snapshot_age_seconds', { projection: 'compliance' })! >= 0)
})

t.test('projection lag counts the events of the log not yet in the read models, and their age', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const url = await listen(h)
  await post(url, '/v1/events', batch())
  // Another writer on the same file (an import, a second instance): this process learns of its
  // events only at its next own commit, so they wait unprojected.
  const other = createSqliteStore({ file: path.join(h.dataDir, 'events.db') })
  for (let i = 0; i < 40; i++) {
    const fact = batch()
    await other.append(`sampling-${fact.data.batchId}`, [{ id: randomUUID(), type: fact.type, occurredAt: new Date().toISOString(), data: fact.data, meta: { principal: 'other', requestId: 'other', schemaVersion: 1 } }], 'no_stream')
  }
  await other.close()
  await new Promise((resolve) => setTimeout(resolve, 20))
  const lagging = await scrape(url)
  t.equal(value(lagging.text, 'targetwatch_projection_lag_events'), 40)
  t.ok(value(lagging.text, 'targetwatch_projection_lag_seconds')! > 0, 'the oldest unprojected event has been waiting')

  await post(url, '/v1/events', batch())
  await h.services.runner.waitFor(await h.services.store.head())
  const caughtUp = await scrape(url)
  t.equal(value(caughtUp.text, 'targetwatch_projection_lag_events'), 0)
  t.equal(value(caughtUp.text, 'targetwatch_events_appended_total', { type: 'SamplingBatchTested' }), 42, "the other writer's events count once folded")
})

t.test('webhook deliveries by outcome, counted from the attempts recorded in the log', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const url = await listen(h)
  const meta = { principal: 'dispatcher', requestId: 'metrics-test', schemaVersion: 1 }
  const record = (type: string, data: Record<string, unknown>) =>
    h.services.store.append('delivery-msg_0123456789abcdef0123456789abcdef', [{ id: randomUUID(), type, occurredAt: new Date().toISOString(), data, meta }], 'any')
  const attempt = (n: number, outcome: string, statusCode: number | null) =>
    record('DeliveryAttempted', {
      deliveryId: 'msg_0123456789abcdef0123456789abcdef',
      webhookId: 'wh_0123456789abcdef',
      attempt: n,
      round: 0,
      attemptedAt: new Date().toISOString(),
      outcome,
      statusCode,
      latencyMs: 12,
      error: outcome === 'delivered' ? null : 'HTTP 500',
      nextAttemptAt: null,
    })
  await attempt(1, 'failed', 500)
  await attempt(2, 'failed', 500)
  await attempt(3, 'delivered', 204)
  const last = await record('DeliveryDeadLettered', { deliveryId: 'msg_0123456789abcdef0123456789abcdef', webhookId: 'wh_0123456789abcdef', round: 0, attempts: 3, reason: 'test' })
  await h.services.runner.waitFor(last.positions[0]!)
  const { text } = await scrape(url)
  t.equal(value(text, 'targetwatch_webhook_deliveries_total', { outcome: 'failed' }), 2)
  t.equal(value(text, 'targetwatch_webhook_deliveries_total', { outcome: 'delivered' }), 1)
  t.equal(value(text, 'targetwatch_webhook_deliveries_total', { outcome: 'dead_letter' }), 1)
})

t.test('who may read /metrics: public on a loopback address, an auditor or admin key otherwise', async (t) => {
  t.equal(loadConfig({}).metricsAccess, 'public', 'default HOST 127.0.0.1')
  t.equal(loadConfig({ HOST: '0.0.0.0' }).metricsAccess, 'key', 'listening beyond loopback')
  t.equal(loadConfig({ HOST: '0.0.0.0', TARGETWATCH_METRICS_ACCESS: 'public' }).metricsAccess, 'public', 'unless the operator says so')
  t.throws(() => loadConfig({ TARGETWATCH_METRICS_ACCESS: 'open' }), /TARGETWATCH_METRICS_ACCESS: must be one of public, key, got 'open'/)

  const h = await startHarness({ env: { TARGETWATCH_METRICS_ACCESS: 'key' } })
  t.teardown(h.close)
  const url = await listen(h)
  t.equal((await scrape(url)).status, 401)
  t.equal((await scrape(url, await createKey(h, 'viewer'))).status, 403)
  t.equal((await scrape(url, await createKey(h, 'auditor'))).status, 200)
})

t.test('the exposition passes promtool check metrics', async (t) => {
  const h = await startHarness({ store: 'sqlite', env: { TARGETWATCH_SNAPSHOT_EVERY: '100' } })
  t.teardown(h.close)
  const url = await listen(h)
  await post(url, '/v1/events/batch', { events: Array.from({ length: 120 }, () => batch()) })
  h.services.metrics.webhookDeliveries.inc({ outcome: 'delivered' })
  await h.services.runner.waitFor(await h.services.store.head())
  const { text } = await scrape(url)
  for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/.test(line)) t.fail(`not an exposition sample: ${line}`)
  const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  if (promtool.error) {
    t.comment(`promtool is not installed (${promtool.error.message}); apt-get install prometheus to run this check`)
    t.ok(text.includes('# TYPE targetwatch_events_appended_total counter'), 'the exposition declares its types')
  } else t.equal(promtool.status, 0, `promtool check metrics: ${promtool.stdout}${promtool.stderr}`)
})
