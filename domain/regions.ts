// Regions as data: a region set names the units a plan is measured over — their GB/T 2260 codes,
// zh/en names, parent (province → prefecture → county) and census population with its source
// and vintage. Guizhou's nine prefectures and Gui'an New Area are the built-in set
// (seeds/regions/guizhou.json); a plan may publish its own (a prefecture's plan over its
// counties). Region ids form one namespace across sets: an id means the same place everywhere.

export interface Bilingual {
  zh: string
  en: string
}

/** A region id (`[a-z0-9-]{1,64}`), checked against the region sets that exist at run time. */
export type RegionId = string
/** A region or the root (province) of a set: what a figure is computed over. */
export type ScopeId = string

export const regionIdPattern = /^[a-z0-9-]{1,64}$/

export interface Population {
  value: number
  /** Where the figure comes from, e.g. the seventh national census bulletin of the province. */
  source: Bilingual
  /** The census standard time or the date the figure describes, YYYY-MM-DD. */
  vintage: string
}

/**
 * Residents counted inside other regions' census figures (Gui'an New Area's are inside Guiyang's
 * and Anshun's): for per-capita figures and population shares, the region's facts are credited
 * to those regions by `share` (the shares add up to 1), so their figures are not understated.
 */
export interface CountedIn {
  region: RegionId
  share: number
}

export interface RegionDefinition {
  id: RegionId
  /** GB/T 2260 code; null where the standard gives none (Gui'an New Area). */
  code: string | null
  name: Bilingual
  /** The region this one lies in; null for a set's root that has no parent in any set. */
  parent: RegionId | null
  level: 'province' | 'prefecture' | 'county' | 'new_area'
  /** null when the census counts the residents elsewhere (see `countedIn`) or gives no figure. */
  population: Population | null
  countedIn?: CountedIn[]
  /**
   * `required`: the region must report readings on the target's cadence — silence is stale.
   * `voluntary`: never having reported is no_data; once it reports it is held to the cadence.
   */
  reporting: 'required' | 'voluntary'
  /** Why the data says what it says (Gui'an's apportionment, a boundary change), for a reviewer. */
  note?: Bilingual
}

export interface RegionSet {
  id: string
  title: Bilingual
  /** The whole the plan is measured over: a province, or a prefecture for a county-level plan. */
  root: RegionDefinition
  /** The units figures are broken down by (the root's children in this set). */
  regions: RegionDefinition[]
}

/** A region set prepared for evaluation: lookups, and which stored regions each scope sums. */
export interface RegionView {
  set: RegionSet
  rootId: ScopeId
  /** Member ids in the set's order. */
  memberIds: readonly RegionId[]
  member: (id: string) => RegionDefinition | undefined
  isScope: (id: string) => boolean
  /** Stored region ids whose facts count for the scope: itself and every known descendant. */
  regionsOf: (scope: ScopeId) => readonly RegionId[]
  /** Population a per-capita figure of the scope divides by; null when it has none of its own. */
  populationOf: (scope: ScopeId) => number | null
  /** Regions whose facts are credited to `scope` for per-capita figures, with their share (itself at 1). */
  creditedTo: (scope: ScopeId) => readonly CountedIn[]
}

/**
 * Builds the view of `set`. `known` is every region definition of every set (one namespace), so
 * a fact reported for a county counts for its prefecture and province in a province-level plan.
 */
export const regionView = (set: RegionSet, known: ReadonlyMap<RegionId, RegionDefinition> = new Map()): RegionView => {
  const members = new Map(set.regions.map((r) => [r.id, r]))
  const all = new Map<RegionId, RegionDefinition>(known)
  for (const r of [set.root, ...set.regions]) all.set(r.id, r)
  const children = new Map<RegionId, RegionId[]>()
  for (const r of all.values())
    if (r.parent !== null) children.set(r.parent, [...(children.get(r.parent) ?? []), r.id])
  const descendants = (id: RegionId): RegionId[] => {
    const found: RegionId[] = [id]
    for (let i = 0; i < found.length; i++) for (const child of children.get(found[i]!) ?? []) if (!found.includes(child)) found.push(child)
    return found
  }
  const scopes = new Map<ScopeId, readonly RegionId[]>()
  const regionsOf = (scope: ScopeId): readonly RegionId[] => {
    let regions = scopes.get(scope)
    if (!regions) {
      // The root sums its members and everything below them, as well as facts filed at the root itself.
      regions = scope === set.root.id ? [...new Set([set.root.id, ...set.regions.flatMap((r) => descendants(r.id)), ...descendants(set.root.id)])] : descendants(scope)
      scopes.set(scope, regions)
    }
    return regions
  }
  const credited = new Map<ScopeId, CountedIn[]>()
  for (const r of set.regions) credited.set(r.id, [{ region: r.id, share: 1 }])
  for (const r of set.regions)
    for (const c of r.countedIn ?? []) credited.get(c.region)?.push({ region: r.id, share: c.share })
  credited.set(set.root.id, [{ region: set.root.id, share: 1 }])
  return {
    set,
    rootId: set.root.id,
    memberIds: set.regions.map((r) => r.id),
    member: (id) => members.get(id),
    isScope: (id) => id === set.root.id || members.has(id),
    regionsOf,
    populationOf: (scope) => (scope === set.root.id ? set.root.population?.value : members.get(scope)?.population?.value) ?? null,
    creditedTo: (scope) => credited.get(scope) ?? [{ region: scope, share: 1 }],
  }
}
