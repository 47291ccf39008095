// Who is calling, as the auth plugin resolved it from the API key.
import { Forbidden } from '../../domain/errors.ts'
import type { RegionId } from '../../domain/regions.ts'

export const roles = ['viewer', 'reporter', 'auditor', 'admin'] as const
export type Role = (typeof roles)[number]

export interface Principal {
  keyId: string
  name: string
  role: Role
  /** Regions a reporter may submit for; null = every region (and province-level facts). */
  regions: RegionId[] | null
}

export const assertMayReport = (principal: Principal): void => {
  if (principal.role !== 'reporter' && principal.role !== 'admin')
    throw new Forbidden(`role ${principal.role} may not submit events; reporter or admin required`)
}

/** Throws Forbidden unless the principal may submit facts for `region` (null = province level). */
export const assertMaySubmitFor = (principal: Principal, region: RegionId | null): void => {
  assertMayReport(principal)
  if (principal.regions === null) return
  if (region === null)
    throw new Forbidden(`this key is scoped to ${principal.regions.join(', ')}; a province-level fact needs an unscoped key`, {
      regions: principal.regions,
    })
  if (!principal.regions.includes(region))
    throw new Forbidden(`data.region: ${region} is outside this key's scope (${principal.regions.join(', ')})`, {
      region,
      regions: principal.regions,
    })
}

/**
 * Throws Forbidden when a scoped principal asks about a region outside its scope. `isPublicScope`
 * says whether the region is a whole no key is scoped below (a plan's root that is no reporting
 * region: the province) — every key sees the province's figures.
 */
export const assertMayRead = (principal: Principal, region: string | undefined, isPublicScope: (region: string) => boolean = (r) => r === 'guizhou'): void => {
  if (principal.regions === null || region === undefined || isPublicScope(region)) return
  if (!principal.regions.includes(region as RegionId))
    throw new Forbidden(`query.region: ${region} is outside this key's scope (${principal.regions.join(', ')})`, {
      region,
      regions: principal.regions,
    })
}

/** What a scoped principal may see of a per-region breakdown: its own regions only. */
export const visibleRegions = <R extends { region: string }>(principal: Principal, entries: R[]): R[] =>
  principal.regions === null ? entries : entries.filter((entry) => principal.regions!.includes(entry.region as RegionId))
