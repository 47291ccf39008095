// Alerting and webhook settings from the environment (read by services/config.ts).
import { parseDuration, parseDurationList } from './durations.ts'
import { productionRetrySchedule } from './retry.ts'

/** When the reactor derives alerts: while a subscription is active (default), always, or never. */
export type AlertDerivation = 'auto' | 'always' | 'never'

export interface AlertsConfig {
  derive: AlertDerivation
  /** Send transitions derived from history too (`alerts.backfill`); off: only what happens live. */
  backfill: boolean
  /** A fingerprint that fires again within this long of its last sent raise is recorded, not sent. */
  repeatIntervalMs: number
  /** Evaluations are at most this often, however many events arrive. */
  debounceMs: number
  /** Evaluation without new events (statuses that change with time, rescue overdue checks). */
  evaluateEveryMs: number
  /** Events recorded longer ago than this are history, not live news. */
  liveWindowMs: number
  rescueOverdueMs: number
  /** Incidents reported longer ago never page anyone (unless backfill). */
  rescueWindowMs: number
  webhooks: {
    /** AES-256-GCM key for secrets at rest (TARGETWATCH_WEBHOOK_KEY); else data/webhook.key. */
    key: Buffer | null
    retrySchedule: number[]
    allowPrivate: boolean
    timeoutMs: number
    /** In-flight deliveries per subscription, and in all. */
    concurrencyPerEndpoint: number
    maxConcurrency: number
  }
}

type Env = Record<string, string | undefined>
type Fail = (variable: string, message: string) => never

const duration = (env: Env, name: string, fallback: string, fail: Fail, min = 0): number => {
  const raw = env[name] || fallback
  const ms = parseDuration(raw)
  if (ms === null) return fail(name, `must be a duration like 500ms, 5s, 30m, 2h or 1d, got '${raw}'`)
  if (ms < min) return fail(name, `must be at least ${min} ms, got '${raw}'`)
  return ms
}

const flag = (env: Env, name: string, fail: Fail): boolean => {
  const raw = env[name]
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true') return true
  return fail(name, `must be 1 or 0, got '${raw}'`)
}

const whole = (env: Env, name: string, fallback: number, fail: Fail, max: number): number => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) return fail(name, `must be a whole number from 1 to ${max}, got '${raw}'`)
  return Number(raw)
}

const encryptionKey = (env: Env, fail: Fail): Buffer | null => {
  const raw = env.TARGETWATCH_WEBHOOK_KEY
  if (raw === undefined || raw === '') return null
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64')
  if (key.length !== 32 || (!/^[0-9a-fA-F]{64}$/.test(raw) && key.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')))
    return fail('TARGETWATCH_WEBHOOK_KEY', 'must be 32 bytes as 64 hex characters or base64 (e.g. openssl rand -base64 32)')
  return key
}

export const alertsConfigFrom = (env: Env, fail: Fail): AlertsConfig => {
  const derive = env.TARGETWATCH_ALERTS || 'auto'
  if (derive !== 'auto' && derive !== 'always' && derive !== 'never') fail('TARGETWATCH_ALERTS', `must be auto, always or never, got '${derive}'`)
  const schedule = env.TARGETWATCH_WEBHOOK_RETRY_SCHEDULE
  const parsed = schedule ? parseDurationList(schedule) : { ok: true as const, value: [...productionRetrySchedule] }
  if (!parsed.ok) fail('TARGETWATCH_WEBHOOK_RETRY_SCHEDULE', parsed.message)
  return {
    derive: derive as AlertDerivation,
    backfill: flag(env, 'TARGETWATCH_ALERTS_BACKFILL', fail),
    repeatIntervalMs: duration(env, 'TARGETWATCH_ALERTS_REPEAT_INTERVAL', '4h', fail),
    debounceMs: duration(env, 'TARGETWATCH_ALERTS_DEBOUNCE', '250ms', fail, 10),
    evaluateEveryMs: duration(env, 'TARGETWATCH_ALERTS_EVALUATE_EVERY', '60s', fail, 50),
    liveWindowMs: duration(env, 'TARGETWATCH_ALERTS_LIVE_WINDOW', '1h', fail, 1000),
    rescueOverdueMs: duration(env, 'TARGETWATCH_RESCUE_OVERDUE', '20m', fail, 1000),
    rescueWindowMs: duration(env, 'TARGETWATCH_RESCUE_WINDOW', '24h', fail, 1000),
    webhooks: {
      key: encryptionKey(env, fail),
      retrySchedule: (parsed as { value: number[] }).value,
      allowPrivate: flag(env, 'TARGETWATCH_WEBHOOK_ALLOW_PRIVATE', fail),
      timeoutMs: duration(env, 'TARGETWATCH_WEBHOOK_TIMEOUT', '10s', fail, 50),
      concurrencyPerEndpoint: whole(env, 'TARGETWATCH_WEBHOOK_CONCURRENCY', 4, fail, 100),
      maxConcurrency: whole(env, 'TARGETWATCH_WEBHOOK_MAX_CONCURRENCY', 64, fail, 10_000),
    },
  }
}
