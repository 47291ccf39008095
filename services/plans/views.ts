// Plans as the log holds them, for evaluation: the region sets that exist at a position (the
// built-in ones, then those plans published with them) and a plan revision prepared as a view.
// Pure over the plans read model, so the service, the replay CLI and an auditor's attestation
// check all derive the same view from the same log.
import type { KnownRegions } from '../../domain/plan-validation.ts'
import { defaultPlanId, type PlanRevision } from '../../domain/plans.ts'
import type { RegionSet } from '../../domain/regions.ts'
import { type PlanView, planView } from '../../projections/compliance.ts'
import { type PlansState, planAt, plansAt } from '../../projections/plans.ts'
import { builtInRegionSets, definitionsOf, seedPlan } from '../../seeds/plans.ts'

/**
 * Region sets at `position`: the built-in ones first, then each plan's own (the first to name an
 * id wins). `except` leaves out one plan's own sets (a revision may change the set it publishes).
 */
export const regionSetsAt = (state: PlansState, position: number, except?: string): RegionSet[] => {
  const sets = new Map<string, RegionSet>(builtInRegionSets().map((s) => [s.id, s]))
  const revisions = Object.entries(state.plans).flatMap(([id, all]) => (id === except ? [] : all.filter((r) => r.position <= position)))
  for (const { plan } of revisions)
    if (typeof plan.regionSet !== 'string' && !sets.has(plan.regionSet.id)) sets.set(plan.regionSet.id, plan.regionSet)
  return [...sets.values()]
}

export const knownRegionsAt = (state: PlansState, position: number, except?: string): KnownRegions => {
  const sets = regionSetsAt(state, position, except)
  return { sets: new Map(sets.map((s) => [s.id, s])), regions: definitionsOf(sets) }
}

/** Regions facts may be filed for: every region of every set (a root only where another set lists it). */
export const reportingRegionsAt = (state: PlansState, position: number): Set<string> =>
  new Set(regionSetsAt(state, position).flatMap((s) => s.regions.map((r) => r.id)))

/** The revision prepared for evaluation, with the regions known at its own position. */
export const viewOfRevision = (state: PlansState, revision: PlanRevision): PlanView => {
  const known = knownRegionsAt(state, revision.position)
  const set = typeof revision.plan.regionSet === 'string' ? known.sets.get(revision.plan.regionSet)! : revision.plan.regionSet
  return planView(revision.plan, revision.revision, set, known.regions)
}

/**
 * The plan's revision that answers for `position`: the latest recorded at or before it. The 2020
 * plan also answers for logs, and positions, from before plans were data: facts recorded then
 * name no plan and were the 2020 plan's (domain/plans.ts), so before its first revision the
 * first applies, and a log that never recorded it (an old export) is read with the plan shipped
 * in seeds/.
 */
export const planRevisionAt = (state: PlansState, id: string, position: number): PlanRevision | undefined => {
  const found = planAt(state, id, position)
  if (found || id !== defaultPlanId) return found
  const first = Object.hasOwn(state.plans, id) ? state.plans[id]![0] : undefined
  return first ?? { plan: seedPlan(), revision: 0, position: 0, recordedAt: '1970-01-01T00:00:00.000Z' }
}

/** Every plan that answers for `position` (the 2020 plan too, as planRevisionAt says), in publication order. */
export const planRevisionsAt = (state: PlansState, position: number): PlanRevision[] => {
  const held = plansAt(state, position)
  if (held.some((r) => r.plan.id === defaultPlanId)) return held
  return [planRevisionAt(state, defaultPlanId, position)!, ...held]
}
