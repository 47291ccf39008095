// The ledger's Ed25519 key: signs tree heads and attestations. Kept in the data dir
// (ledger-ed25519.pem, PKCS#8, mode 0600) or given by TARGETWATCH_LEDGER_KEY (PEM text or a
// path); the memory store, which keeps nothing, gets a key for the life of the process.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto'
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { ValidationError } from '../../domain/errors.ts'

export const ledgerKeyFileName = 'ledger-ed25519.pem'

export interface LedgerKey {
  /** SHA-256 of the DER SubjectPublicKeyInfo, hex. */
  keyId: string
  /** DER SubjectPublicKeyInfo, base64. */
  publicKey: string
  publicKeyPem: string
  /** Ed25519 signature of `message`, base64. */
  sign: (message: Buffer) => string
}

export const keyIdOf = (spkiDer: Buffer): string => createHash('sha256').update(spkiDer).digest('hex')

const assertEd25519 = (key: KeyObject, source: string) => {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new ValidationError(`${source}: the ledger key must be Ed25519, got ${key.asymmetricKeyType ?? 'a symmetric key'}`)
}

const fromPrivateKey = (privateKey: KeyObject, source: string): LedgerKey => {
  assertEd25519(privateKey, source)
  const publicKey = createPublicKey(privateKey)
  const der = publicKey.export({ type: 'spki', format: 'der' })
  return {
    keyId: keyIdOf(der),
    publicKey: der.toString('base64'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (message) => sign(null, message, privateKey).toString('base64'),
  }
}

const isPem = (text: string) => text.includes('-----BEGIN')

export interface LoadKeyOptions {
  /** TARGETWATCH_LEDGER_KEY: PEM text or a file path. */
  configured: string | null
  /** Where to keep the key; null = for this process only. */
  dataDir: string | null
  logger: Logger
}

export const loadLedgerKey = ({ configured, dataDir, logger }: LoadKeyOptions): LedgerKey => {
  if (configured) {
    const source = isPem(configured) ? 'TARGETWATCH_LEDGER_KEY' : configured
    return fromPrivateKey(createPrivateKey(isPem(configured) ? configured : readFileSync(configured, 'utf8')), source)
  }
  if (dataDir === null) return fromPrivateKey(generateKeyPairSync('ed25519').privateKey, 'ephemeral key')
  const file = path.join(dataDir, ledgerKeyFileName)
  if (!existsSync(file)) {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    try {
      // 'wx': two processes starting at once must not each write a different key.
      writeFileSync(file, pem, { mode: 0o600, flag: 'wx' })
      logger.warn({ file }, 'created the ledger signing key; back it up: checkpoints and attestations are signed with it')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) logger.warn({ file }, 'the ledger key file is readable by group or others; chmod 600 it')
  return fromPrivateKey(createPrivateKey(readFileSync(file, 'utf8')), file)
}

/**
 * A public key as an auditor may hold it: PEM, base64 DER SPKI, or the JSON of
 * GET /v1/audit/public-key; text or a path to a file holding it.
 */
export const parsePublicKey = (given: string): { keyId: string; publicKey: string } => {
  let text = given.trim()
  if (!isPem(text) && !text.startsWith('{') && existsSync(text)) text = readFileSync(text, 'utf8').trim()
  if (text.startsWith('{')) {
    const json = JSON.parse(text) as { publicKeyPem?: string; publicKey?: string }
    text = json.publicKeyPem ?? json.publicKey ?? ''
  }
  const key = isPem(text) ? createPublicKey(text) : createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' })
  assertEd25519(key, 'public key')
  const der = key.export({ type: 'spki', format: 'der' })
  return { keyId: keyIdOf(der), publicKey: der.toString('base64') }
}

/** Checks an Ed25519 signature against a base64 DER public key; false on any malformed input. */
export const verifySignature = (publicKey: string, message: Buffer, signature: string): boolean => {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' })
    if (key.asymmetricKeyType !== 'ed25519') return false
    return verify(null, message, key, Buffer.from(signature, 'base64'))
  } catch {
    return false
  }
}
