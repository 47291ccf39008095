// Loads the target catalog: JSON Schema first (ajv, every error at once), then the rules a
// schema cannot express. Any problem is a CatalogError naming the file and the JSON path.
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { DomainError } from '../domain/errors.ts'
import { isRegionId, regionIds } from '../domain/regions.ts'
import type { Catalog, MetricKind, Target, Unit } from '../domain/targets.ts'
import { catalogJsonSchema } from './catalog.schema.ts'

const seedsDir = dirname(fileURLToPath(import.meta.url))
const projectRoot = resolve(seedsDir, '..')
export const defaultCatalogPath = resolve(seedsDir, 'catalog.json')

export interface CatalogProblem {
  /** JSON Pointer into the catalog, `/` for the whole document. */
  path: string
  message: string
}

export class CatalogError extends DomainError {
  readonly source: string
  readonly problems: readonly CatalogProblem[]
  constructor(source: string, problems: readonly CatalogProblem[]) {
    super('CATALOG_INVALID', 500, problems.map((p) => `${source}: ${p.path} ${p.message}`).join('\n'), { source, problems })
    this.source = source
    this.problems = problems
  }
}

let compiled: ValidateFunction<Catalog> | undefined
const validator = (): ValidateFunction<Catalog> => {
  if (compiled) return compiled
  const ajv = new Ajv({ allErrors: true, strict: true })
  addFormats.default(ajv, ['date'])
  compiled = ajv.compile<Catalog>(catalogJsonSchema)
  return compiled
}

const schemaProblem = (error: ErrorObject): CatalogProblem => {
  const path = error.instancePath || '/'
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties':
      return { path, message: `must not have the property '${String(params.additionalProperty)}'` }
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` }
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` }
    default:
      return { path, message: error.message ?? error.keyword }
  }
}

const unitOfMetric: Record<MetricKind, Unit> = {
  event_ratio: 'ratio',
  reading_ratio: 'ratio',
  event_rate_per_1000: 'batches_per_1000_residents',
  mean_duration: 'minutes',
  event_count: 'entities',
  milestone_count: 'items',
}
const isRatio = (metric: MetricKind): boolean => metric === 'event_ratio' || metric === 'reading_ratio'
const isCount = (metric: MetricKind): boolean => metric === 'event_count' || metric === 'milestone_count'
/** Largest minimum sample a target may ask for before it can breach. */
const sampleCeiling: Partial<Record<MetricKind, number>> = { event_ratio: 100, reading_ratio: 100, mean_duration: 30 }
const sampleRequired: readonly MetricKind[] = ['event_ratio', 'mean_duration']

const targetProblems = (target: Target, at: string): CatalogProblem[] => {
  const problems: CatalogProblem[] = []
  const problem = (path: string, message: string) => problems.push({ path: `${at}${path}`, message })
  const { metric, threshold, items, minimumSample } = target

  if (target.unit !== unitOfMetric[metric]) problem('/unit', `must be ${unitOfMetric[metric]} for a ${metric} target, is ${target.unit}`)
  if (isRatio(metric) && threshold > 1) problem('/threshold', `must be within [0, 1] for a ${metric} target, is ${threshold}`)
  if (isCount(metric) && !Number.isInteger(threshold)) problem('/threshold', `must be a whole number for a ${metric} target, is ${threshold}`)

  const ceiling = sampleCeiling[metric]
  if (minimumSample === undefined) {
    if (sampleRequired.includes(metric)) problem('', `must have minimumSample (a ${metric} target cannot breach on a handful of events)`)
  } else if (ceiling === undefined) problem('/minimumSample', `is only for ratio and mean targets, not ${metric}`)
  else if (minimumSample > ceiling) problem('/minimumSample', `must be at most ${ceiling} for a ${metric} target, is ${minimumSample}`)

  if (metric === 'reading_ratio' && target.reporting === undefined) problem('', 'must have reporting (cadence and graceDays) for a reading_ratio target')

  if (items !== undefined) {
    if (metric !== 'milestone_count') problem('/items', `are only for milestone_count targets, not ${metric}`)
    if (threshold !== items.length) problem('/threshold', `must equal the number of items (${items.length}), is ${threshold}`)
    const seen = new Map<string, number>()
    items.forEach((item, index) => {
      const first = seen.get(item.id)
      if (first !== undefined) problem(`/items/${index}/id`, `duplicates ${at}/items/${first}/id ('${item.id}')`)
      else seen.set(item.id, index)
      if (item.region !== undefined && !isRegionId(item.region)) {
        problem(`/items/${index}/region`, `must be a region id (${regionIds.join(', ')}), is '${item.region}'`)
      }
    })
  }

  if (target.period.start > target.period.end) problem('/period', `start ${target.period.start} is after end ${target.period.end}`)
  return problems
}

const semanticProblems = (catalog: Catalog): CatalogProblem[] => {
  const problems: CatalogProblem[] = []
  const seen = new Map<string, number>()
  catalog.targets.forEach((target, index) => {
    const first = seen.get(target.id)
    if (first !== undefined) problems.push({ path: `/targets/${index}/id`, message: `duplicates /targets/${first}/id ('${target.id}')` })
    else seen.set(target.id, index)
    problems.push(...targetProblems(target, `/targets/${index}`))
  })
  return problems
}

/** Validates parsed JSON as a catalog; `source` names it in error messages. */
export const parseCatalog = (json: unknown, source: string): Catalog => {
  const validate = validator()
  if (!validate(json)) throw new CatalogError(source, (validate.errors ?? []).map(schemaProblem))
  const problems = semanticProblems(json)
  if (problems.length > 0) throw new CatalogError(source, problems)
  return json
}

const displayName = (path: string): string => {
  const fromRoot = relative(projectRoot, path)
  return fromRoot.startsWith('..') || isAbsolute(fromRoot) ? path : fromRoot
}

/** Reads and validates a catalog file (default: seeds/catalog.json next to this module). */
export const loadCatalog = (path: string = defaultCatalogPath): Catalog => {
  const absolute = resolve(path)
  const source = displayName(absolute)
  let text: string
  try {
    text = readFileSync(absolute, 'utf8')
  } catch (error) {
    throw new CatalogError(source, [{ path: '/', message: `cannot be read: ${(error as Error).message}` }])
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CatalogError(source, [{ path: '/', message: `is not valid JSON: ${(error as Error).message}` }])
  }
  return parseCatalog(json, source)
}

export const targetById = (catalog: Catalog, id: string): Target | undefined => catalog.targets.find((t) => t.id === id)

const idsOf = (catalog: Catalog, metric: MetricKind): string[] =>
  catalog.targets.filter((t) => t.metric === metric).map((t) => t.id)

/** Targets fed by IndicatorReported (the event's `indicator` is one of these ids). */
export const readingTargetIds = (catalog: Catalog): string[] => idsOf(catalog, 'reading_ratio')

/** Targets fed by MilestoneAchieved (the event's `targetId` is one of these ids). */
export const milestoneTargetIds = (catalog: Catalog): string[] => idsOf(catalog, 'milestone_count')
