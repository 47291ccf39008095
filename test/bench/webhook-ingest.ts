// Ingestion throughput with and without alerting to a receiver that never answers.
// `npx tsx test/bench/webhook-ingest.ts [events] [rounds]` prints both figures; `run()` returns them.
// Each round starts a real service (child process, SQLite in a temp dir) and posts the same
// facts in batches of 500 over two connections; one in a hundred is a reading that flips a
// target between breached and met, so with a subscription the reactor keeps raising and
// resolving alerts whose deliveries hang on the receiver until their timeout. Rounds alternate the two set-ups and
// the median of each is reported (the machine is shared: figures vary from run to run).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { regionIds } from '../../seeds/simulate/regions.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { listenOnLoopback } from '../helpers/loopback.ts'
import { startService, type ServiceProcess } from '../helpers/process.ts'

const adminKey = 'bench-admin-key-0123456789'
const authorization = `Bearer ${adminKey}`

export interface WebhookIngestFigures {
  events: number
  rounds: number
  /** Events per second, median over the rounds. */
  withoutWebhooks: number
  withHangingReceiver: number
  /** withHangingReceiver / withoutWebhooks. */
  ratio: number
  /** In the last round with the receiver: alert transitions recorded and deliveries still pending. */
  alerts: number
  pendingDeliveries: number
}

const readingEvery = 100
const readingTargets = seedPlan().targets.filter((t) => t.metric === 'reading_ratio').map((t) => t.id)

/**
 * 99 in 100 facts are tested sampling batches (all pass); every hundredth is a December 2020
 * reading of a reading-based target for a region, alternately 50/100 and 100/100, so those
 * target × region statuses keep flipping between breached (or missed) and met: a steady
 * stream of alerts, every one sent (no flapping control), every delivery hanging.
 */
const facts = (count: number) => {
  const readingsPerStream = new Map<string, number>()
  return Array.from({ length: count }, (_, i) => {
    if (i % readingEvery !== readingEvery - 1)
      return {
        id: randomUUID(),
        type: 'SamplingBatchTested',
        data: { batchId: `BENCH-${randomUUID()}`, region: regionIds[i % regionIds.length], stage: 'distribution', sampledOn: '2020-06-15', result: 'pass' },
      }
    const n = Math.floor(i / readingEvery)
    const indicator = readingTargets[n % readingTargets.length]!
    const region = regionIds[Math.floor(n / readingTargets.length) % regionIds.length]!
    const seen = readingsPerStream.get(`${indicator}/${region}`) ?? 0
    readingsPerStream.set(`${indicator}/${region}`, seen + 1)
    return { id: randomUUID(), type: 'IndicatorReported', data: { indicator, region, asOf: '2020-12-31', numerator: seen % 2 === 0 ? 50 : 100, denominator: 100 } }
  })
}

const hangingReceiver = async () => {
  let requests = 0
  const server = http.createServer(() => void (requests += 1)) // never answers
  const { url, close } = await listenOnLoopback(server)
  return { url, requests: () => requests, close }
}

const call = async (service: ServiceProcess, method: string, url: string, body?: unknown) => {
  const init = body === undefined ? { headers: { authorization } } : { headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) }
  const response = await fetch(`${service.url}${url}`, { method, ...init })
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`)
  return (await response.json()) as Record<string, any>
}

/** Posts the facts in batches of 500 over two lanes; events per second. */
const ingest = async (service: ServiceProcess, events: ReturnType<typeof facts>): Promise<number> => {
  const batches: (typeof events)[] = []
  for (let i = 0; i < events.length; i += 500) batches.push(events.slice(i, i + 500))
  let next = 0
  const started = performance.now()
  const lane = async () => {
    while (next < batches.length) {
      const { errors } = await call(service, 'POST', '/v1/events/batch', { events: batches[next++] })
      if (errors) throw new Error('a batch had errors')
    }
  }
  await Promise.all([lane(), lane()])
  return events.length / ((performance.now() - started) / 1000)
}

const round = async (count: number, withReceiver: boolean) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-bench-webhooks-'))
  const receiver = withReceiver ? await hangingReceiver() : null
  const service = await startService({
    TARGETWATCH_DATA_DIR: dataDir,
    TARGETWATCH_ADMIN_KEY: adminKey,
    TARGETWATCH_RATE_LIMIT: '0',
    TARGETWATCH_WEBHOOK_ALLOW_PRIVATE: '1',
    // Every transition is sent (no flapping control): the most deliveries a hanging receiver can hold.
    TARGETWATCH_ALERTS_REPEAT_INTERVAL: '0ms',
  })
  try {
    let webhookId: string | null = null
    if (receiver) {
      webhookId = (await call(service, 'POST', '/v1/webhooks', { url: receiver.url })).id
      for (let i = 0; i < 4; i++) await call(service, 'POST', `/v1/webhooks/${webhookId}/test`)
    }
    const rate = await ingest(service, facts(count))
    if (!receiver || !webhookId) return { rate, alerts: 0, pending: 0 }
    const { deliveries } = await call(service, 'GET', `/v1/webhooks/${webhookId}`)
    const { history } = await call(service, 'GET', '/v1/alerts?notified=true&limit=1000')
    return { rate, alerts: history.length, pending: deliveries.pending as number }
  } finally {
    service.child.kill('SIGKILL')
    await service.exited
    await receiver?.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

export const run = async ({ events = 10_000, rounds = 3 }: { events?: number; rounds?: number } = {}): Promise<WebhookIngestFigures> => {
  const without: number[] = []
  const withReceiver: number[] = []
  let last = { alerts: 0, pending: 0 }
  for (let i = 0; i < rounds; i++) {
    // Alternate which set-up goes first, so drift on a shared machine hits both alike.
    for (const hanging of i % 2 === 0 ? [false, true] : [true, false]) {
      const result = await round(events, hanging)
      if (hanging) {
        withReceiver.push(result.rate)
        last = { alerts: result.alerts, pending: result.pending }
      } else without.push(result.rate)
    }
  }
  const withoutWebhooks = median(without)
  const withHangingReceiver = median(withReceiver)
  return { events, rounds, withoutWebhooks, withHangingReceiver, ratio: withHangingReceiver / withoutWebhooks, alerts: last.alerts, pendingDeliveries: last.pending }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [events, rounds] = process.argv.slice(2).map(Number)
  const figures = await run({ ...(events ? { events } : {}), ...(rounds ? { rounds } : {}) })
  const format = (n: number) => `${Math.round(n).toLocaleString('en')} events/s`
  process.stdout.write(
    [
      `webhook ingest: ${figures.events.toLocaleString('en')} events, median of ${figures.rounds} rounds each`,
      `  without webhooks:        ${format(figures.withoutWebhooks)}`,
      `  with a hanging receiver: ${format(figures.withHangingReceiver)} (${(figures.ratio * 100).toFixed(1)}% of the figure without; ${figures.alerts} alerts sent, ${figures.pendingDeliveries} deliveries pending at the end)`,
      '',
    ].join('\n'),
  )
}
