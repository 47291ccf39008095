// API keys: `tw_<keyId>_<secret>`. Creation and revocation are events in the log (audited like
// every fact); only a salted SHA-256 of the secret is recorded. Keys are high-entropy random
// strings, so a fast hash suffices; comparison is constant-time.
import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { NotFound, ValidationError } from '../../domain/errors.ts'
import type { RegionId } from '../../domain/regions.ts'
import { apiKeyStream, type ApiKeyCreatedData } from '../../domain/system-events.ts'
import type { ApiKeyRecord, ApiKeysState } from '../../projections/api-keys.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore } from '../store/port.ts'
import type { Principal, Role } from './principal.ts'

const keyPattern = /^tw_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/
const keyIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'

const newKeyId = (): string => [...randomBytes(12)].map((b) => keyIdAlphabet[b % keyIdAlphabet.length]).join('')
// SHA-256 of the salt's bytes then the secret's; crypto.hash, one call (no Hash object per request).
const digest = (salt: string, secret: string) => hash('sha256', Buffer.concat([Buffer.from(salt, 'hex'), Buffer.from(secret)]), 'buffer')
const sha256 = (text: string) => hash('sha256', text, 'buffer')

export interface KeyView {
  id: string
  name: string
  role: Role
  regions: RegionId[] | null
  createdAt: string
  createdBy: string
  revokedAt: string | null
}

const view = (record: ApiKeyRecord): KeyView => ({
  id: record.keyId,
  name: record.name,
  role: record.role,
  regions: record.regions,
  createdAt: record.createdAt,
  createdBy: record.createdBy,
  revokedAt: record.revokedAt,
})

export interface KeyServiceDeps {
  store: EventStore
  runner: Runner
  /** TARGETWATCH_ADMIN_KEY: accepted as an admin key, never recorded. */
  environmentAdminKey: string | null
  clock?: () => Date
  /** Whether facts may be filed for the region: a key is scoped to such regions only. */
  isReportingRegion?: (id: string) => boolean
}

export const createKeyService = ({ store, runner, environmentAdminKey, clock = () => new Date(), isReportingRegion = () => true }: KeyServiceDeps) => {
  const keys = () => runner.state<ApiKeysState>('api-keys').keys
  // Ids come from URLs and tokens: `constructor` or `__proto__` must not find Object.prototype.
  const keyRecord = (keyId: string): ApiKeyRecord | undefined => (Object.hasOwn(keys(), keyId) ? keys()[keyId] : undefined)
  const environmentDigest = environmentAdminKey ? sha256(environmentAdminKey) : null

  const create = async (
    input: { name: string; role: Role; regions?: RegionId[] | null },
    by: Principal,
    requestId: string,
  ): Promise<KeyView & { key: string }> => {
    // Auditors and admins see everything by definition; viewers and reporters may be scoped
    // (a prefecture's dashboard, a prefecture's reporting system).
    if ((input.role === 'auditor' || input.role === 'admin') && input.regions && input.regions.length > 0)
      throw new ValidationError(`regions: ${input.role} keys cannot be scoped to regions; only viewer and reporter keys can`, { field: 'regions' })
    const unknown = (input.regions ?? []).filter((r) => !isReportingRegion(r))
    if (unknown.length > 0)
      throw new ValidationError(`regions: ${unknown.map((r) => `'${r}'`).join(', ')} not a reporting region of any region set`, { field: 'regions', unknown })
    const keyId = newKeyId()
    const secret = randomBytes(32).toString('base64url')
    const salt = randomBytes(16).toString('hex')
    const data: ApiKeyCreatedData = {
      keyId,
      name: input.name,
      role: input.role,
      regions: input.regions && input.regions.length > 0 ? [...new Set(input.regions)] : null,
      salt,
      hash: digest(salt, secret).toString('hex'),
    }
    const result = await store.append(
      apiKeyStream(keyId),
      [{ id: randomUUID(), type: 'ApiKeyCreated', occurredAt: clock().toISOString(), data, meta: { principal: by.keyId, requestId, schemaVersion: 1 } }],
      'no_stream',
    )
    // Read your writes: the key must work as soon as the caller holds it.
    await runner.waitFor(result.positions[0]!)
    return { ...view(keys()[keyId]!), key: `tw_${keyId}_${secret}` }
  }

  const revoke = async (keyId: string, by: Principal, requestId: string, reason?: string): Promise<KeyView> => {
    const record = keyRecord(keyId)
    if (!record) throw new NotFound(`key ${keyId} does not exist`, { id: keyId })
    if (record.revokedAt === null) {
      const result = await store.append(
        apiKeyStream(keyId),
        [
          {
            id: randomUUID(),
            type: 'ApiKeyRevoked',
            occurredAt: clock().toISOString(),
            data: reason ? { keyId, reason } : { keyId },
            meta: { principal: by.keyId, requestId, schemaVersion: 1 },
          },
        ],
        'exists',
      )
      await runner.waitFor(result.positions[0]!)
    }
    return view(keys()[keyId]!)
  }

  /** The principal for a bearer token, or null when it is not a live key. */
  const authenticate = (token: string): Principal | null => {
    if (environmentDigest && environmentDigest.length === 32) {
      const candidate = sha256(token)
      if (timingSafeEqual(candidate, environmentDigest)) return { keyId: 'env-admin', name: 'TARGETWATCH_ADMIN_KEY', role: 'admin', regions: null }
    }
    const match = keyPattern.exec(token)
    if (!match) return null
    const record = keyRecord(match[1]!)
    if (!record || record.revokedAt !== null) return null
    const expected = Buffer.from(record.hash, 'hex')
    const actual = digest(record.salt, match[2]!)
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null
    return { keyId: record.keyId, name: record.name, role: record.role, regions: record.regions }
  }

  const list = (): KeyView[] => Object.values(keys()).map(view)
  const hasActiveAdmin = (): boolean => Object.values(keys()).some((k) => k.role === 'admin' && k.revokedAt === null)

  return { create, revoke, authenticate, list, hasActiveAdmin }
}

export type KeyService = ReturnType<typeof createKeyService>
