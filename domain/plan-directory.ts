// What a decision needs to know of the plans that exist: which plan a reading or a milestone is
// for, the items of a milestone target, and which regions exist. Pure: built from the plans and
// region sets the log holds (services/plans), consulted by the deciders.
import { ValidationError } from './errors.ts'
import type { Plan } from './plans.ts'
import type { MilestoneItem, Target } from './targets.ts'

export interface PlanDirectory {
  /** The plan a reading of `indicator` dated `asOf` counts for; ValidationError when none or ambiguous. */
  readingPlan: (indicator: string, asOf: string, plan: string | undefined) => string
  /** The plan and target of a milestone; ValidationError when none or ambiguous. */
  milestoneTarget: (targetId: string, achievedOn: string, plan: string | undefined) => { plan: string; items?: readonly MilestoneItem[] }
  isKnownRegion: (id: string) => boolean
  knownRegions: () => readonly string[]
}

const indicatorOf = (target: Target): string | null =>
  target.metric === 'reading_ratio' ? (target.computedFrom?.indicator ?? target.id) : null

const covers = (target: Target, date: string) => target.period.start <= date && date <= target.period.end

interface Candidate {
  plan: string
  target: Target
}

/**
 * The one candidate for a fact dated `date`: the client's plan when it names one; else the only
 * plan that has it, or the only one whose target's period covers the date.
 */
interface Wanted {
  id: string
  /** 'reading-based target', 'milestone target' */
  kind: string
  field: string
}

const choose = (candidates: readonly Candidate[], date: string, plan: string | undefined, plans: ReadonlySet<string>, { id, kind, field }: Wanted): Candidate => {
  const what = `'${id}'`
  if (plan !== undefined) {
    if (!plans.has(plan)) throw new ValidationError(`data.plan: '${plan}' is not a published plan; known: ${[...plans].join(', ')}`, { field: 'data.plan' })
    const found = candidates.find((c) => c.plan === plan)
    if (!found) throw new ValidationError(`${field}: ${what} is not a ${kind} of plan ${plan}`, { field })
    return found
  }
  if (candidates.length === 0) throw new ValidationError(`${field}: ${what} is not a ${kind} of any published plan`, { field })
  if (candidates.length === 1) return candidates[0]!
  const covering = candidates.filter((c) => covers(c.target, date))
  if (covering.length === 1) return covering[0]!
  const names = (covering.length > 1 ? covering : candidates).map((c) => c.plan)
  throw new ValidationError(`data.plan: ${what} is in several plans (${names.join(', ')}); name the plan the fact is for`, {
    field: 'data.plan',
    plans: names,
  })
}

export const planDirectory = (plans: readonly Plan[], regionIds: Iterable<string>): PlanDirectory => {
  const ids = new Set(plans.map((p) => p.id))
  const readings = new Map<string, Candidate[]>()
  const milestones = new Map<string, Candidate[]>()
  for (const plan of plans)
    for (const target of plan.targets) {
      const indicator = indicatorOf(target)
      if (indicator !== null) readings.set(indicator, [...(readings.get(indicator) ?? []), { plan: plan.id, target }])
      if (target.metric === 'milestone_count') milestones.set(target.id, [...(milestones.get(target.id) ?? []), { plan: plan.id, target }])
    }
  const regions = new Set(regionIds)
  return {
    readingPlan: (indicator, asOf, plan) =>
      choose(readings.get(indicator) ?? [], asOf, plan, ids, { id: indicator, kind: 'reading-based target', field: 'data.indicator' }).plan,
    milestoneTarget: (targetId, achievedOn, plan) => {
      const { plan: chosen, target } = choose(milestones.get(targetId) ?? [], achievedOn, plan, ids, { id: targetId, kind: 'milestone target', field: 'data.targetId' })
      return target.items ? { plan: chosen, items: target.items } : { plan: chosen }
    },
    isKnownRegion: (id) => regions.has(id),
    knownRegions: () => [...regions],
  }
}
