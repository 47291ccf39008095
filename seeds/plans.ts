// The built-in data: Guizhou's region set and the 2020 plan, which is published at first start
// as `guizhou-2020` (services/plans). Files are validated as any published plan is: the plan
// JSON Schema first, then the plan rules, every problem named with its JSON Pointer.
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { DomainError } from '../domain/errors.ts'
import { regionSetJsonSchema } from '../domain/plan-schema.ts'
import { type KnownRegions, PlanInvalid, parsePlan } from '../domain/plan-validation.ts'
import type { Plan } from '../domain/plans.ts'
import type { RegionDefinition, RegionSet } from '../domain/regions.ts'

const seedsDir = dirname(fileURLToPath(import.meta.url))
const projectRoot = resolve(seedsDir, '..')
export const defaultPlanPath = resolve(seedsDir, 'plans/guizhou-2020.json')
export const builtInRegionSetPaths = [resolve(seedsDir, 'regions/guizhou.json')]

/** A seed or plan file that cannot be used: the file and each problem with its JSON Pointer. */
export class PlanFileError extends DomainError {
  constructor(source: string, problems: readonly { path: string; message: string }[]) {
    super('PLAN_FILE_INVALID', 500, problems.map((p) => `${source}: ${p.path} ${p.message}`).join('\n'), { source, problems })
  }
}

const displayName = (path: string): string => {
  const fromRoot = relative(projectRoot, path)
  return fromRoot.startsWith('..') || isAbsolute(fromRoot) ? path : fromRoot
}

/** The JSON of a file, or PlanFileError naming it. */
export const readJsonFile = (path: string): { json: unknown; source: string } => {
  const absolute = resolve(path)
  const source = displayName(absolute)
  let text: string
  try {
    text = readFileSync(absolute, 'utf8')
  } catch (error) {
    throw new PlanFileError(source, [{ path: '/', message: `cannot be read: ${(error as Error).message}` }])
  }
  try {
    return { json: JSON.parse(text), source }
  } catch (error) {
    throw new PlanFileError(source, [{ path: '/', message: `is not valid JSON: ${(error as Error).message}` }])
  }
}

let regionSetValidator: ReturnType<Ajv['compile']> | undefined
const parseRegionSet = (json: unknown, source: string): RegionSet => {
  if (!regionSetValidator) {
    const ajv = new Ajv({ allErrors: true, strict: true })
    addFormats.default(ajv, ['date'])
    regionSetValidator = ajv.compile(regionSetJsonSchema)
  }
  if (!regionSetValidator(json))
    throw new PlanFileError(source, (regionSetValidator.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? e.keyword })))
  return json as RegionSet
}

let builtIn: RegionSet[] | undefined
/** The region sets every installation has (Guizhou's prefectures and Gui'an). */
export const builtInRegionSets = (): readonly RegionSet[] =>
  (builtIn ??= builtInRegionSetPaths.map((path) => {
    const { json, source } = readJsonFile(path)
    return parseRegionSet(json, source)
  }))

/** Every definition of the sets, by id (a set's root and its regions). */
export const definitionsOf = (sets: Iterable<RegionSet>): Map<string, RegionDefinition> => {
  const regions = new Map<string, RegionDefinition>()
  for (const set of sets) for (const region of [set.root, ...set.regions]) if (!regions.has(region.id)) regions.set(region.id, region)
  return regions
}

export const builtInKnownRegions = (): KnownRegions => {
  const sets = builtInRegionSets()
  return { sets: new Map(sets.map((s) => [s.id, s])), regions: definitionsOf(sets) }
}

/** Reads and validates a plan file against the built-in region sets (and `known`, when given). */
export const loadPlanFile = (path: string, known: KnownRegions = builtInKnownRegions()): Plan => {
  const { json, source } = readJsonFile(path)
  try {
    return parsePlan(json, known)
  } catch (error) {
    if (error instanceof PlanInvalid) throw new PlanFileError(source, error.problems)
    throw error
  }
}

let seeded: Plan | undefined
/** The 2020 Guizhou plan as shipped (seeds/plans/guizhou-2020.json). */
export const seedPlan = (): Plan => (seeded ??= loadPlanFile(defaultPlanPath))

/** The built-in Guizhou region set. */
export const guizhouRegionSet = (): RegionSet => builtInRegionSets().find((s) => s.id === 'guizhou')!

export const targetById = (plan: Plan, id: string) => plan.targets.find((t) => t.id === id)
