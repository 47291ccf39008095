// A webhook receiver on 127.0.0.1 whose answers a test scripts, and polling with a deadline.
import http from 'node:http'
import { Webhook } from 'standardwebhooks'
import type { Harness } from '../helpers/harness.ts'
import { listenOnLoopback } from '../helpers/loopback.ts'

export interface Received {
  headers: Record<string, string>
  body: string
  /** What standardwebhooks made of it with the secrets given by the time it is read; null when it threw. */
  verified: unknown | null
  verifyError: string | null
  at: number
}

/** 'hang' never answers (the socket stays open until the receiver closes). */
export type Answer = { status: number; headers?: Record<string, string> } | 'hang'

export interface Receiver {
  url: string
  received: Received[]
  /** Secrets the receiver verifies against (any may match). */
  secrets: string[]
  close: () => Promise<void>
}

const headersOf = (request: http.IncomingMessage): Record<string, string> =>
  Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]))

export const verify = (secret: string, body: string, headers: Record<string, string>): unknown => new Webhook(secret).verify(body, headers)

/**
 * A received request whose signature is judged when the test reads it, against the secrets the
 * test has given by then (a success is kept). A delivery can arrive before the test has read its
 * subscription's secret from the reply: alerts.backfill sends as soon as the webhook exists.
 */
const judged = (headers: Record<string, string>, body: string, secrets: string[]): Received => {
  let verified: unknown | null = null
  let verifyError: string | null = null
  const judge = () => {
    if (verified !== null) return
    verifyError = secrets.length === 0 ? 'no secret given' : null
    for (const secret of secrets) {
      try {
        verified = verify(secret, body, headers)
        verifyError = null
        return
      } catch (error) {
        verifyError = (error as Error).message
      }
    }
  }
  return {
    headers,
    body,
    at: Date.now(),
    get verified() {
      judge()
      return verified
    },
    get verifyError() {
      judge()
      return verifyError
    },
  }
}

export const startReceiver = async (answer: (n: number, request: Received) => Answer = () => ({ status: 204 })): Promise<Receiver> => {
  const received: Received[] = []
  const secrets: string[] = []
  const server = http.createServer((request, response) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk) => (body += chunk))
    request.on('end', () => {
      const headers = headersOf(request)
      const entry = judged(headers, body, secrets)
      received.push(entry)
      const reply = answer(received.length, entry)
      if (reply === 'hang') return
      response.writeHead(reply.status, reply.headers ?? {}).end()
    })
  })
  const { url, close } = await listenOnLoopback(server)
  return { url, received, secrets, close }
}

/** Polls `probe` until it returns a truthy value; fails after `timeoutMs` with `what`. */
export const waitUntil = async <T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<NonNullable<T>> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

/** Settings that make alerting fast enough for tests; receivers on 127.0.0.1 are allowed. */
export const fastAlerts: Record<string, string> = {
  TARGETWATCH_WEBHOOK_ALLOW_PRIVATE: '1',
  TARGETWATCH_WEBHOOK_RETRY_SCHEDULE: '100ms,200ms,300ms',
  TARGETWATCH_WEBHOOK_TIMEOUT: '400ms',
  TARGETWATCH_ALERTS_DEBOUNCE: '20ms',
  TARGETWATCH_ALERTS_EVALUATE_EVERY: '200ms',
}

export const subscribe = async (h: Harness, payload: Record<string, unknown>): Promise<{ id: string; secret: string }> => {
  const response = await h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: h.auth(), payload })
  if (response.statusCode !== 201) throw new Error(`subscription failed: ${response.statusCode} ${response.body}`)
  return response.json()
}

export const postBatch = async (h: Harness, events: unknown[]): Promise<void> => {
  const response = await h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events } })
  const body = response.json()
  if (response.statusCode !== 200 || body.errors) throw new Error(`batch failed: ${response.statusCode} ${response.body.slice(0, 500)}`)
}

export const deliveriesOf = async (h: Harness, webhookId: string) => {
  const response = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${webhookId}/deliveries`, headers: h.auth() })
  if (response.statusCode !== 200) throw new Error(`deliveries: ${response.statusCode} ${response.body}`)
  return response.json().deliveries as { id: string; status: string; type: string; fingerprint: string | null; attempts: { outcome: string; statusCode: number | null; error: string | null }[]; message: { type: string; data: Record<string, unknown> } }[]
}
