// The dispatcher works the outbox folded from the log (projections/webhooks.ts): every pending
// delivery whose time has come is POSTed, signed, to its receiver, with a bounded number in
// flight per subscription (a slow receiver holds its own slots, nobody else's), and the outcome
// of every attempt is appended to `delivery-{id}` with the stream's expected revision. It has
// start()/stop() so a deployment can run exactly one active dispatcher (e.g. under a lease):
// two running at once cost duplicate sends (receivers dedupe on webhook-id), never lost ones.
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import type { Logger } from 'pino'
import { ConcurrencyError } from '../../domain/errors.ts'
import { isAlertEventType } from '../../domain/alerts.ts'
import { type DeliveryAttemptedData, type DeliveryOutcome, deliveryStream, webhookStream } from '../../domain/webhooks.ts'
import { nextStep, outcomeOfStatus, retryAfterMs } from './retry.ts'
import type { DeliveryRecord, SubscriptionRecord, WebhooksState } from '../../projections/webhooks.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore, NewEvent, RecordedEvent } from '../store/port.ts'
import type { AlertsConfig } from './config.ts'
import { type Post, postToReceiver } from './post.ts'
import type { SecretBox } from './secret-box.ts'
import { webhookHeaders } from './signing.ts'

export interface DispatcherDeps {
  store: EventStore
  runner: Runner
  config: AlertsConfig
  clock: () => Date
  logger: Logger
  secretBox: SecretBox
  post?: Post
  random?: () => number
}

/** What one attempt needs, copied out of the live read model before any await. */
interface Job {
  delivery: Pick<DeliveryRecord, 'id' | 'webhookId' | 'revision' | 'round' | 'message'>
  attempt: number
  attemptsInRound: number
  subscription: Pick<SubscriptionRecord, 'id' | 'url' | 'secrets'>
}

const wakeTypes = new Set(['WebhookTestRequested', 'DeliveryRetryRequested'])
const maxWaitMs = 60_000

const describe = (error: unknown): string => {
  const e = error as NodeJS.ErrnoException
  return (e?.code && !String(e.message).includes(e.code) ? `${e.code}: ${e.message}` : String(e?.message ?? error)).slice(0, 500)
}

const failureText = (statusCode: number): string =>
  statusCode >= 300 && statusCode < 400 ? `redirect ${statusCode} (not followed; a receiver must answer 2xx)` : `the receiver answered ${statusCode}`

export const createDispatcher = ({ store, runner, config, clock, logger, secretBox, post = postToReceiver, random = Math.random }: DispatcherDeps) => {
  const { webhooks: settings } = config
  const inFlight = new Map<string, Promise<void>>()
  const perEndpoint = new Map<string, number>()
  let running = false
  let tickQueued = false
  let timer: NodeJS.Timeout | null = null
  let abort = new AbortController()
  let unsubscribe: (() => void) | null = null
  let agents: { http: http.Agent; https: https.Agent } | null = null

  const signingSecrets = (subscription: Job['subscription'], nowMs: number): string[] =>
    subscription.secrets
      .filter((s) => s.expiresAt === null || Date.parse(s.expiresAt) > nowMs)
      .map((s) => secretBox.open(s.sealed, subscription.id))

  const send = async (job: Job, started: Date): Promise<{ statusCode: number | null; retryAfter: string | null; error: string | null }> => {
    try {
      const secrets = signingSecrets(job.subscription, started.getTime())
      const body = JSON.stringify(job.delivery.message)
      const timestamp = Math.floor(started.getTime() / 1000)
      const headers = webhookHeaders(secrets, job.delivery.id, timestamp, body)
      const result = await post({ url: job.subscription.url, headers, body, timeoutMs: settings.timeoutMs, allowPrivate: settings.allowPrivate, signal: abort.signal, ...(agents ? { agents } : {}) })
      return { statusCode: result.statusCode, retryAfter: result.retryAfter, error: null }
    } catch (error) {
      return { statusCode: null, retryAfter: null, error: describe(error) }
    }
  }

  const attempt = async (job: Job): Promise<void> => {
    const started = clock()
    const t0 = performance.now()
    const signal = abort.signal
    const { statusCode, retryAfter, error } = await send(job, started)
    // Stopped before an answer came: not recorded, so the next start makes the attempt again.
    // An answer that did come is recorded (stop waits for it).
    if (statusCode === null && signal.aborted) return
    const latencyMs = Math.round(performance.now() - t0)
    const nowMs = clock().getTime()
    const outcome: DeliveryOutcome = statusCode === null ? 'failed' : outcomeOfStatus(statusCode)
    const after = outcome === 'failed' ? retryAfterMs(retryAfter, nowMs) : null
    const step = nextStep({ outcome, attemptsInRound: job.attemptsInRound, schedule: settings.retrySchedule, nowMs, retryAfterMs: after, random: random() })
    const { id: deliveryId, webhookId } = job.delivery
    const attempted: DeliveryAttemptedData = {
      deliveryId,
      webhookId,
      attempt: job.attempt,
      round: job.delivery.round,
      attemptedAt: started.toISOString(),
      outcome,
      statusCode,
      latencyMs,
      error: error ?? (outcome === 'failed' && statusCode !== null ? failureText(statusCode) : null),
      ...(after !== null ? { retryAfterMs: after } : {}),
      nextAttemptAt: step.kind === 'retry' ? new Date(step.at).toISOString() : null,
    }
    const now = new Date(nowMs).toISOString()
    const meta = { principal: 'dispatcher', requestId: deliveryId, schemaVersion: 1 }
    const events: NewEvent[] = [{ id: randomUUID(), type: 'DeliveryAttempted', occurredAt: now, data: attempted, meta }]
    if (step.kind === 'dead_letter') {
      const reason = `no success after ${job.attemptsInRound} attempt(s); last: ${attempted.error}`
      events.push({ id: randomUUID(), type: 'DeliveryDeadLettered', occurredAt: now, data: { deliveryId, webhookId, round: job.delivery.round, attempts: job.attemptsInRound, reason }, meta })
    }
    try {
      const result = await store.append(deliveryStream(deliveryId), events, job.delivery.revision < 0 ? 'no_stream' : job.delivery.revision)
      let position = result.positions.at(-1)!
      if (outcome === 'gone') {
        const disabled = { webhookId, reason: `the receiver answered ${statusCode} Gone`, statusCode: statusCode!, deliveryId }
        position = (await store.append(webhookStream(webhookId), [{ id: randomUUID(), type: 'WebhookDisabled', occurredAt: now, data: disabled, meta }], 'exists')).positions[0]!
        logger.warn({ webhookId, deliveryId }, 'receiver answered 410 Gone: subscription disabled')
      }
      await runner.waitFor(position)
    } catch (err) {
      if (!(err instanceof ConcurrencyError)) throw err
      logger.info({ deliveryId }, 'delivery changed while attempting (a retry request or another dispatcher); attempt not recorded')
    }
  }

  const launch = (delivery: DeliveryRecord, subscription: SubscriptionRecord) => {
    const job: Job = {
      delivery: { id: delivery.id, webhookId: delivery.webhookId, revision: delivery.revision, round: delivery.round, message: delivery.message },
      attempt: delivery.attempts.length + 1,
      attemptsInRound: delivery.attemptsInRound + 1,
      subscription: { id: subscription.id, url: subscription.url, secrets: subscription.secrets.slice() },
    }
    perEndpoint.set(subscription.id, (perEndpoint.get(subscription.id) ?? 0) + 1)
    const work = attempt(job)
      .catch((err) => logger.error({ err, deliveryId: delivery.id }, 'delivery attempt could not be recorded; it will be made again'))
      .finally(() => {
        inFlight.delete(delivery.id)
        perEndpoint.set(subscription.id, perEndpoint.get(subscription.id)! - 1)
        wake()
      })
    inFlight.set(delivery.id, work)
  }

  const tick = () => {
    if (!running) return
    if (timer) clearTimeout(timer)
    timer = null
    const { pending, deliveries, subscriptions } = runner.state<WebhooksState>('webhooks')
    const nowMs = clock().getTime()
    let earliest = Number.POSITIVE_INFINITY
    const due: DeliveryRecord[] = []
    for (const id of Object.keys(pending)) {
      const delivery = deliveries[id]
      if (!delivery || delivery.nextAttemptAt === null || inFlight.has(id)) continue
      const at = Date.parse(delivery.nextAttemptAt)
      if (at <= nowMs) due.push(delivery)
      else earliest = Math.min(earliest, at)
    }
    due.sort((a, b) => Date.parse(a.nextAttemptAt!) - Date.parse(b.nextAttemptAt!) || a.position - b.position)
    for (const delivery of due) {
      if (inFlight.size >= settings.maxConcurrency) break
      const subscription = subscriptions[delivery.webhookId]
      if (subscription?.status !== 'active' || (perEndpoint.get(subscription.id) ?? 0) >= settings.concurrencyPerEndpoint) continue
      launch(delivery, subscription)
    }
    if (earliest < Number.POSITIVE_INFINITY) timer = setTimeout(wake, Math.min(Math.max(earliest - nowMs, 5), maxWaitMs))
  }

  /** Work the outbox soon (once per turn however often it is called). */
  const wake = () => {
    if (!running || tickQueued) return
    tickQueued = true
    setImmediate(() => {
      tickQueued = false
      tick()
    })
  }

  const onEvent = (event: RecordedEvent) => {
    if (wakeTypes.has(event.type) || isAlertEventType(event.type)) wake()
  }

  return {
    start: () => {
      if (running) return
      running = true
      abort = new AbortController()
      agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) }
      unsubscribe = runner.onEvent(onEvent)
      wake()
    },
    /** Stops taking work, aborts requests in flight (not recorded: they are made again later) and waits for them. */
    stop: async () => {
      if (!running) return
      running = false
      unsubscribe?.()
      if (timer) clearTimeout(timer)
      timer = null
      abort.abort()
      await Promise.allSettled([...inFlight.values()])
      agents?.http.destroy()
      agents?.https.destroy()
      agents = null
    },
    running: () => running,
    inFlight: () => inFlight.size,
  }
}

export type Dispatcher = ReturnType<typeof createDispatcher>
