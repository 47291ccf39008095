// The simulated year is Guizhou's: its regions and census come from the built-in region set.
import type { RegionDefinition } from '../../domain/regions.ts'
import { guizhouRegionSet } from '../plans.ts'

const set = guizhouRegionSet()
const byId = new Map<string, RegionDefinition>(set.regions.map((r) => [r.id, r]))

/** Guizhou's reporting regions, in the set's order. */
export const regionIds = set.regions.map((r) => r.id) as readonly RegionId[]
export type RegionId = 'guiyang' | 'liupanshui' | 'zunyi' | 'anshun' | 'bijie' | 'tongren' | 'qianxinan' | 'qiandongnan' | 'qiannan' | 'guian'
export const provinceId = set.root.id
export const provincePopulation = set.root.population!.value
export const regionById = (id: RegionId): RegionDefinition => byId.get(id)!
/** Census population; null for Gui'an (counted inside Guiyang and Anshun). */
export const populationOf = (id: string): number | null => (id === provinceId ? provincePopulation : (byId.get(id)?.population?.value ?? null))
/** The nine prefectures: the regions every province-wide target covers. */
export const prefectures = set.regions.filter((r) => r.reporting === 'required').map((r) => r.id) as readonly RegionId[]
/** Guizhou's regions with their census population (null for Gui'an). */
export const regions = set.regions.map((r) => ({ id: r.id as RegionId, code: r.code, name: r.name, population: r.population?.value ?? null }))
