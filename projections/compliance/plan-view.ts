// A plan prepared for evaluation: its region set as a view (which stored regions each scope
// sums, populations, Gui'an-style credits) and each target's measure in the fold's terms. Built
// once per plan revision by the caller and reused for every answer.
import { type FactSelector, selectorOf } from '../../domain/measures.ts'
import type { Plan } from '../../domain/plans.ts'
import { type RegionDefinition, type RegionSet, type RegionView, regionView } from '../../domain/regions.ts'
import type { Target } from '../../domain/targets.ts'

export interface PlanView {
  plan: Plan
  /** The revision of the plan this view was built from (0 = as published). */
  revision: number
  regions: RegionView
  /** The fact selector of a count, rate or ratio target (by target id). */
  selectorOf: (target: Target) => FactSelector
  /** The indicator a reading target reads. */
  indicatorOf: (target: Target) => string
  targetById: (id: string) => Target | undefined
}

export const planView = (plan: Plan, revision: number, set: RegionSet, known?: ReadonlyMap<string, RegionDefinition>): PlanView => {
  const selectors = new Map<string, FactSelector>()
  const targets = new Map(plan.targets.map((t) => [t.id, t]))
  return {
    plan,
    revision,
    regions: regionView(set, known),
    selectorOf: (target) => {
      let selector = selectors.get(target.id)
      if (!selector) selectors.set(target.id, (selector = selectorOf(target.computedFrom ?? {})))
      return selector
    },
    indicatorOf: (target) => target.computedFrom?.indicator ?? target.id,
    targetById: (id) => targets.get(id),
  }
}
