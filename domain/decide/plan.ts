// Stream `plan-<id>`: a plan is published once; the same document again is a no-op, another
// document under the id is a conflict; a revision names the revision it corrects (optimistic
// concurrency, as an HTTP If-Match), and revising to the document the log already holds changes nothing.
import { canonicalJson } from '../canonical-json.ts'
import { InvariantViolation, NotFound } from '../errors.ts'
import type { Plan } from '../plans.ts'
import type { StreamEvent } from './decider.ts'

export interface PlanStreamState {
  /** The stream's last revision (-1: no plan under the id). */
  revision: number
  /** Canonical JSON of the current document. */
  current: string | null
}

export const initialPlanState = (): PlanStreamState => ({ revision: -1, current: null })

export const evolvePlan = (state: PlanStreamState, event: StreamEvent): PlanStreamState => {
  if (event.type !== 'PlanPublished' && event.type !== 'PlanRevised') return state
  const plan = (event.data as { plan?: unknown }).plan
  return { revision: state.revision + 1, current: canonicalJson(plan) }
}

/** `null`: the log already holds exactly this document (answer with it, append nothing). */
export type PlanDecision = { type: 'PlanPublished'; data: { plan: Plan } } | { type: 'PlanRevised'; data: { plan: Plan; reason?: string } } | null

export const decidePublish = (state: PlanStreamState, plan: Plan): PlanDecision => {
  if (state.current === null) return { type: 'PlanPublished', data: { plan } }
  if (state.current === canonicalJson(plan)) return null
  throw new InvariantViolation(
    'PLAN_EXISTS',
    `id: plan ${plan.id} is already published with another document (revision ${state.revision}); revise it with PUT /v1/plans/${plan.id} and If-Match, or publish under another id`,
    { plan: plan.id, revision: state.revision },
  )
}

export const decideRevise = (state: PlanStreamState, plan: Plan, expectedRevision: number, reason?: string): PlanDecision => {
  if (state.current === null) throw new NotFound(`plan ${plan.id} is not published; publish it with POST /v1/plans`, { plan: plan.id })
  if (expectedRevision !== state.revision)
    throw new InvariantViolation('WRONG_EXPECTED_REVISION', `If-Match: plan ${plan.id} is at revision ${state.revision}, not ${expectedRevision}`, {
      plan: plan.id,
      expected: expectedRevision,
      actual: state.revision,
    })
  if (state.current === canonicalJson(plan)) return null
  return { type: 'PlanRevised', data: reason ? { plan, reason } : { plan } }
}
