// The events that record plans, in `plan-<id>` streams: `PlanPublished` (revision 0) and
// `PlanRevised` (each correction after). The document itself is validated against the plan
// JSON Schema and rules (plan-validation.ts) before either is appended.
import { z } from 'zod'
import type { Plan } from './plans.ts'

const planDocument = z.custom<Plan>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
  message: 'must be a plan document (see GET /v1/plans/schema)',
})

export const PlanPublished = z.strictObject({ plan: planDocument })

export const PlanRevised = z.strictObject({
  plan: planDocument,
  /** Why the plan was revised (a corrected threshold, a target the first version missed). */
  reason: z.string().min(1).max(1000).optional(),
})

export type PlanPublishedData = z.infer<typeof PlanPublished>
export type PlanRevisedData = z.infer<typeof PlanRevised>
export const planEventTypes = ['PlanPublished', 'PlanRevised'] as const
