// Plans as data: a work plan (工作要点) is a document — who issued it, the period it covers, the
// region set it is measured over and its targets — published as events (`PlanPublished`,
// `PlanRevised` in `plan-<id>`). The 2020 Guizhou plan is the first (`guizhou-2020`); every year
// and every prefecture brings another, and none needs a code change.
import type { Bilingual, RegionSet } from './regions.ts'
import type { Period, Target } from './targets.ts'

export interface Plan {
  /** `[a-z0-9-]{1,64}`, e.g. guizhou-2020. */
  id: string
  title: Bilingual
  /** The issuing body, e.g. 贵州省市场监督管理局. */
  issuer: Bilingual
  issuedOn: string
  /** 文号; empty when the publication gives none. */
  documentNumber: string
  /** The government information-disclosure index number (索引号), when published with one. */
  indexNumber?: string
  /** The document's own version (edits of its text); revisions in the log are numbered apart. */
  version: string
  /** The period the plan covers; every target's period lies within it. */
  period: Period
  /** The id of a region set that exists (built in or published with an earlier plan), or a set of its own. */
  regionSet: string | RegionSet
  targets: Target[]
}

/** The plan every client and route meant before plans were data: `GET /v1/targets` answers it. */
export const defaultPlanId = 'guizhou-2020'

/** Facts recorded before plans were data name no plan: they belong to the only one there was. */
export const planOfRecordedFact = (plan: unknown): string => (typeof plan === 'string' ? plan : defaultPlanId)

export const planStream = (planId: string) => `plan-${planId}`

/** A plan as the log holds it at one revision (0 = as published). */
export interface PlanRevision {
  plan: Plan
  revision: number
  /** Log position of the event that recorded this revision. */
  position: number
  recordedAt: string
}

export const regionSetIdOf = (plan: Plan): string => (typeof plan.regionSet === 'string' ? plan.regionSet : plan.regionSet.id)
