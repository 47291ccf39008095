// The rules of a plan document that JSON Schema cannot express: a target's unit and threshold
// against its metric, what it is computed from, its items and period, and the region set (its
// regions against every set that exists: one id, one place). Each problem names its JSON Pointer.
import { canonicalJson } from './canonical-json.ts'
import { factsForMetric, filterableFields, unspecified } from './measures.ts'
import type { Plan } from './plans.ts'
import type { RegionDefinition, RegionSet } from './regions.ts'
import type { MetricKind, Target, Unit } from './targets.ts'

export interface PlanProblem {
  /** JSON Pointer into the document, `/` for the whole of it. */
  path: string
  message: string
}

/** The region sets and definitions that exist, besides the document's own. */
export interface KnownRegions {
  sets: ReadonlyMap<string, RegionSet>
  regions: ReadonlyMap<string, RegionDefinition>
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

type Problem = (path: string, message: string) => void

/** Ids that name routes under /v1/plans rather than plans. */
const reservedPlanIds = ['schema']

const computedFromProblems = (target: Target, problem: Problem): void => {
  const { metric, computedFrom: from } = target
  const at = '/computedFrom'
  const allowedFacts = factsForMetric[metric]
  if (allowedFacts) {
    if (!from?.fact) return problem(from ? at : '', `must name the fact a ${metric} target is computed from (computedFrom.fact: ${allowedFacts.join(', ')})`)
    if (!allowedFacts.includes(from.fact)) problem(`${at}/fact`, `a ${metric} target is computed from ${allowedFacts.join(' or ')}, not ${from.fact}`)
    if (from.indicator !== undefined) problem(`${at}/indicator`, `is only for reading_ratio targets, not ${metric}`)
    if (metric === 'mean_duration' && from.until === undefined) problem(at, 'a mean_duration target must name the fact that ends it (until: RescuerArrived)')
    if (metric !== 'mean_duration' && from.until !== undefined) problem(`${at}/until`, `is only for mean_duration targets, not ${metric}`)
    const fields = filterableFields[from.fact] ?? {}
    for (const [field, value] of Object.entries(from.filter ?? {})) {
      if (!Object.prototype.hasOwnProperty.call(fields, field)) {
        const names = Object.keys(fields)
        problem(`${at}/filter/${field}`, `${from.fact} has no field '${field}' to filter on${names.length ? `; it has ${names.join(', ')}` : ''}`)
        continue
      }
      const allowed = fields[field]
      const given = typeof value === 'string' ? [value] : value
      // `unspecified` selects the facts that do not give the field (a batch that names no purpose).
      if (allowed)
        for (const v of given)
          if (!allowed.includes(v) && v !== unspecified)
            problem(`${at}/filter/${field}`, `'${v}' is not a ${field} of ${from.fact}; expected one of ${allowed.join(', ')} or ${unspecified}`)
    }
    if (from.fact === 'InspectionBatchTested' && from.filter?.program === undefined)
      problem(`${at}/filter`, 'must name the inspection program (filter.program, e.g. drug, product-quality, cosmetics): batches of different programs are not one measure')
    return
  }
  if (!from) return
  if (metric === 'reading_ratio') {
    for (const key of ['fact', 'filter', 'until'] as const)
      if (from[key] !== undefined) problem(`${at}/${key}`, 'a reading_ratio target is computed from its indicator\'s readings only (computedFrom.indicator)')
    return
  }
  for (const key of Object.keys(from)) problem(`${at}/${key}`, `a ${metric} target is computed from MilestoneAchieved of its items; computedFrom takes nothing`)
}

const targetProblems = (target: Target, plan: Plan, regionIds: ReadonlySet<string>, problem: Problem): void => {
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
  computedFromProblems(target, problem)

  if (target.seasonalProfile !== undefined && metric !== 'event_count' && metric !== 'event_rate_per_1000')
    problem('/seasonalProfile', `is only for event_count and event_rate_per_1000 targets (their forecast follows it), not ${metric}`)

  if (items !== undefined) {
    if (metric !== 'milestone_count') problem('/items', `are only for milestone_count targets, not ${metric}`)
    if (threshold !== items.length) problem('/threshold', `must equal the number of items (${items.length}), is ${threshold}`)
    const seen = new Map<string, number>()
    items.forEach((item, index) => {
      const first = seen.get(item.id)
      if (first !== undefined) problem(`/items/${index}/id`, `duplicates /items/${first}/id ('${item.id}')`)
      else seen.set(item.id, index)
      if (item.region !== undefined && !regionIds.has(item.region))
        problem(`/items/${index}/region`, `must be a region id of the plan's region set (${[...regionIds].join(', ')}), is '${item.region}'`)
    })
  }

  const { period } = target
  if (period.start > period.end) problem('/period', `start ${period.start} is after end ${period.end}`)
  else if (period.start < plan.period.start || period.end > plan.period.end)
    problem('/period', `${period.start}..${period.end} is not within the plan's period ${plan.period.start}..${plan.period.end}`)
}

const sameDefinition = (a: RegionDefinition, b: RegionDefinition): string | null => {
  if (a.code !== b.code) return `code ${JSON.stringify(a.code)}`
  if (a.name.zh !== b.name.zh || a.name.en !== b.name.en) return `name ${a.name.zh} / ${a.name.en}`
  if (a.parent !== b.parent) return `parent ${JSON.stringify(a.parent)}`
  return null
}

const regionSetProblems = (set: RegionSet, known: KnownRegions, problem: Problem): void => {
  const at = '/regionSet'
  const existing = known.sets.get(set.id)
  if (existing && canonicalJson(existing) !== canonicalJson(set))
    problem(`${at}/id`, `region set '${set.id}' already exists with other content; give this one another id, or name '${set.id}' by its id`)
  const check = (region: RegionDefinition, path: string) => {
    const other = known.regions.get(region.id)
    const differs = other && sameDefinition(other, region)
    if (other && differs) problem(path, `region '${region.id}' already exists with ${differs}; one id names one place in every set`)
  }
  check(set.root, `${at}/root`)
  if (set.root.parent !== null && !known.regions.has(set.root.parent))
    problem(`${at}/root/parent`, `'${set.root.parent}' is not a region any set defines`)
  const ids = new Map<string, number>()
  set.regions.forEach((region, index) => {
    const path = `${at}/regions/${index}`
    if (region.id === set.root.id) problem(`${path}/id`, `'${region.id}' is the set's root, not one of its regions`)
    const first = ids.get(region.id)
    if (first !== undefined) problem(`${path}/id`, `duplicates ${at}/regions/${first}/id ('${region.id}')`)
    else ids.set(region.id, index)
    if (region.parent !== set.root.id) problem(`${path}/parent`, `must be the set's root '${set.root.id}', is ${JSON.stringify(region.parent)}`)
    check(region, path)
  })
  set.regions.forEach((region, index) => {
    const path = `${at}/regions/${index}/countedIn`
    if (!region.countedIn) return
    if (region.population !== null) problem(`${path}`, 'a region whose residents are counted in others has no population of its own (population: null)')
    region.countedIn.forEach((c, i) => {
      if (!ids.has(c.region) || c.region === region.id) problem(`${path}/${i}/region`, `'${c.region}' is not another region of this set`)
    })
    const total = region.countedIn.reduce((sum, c) => sum + c.share, 0)
    if (Math.abs(total - 1) > 1e-6) problem(path, `shares must add up to 1, add up to ${total}`)
  })
}

/** Every problem of a plan that passed the JSON Schema; empty when it can be published. */
export const planProblems = (plan: Plan, known: KnownRegions): PlanProblem[] => {
  const problems: PlanProblem[] = []
  const push = (prefix: string): Problem => (path, message) => problems.push({ path: `${prefix}${path}` || '/', message })
  if (reservedPlanIds.includes(plan.id)) push('/id')('', `'${plan.id}' is reserved (it names a route under /v1/plans)`)
  if (plan.period.start > plan.period.end) push('/period')('', `start ${plan.period.start} is after end ${plan.period.end}`)
  let set: RegionSet | undefined
  if (typeof plan.regionSet === 'string') {
    set = known.sets.get(plan.regionSet)
    if (!set) push('/regionSet')('', `'${plan.regionSet}' is not a region set that exists; known: ${[...known.sets.keys()].join(', ')}`)
  } else {
    set = plan.regionSet
    regionSetProblems(set, known, push(''))
  }
  const regionIds = new Set(set ? set.regions.map((r) => r.id) : [])
  const seen = new Map<string, number>()
  plan.targets.forEach((target, index) => {
    const first = seen.get(target.id)
    if (first !== undefined) problems.push({ path: `/targets/${index}/id`, message: `duplicates /targets/${first}/id ('${target.id}')` })
    else seen.set(target.id, index)
    targetProblems(target, plan, regionIds, push(`/targets/${index}`))
  })
  return problems
}
