// When a delivery is attempted again: the retry schedule with jitter, a receiver's Retry-After,
// and what an HTTP status means for a delivery (README "Alerts and webhooks"). Pure: the time
// and the random number come in.
import type { DeliveryOutcome } from '../../domain/webhooks.ts'
import { parseDuration } from './durations.ts'

/** The Standard Webhooks spirit: after the first attempt, retries 5s, 5m, 30m, 2h, 5h, 10h, 10h later. */
export const productionRetrySchedule: readonly number[] = ['5s', '5m', '30m', '2h', '5h', '10h', '10h'].map((d) => parseDuration(d)!)

/** Each delay is spread by up to ±jitter (a fraction), so receivers that failed together do not retry together. */
export const jitterFraction = 0.2

/** Retry-After is honoured up to this long; a receiver cannot park a delivery for weeks. */
export const maxRetryAfterMs = 86_400_000

/** `Retry-After` as delay-seconds or an HTTP date, relative to `nowMs`; null when absent or unreadable. */
export const retryAfterMs = (header: string | null | undefined, nowMs: number): number | null => {
  if (header === null || header === undefined) return null
  const text = header.trim()
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, maxRetryAfterMs)
  const date = Date.parse(text)
  if (Number.isNaN(date) || !/[a-z]/i.test(text)) return null
  return Math.min(Math.max(0, date - nowMs), maxRetryAfterMs)
}

/** 2xx delivers; 410 Gone disables the subscription; anything else (3xx included) failed. */
export const outcomeOfStatus = (statusCode: number): DeliveryOutcome =>
  statusCode >= 200 && statusCode < 300 ? 'delivered' : statusCode === 410 ? 'gone' : 'failed'

export interface NextStepInput {
  outcome: DeliveryOutcome
  /** Attempts in this round, including the one just made. */
  attemptsInRound: number
  schedule: readonly number[]
  nowMs: number
  retryAfterMs: number | null
  /** A number in [0, 1) from the caller's random source. */
  random: number
}

export type NextStep = { kind: 'done' } | { kind: 'retry'; at: number; delayMs: number } | { kind: 'dead_letter' }

/**
 * After a failed attempt k (1-based within the round), the next one waits schedule[k-1] with
 * jitter, or Retry-After when that is longer; after the schedule's last entry, dead letter.
 */
export const nextStep = ({ outcome, attemptsInRound, schedule, nowMs, retryAfterMs: after, random }: NextStepInput): NextStep => {
  if (outcome !== 'failed') return { kind: 'done' }
  const base = schedule[attemptsInRound - 1]
  if (base === undefined) return { kind: 'dead_letter' }
  const jittered = Math.round(base * (1 + jitterFraction * (2 * random - 1)))
  const delayMs = Math.max(jittered, after ?? 0)
  return { kind: 'retry', at: nowMs + delayMs, delayMs }
}
