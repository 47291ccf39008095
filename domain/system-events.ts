// Events the service itself records (not submitted by reporting systems). They share the log,
// so key management is audited like every fact.
import { z } from 'zod'
import { regionId } from './events.ts'

export const apiKeyRoles = ['viewer', 'reporter', 'auditor', 'admin'] as const

export const ApiKeyCreated = z.strictObject({
  keyId: z.string().regex(/^[a-z0-9]{12}$/),
  name: z.string().min(1).max(200),
  role: z.enum(apiKeyRoles),
  /** null = every region. */
  regions: z.array(regionId).nullable(),
  /** hex salt and hex SHA-256(salt || secret); the secret itself is never recorded. */
  salt: z.string(),
  hash: z.string(),
})

export const ApiKeyRevoked = z.strictObject({
  keyId: z.string(),
  reason: z.string().max(500).optional(),
})

export type ApiKeyCreatedData = z.infer<typeof ApiKeyCreated>
export type ApiKeyRevokedData = z.infer<typeof ApiKeyRevoked>

export const apiKeyStream = (keyId: string) => `apikey-${keyId}`

// A lease (services/cluster) names the one instance that runs a singleton worker. Its events live
// in stream `lease-{name}`; term = the revision of the LeaseAcquired event (a fencing token).
const leaseHold = {
  holderId: z.string().min(1).max(200),
  term: z.number().int().nonnegative(),
}
export const LeaseAcquired = z.strictObject({ ...leaseHold, ttlMs: z.number().int().positive(), expiresAt: z.iso.datetime() })
export const LeaseRenewed = LeaseAcquired
export const LeaseReleased = z.strictObject(leaseHold)

export const leaseEventSchemas = { LeaseAcquired, LeaseRenewed, LeaseReleased } as const
export type LeaseEventType = keyof typeof leaseEventSchemas
export type LeaseEventData = z.infer<typeof LeaseAcquired> | z.infer<typeof LeaseReleased>
export const leaseStream = (name: string): string => `lease-${name}`
