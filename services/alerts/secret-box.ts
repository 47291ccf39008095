// Webhook secrets at rest: AES-256-GCM with a 96-bit random nonce, the webhook id as additional
// data (a sealed secret cannot be moved to another subscription), and the key's id in the
// envelope so a wrong key is reported as such. Sealed form: v1.<key id>.<nonce>.<ciphertext>.<tag>.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'

export class SecretUnavailable extends Error {
  readonly code = 'WEBHOOK_SECRET_UNAVAILABLE'
  constructor(message: string) {
    super(message)
    this.name = 'SecretUnavailable'
  }
}

export interface SecretBox {
  keyId: string
  seal(secret: string, webhookId: string): string
  open(sealed: string, webhookId: string): string
}

const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8)

export const createSecretBox = (key: Buffer): SecretBox => {
  if (key.length !== 32) throw new Error('the webhook secret key must be 32 bytes')
  const keyId = keyIdOf(key)
  return {
    keyId,
    seal: (secret, webhookId) => {
      const nonce = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, nonce)
      cipher.setAAD(Buffer.from(webhookId))
      const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
      return ['v1', keyId, nonce, ciphertext, cipher.getAuthTag()].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.')
    },
    open: (sealed, webhookId) => {
      const [version, sealedKeyId, nonce, ciphertext, tag] = sealed.split('.')
      if (version !== 'v1' || !nonce || !ciphertext || !tag) throw new SecretUnavailable(`webhook ${webhookId}: the sealed secret is malformed`)
      if (sealedKeyId !== keyId)
        throw new SecretUnavailable(`webhook ${webhookId}: the secret was sealed with key ${sealedKeyId}, this service has key ${keyId}`)
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'))
        decipher.setAAD(Buffer.from(webhookId))
        decipher.setAuthTag(Buffer.from(tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8')
      } catch {
        throw new SecretUnavailable(`webhook ${webhookId}: the sealed secret does not verify (tampered, or another key)`)
      }
    },
  }
}

export const keyFileName = 'webhook.key'

/**
 * The key from config, else from <dataDir>/webhook.key (created with mode 0600 on first use);
 * the memory store keeps nothing, so it gets a key that lives as long as the process.
 */
export const loadSecretKey = (options: { configured: Buffer | null; dataDir: string; persistent: boolean; logger: Logger }): Buffer => {
  if (options.configured) return options.configured
  if (!options.persistent) return randomBytes(32)
  const file = path.join(options.dataDir, keyFileName)
  try {
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' })
    options.logger.info({ file }, 'created the webhook secret key (AES-256-GCM); back it up with the data dir')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const mode = statSync(file).mode & 0o777
  if (mode & 0o077) options.logger.warn({ file, mode: mode.toString(8) }, 'the webhook secret key file is readable by others; chmod 600 it')
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length !== 32) throw new Error(`${file}: must hold 32 bytes in base64 (found ${key.length})`)
  return key
}
