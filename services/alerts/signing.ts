// Standard Webhooks signing: secrets are `whsec_` + base64 of 32 random bytes, the HMAC key is
// those bytes, and `webhook-signature` lists one `v1,<base64 HMAC-SHA256>` per valid secret,
// space-separated (the new secret first while a rotation's previous secret is still valid).
import { createHmac, randomBytes } from 'node:crypto'

/** What Standard Webhooks signs: `${webhook-id}.${webhook-timestamp}.${body}`. */
export const signatureBaseString = (id: string, timestampSeconds: number, body: string): string => `${id}.${timestampSeconds}.${body}`

export const secretPrefix = 'whsec_'

export const newWebhookSecret = (): string => `${secretPrefix}${randomBytes(32).toString('base64')}`

const keyOf = (secret: string): Buffer => Buffer.from(secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret, 'base64')

export const sign = (secret: string, id: string, timestampSeconds: number, body: string): string =>
  `v1,${createHmac('sha256', keyOf(secret)).update(signatureBaseString(id, timestampSeconds, body)).digest('base64')}`

export const signatureHeader = (secrets: readonly string[], id: string, timestampSeconds: number, body: string): string =>
  secrets.map((secret) => sign(secret, id, timestampSeconds, body)).join(' ')

/** The three Standard Webhooks headers plus content type and user agent. */
export const webhookHeaders = (secrets: readonly string[], id: string, timestampSeconds: number, body: string): Record<string, string> => ({
  'content-type': 'application/json',
  'user-agent': 'targetwatch-webhooks/1',
  'webhook-id': id,
  'webhook-timestamp': String(timestampSeconds),
  'webhook-signature': signatureHeader(secrets, id, timestampSeconds, body),
})
