// One POST to a receiver: no redirects followed (3xx is a failure), a deadline over the whole
// exchange, the response body read and dropped (at most 64 KiB), and the public-address check
// inside the socket's DNS lookup (see address.ts).
import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { ReceiverRefused, isPrivateAddress, publicOnlyLookup } from './address.ts'

export interface PostInput {
  url: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
  allowPrivate: boolean
  /** Aborts the request (the dispatcher stopping). */
  signal?: AbortSignal
  agents?: { http: http.Agent; https: https.Agent }
}

export interface PostResult {
  statusCode: number
  retryAfter: string | null
}

export type Post = (input: PostInput) => Promise<PostResult>

const maxResponseBytes = 64 * 1024

export class DeliveryTimeout extends Error {
  readonly code = 'WEBHOOK_TIMEOUT'
  constructor(ms: number) {
    super(`no complete answer within ${ms} ms`)
    this.name = 'DeliveryTimeout'
  }
}

export const postToReceiver: Post = ({ url, headers, body, timeoutMs, allowPrivate, signal, agents }) =>
  new Promise<PostResult>((resolve, reject) => {
    const target = new URL(url)
    const host = target.hostname.replace(/^\[|\]$/g, '')
    if (!allowPrivate && isIP(host) && isPrivateAddress(host))
      return reject(new ReceiverRefused(`${host} is a private or special-purpose address`))
    const deadline = AbortSignal.timeout(timeoutMs)
    const secure = target.protocol === 'https:'
    const request = (secure ? https : http).request(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      ...(allowPrivate ? {} : { lookup: publicOnlyLookup as never }),
      ...(agents ? { agent: secure ? agents.https : agents.http } : {}),
    })
    const fail = (error: Error) => reject(deadline.aborted && !signal?.aborted ? new DeliveryTimeout(timeoutMs) : error)
    request.on('error', fail)
    request.on('response', (response) => {
      let received = 0
      response.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > maxResponseBytes) response.destroy()
      })
      response.on('error', fail)
      const done = () =>
        resolve({ statusCode: response.statusCode ?? 0, retryAfter: (response.headers['retry-after'] as string | undefined) ?? null })
      response.on('end', done)
      response.on('close', done)
    })
    request.end(body)
  })
