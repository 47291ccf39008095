// Read model of plans: every revision of every plan with the log position that recorded it, so
// an answer at `position` N uses the plan as the log held it then (the latest revision at or
// before N), and the region sets plans published with them.
import type { RecordedEvent } from '../domain/envelope.ts'
import type { Plan, PlanRevision } from '../domain/plans.ts'
import { planStream } from '../domain/plans.ts'

export interface PlansState {
  /** plan id → its revisions in order (index = revision). */
  plans: Record<string, PlanRevision[]>
}

const isPlan = (value: unknown): value is Plan =>
  typeof value === 'object' && value !== null && typeof (value as Plan).id === 'string' && Array.isArray((value as Plan).targets)

export const plansProjection = {
  name: 'plans',
  version: 1,
  initialState: (): PlansState => ({ plans: {} }),
  evolve: (state: PlansState, event: RecordedEvent): PlansState => {
    if (event.type !== 'PlanPublished' && event.type !== 'PlanRevised') return state
    const plan = (event.data as { plan?: unknown } | null)?.plan
    if (!isPlan(plan) || event.stream !== planStream(plan.id)) return state
    const revisions = Object.hasOwn(state.plans, plan.id) ? state.plans[plan.id]! : []
    if (event.type === 'PlanPublished' ? revisions.length !== 0 : revisions.length === 0) return state
    const entry: PlanRevision = { plan, revision: event.revision, position: event.position, recordedAt: event.recordedAt }
    Object.defineProperty(state.plans, plan.id, { value: [...revisions, entry], enumerable: true, writable: true, configurable: true })
    return state
  },
}

/** The plan's revision the log held at `position` (the latest at or before it), or undefined. */
export const planAt = (state: PlansState, id: string, position: number): PlanRevision | undefined => {
  const revisions = Object.hasOwn(state.plans, id) ? state.plans[id]! : []
  let found: PlanRevision | undefined
  for (const revision of revisions) if (revision.position <= position) found = revision
  return found
}

/** Every plan's latest revision at `position`, in the order they were published. */
export const plansAt = (state: PlansState, position: number): PlanRevision[] =>
  Object.keys(state.plans)
    .map((id) => planAt(state, id, position))
    .filter((r): r is PlanRevision => r !== undefined)
    .sort((a, b) => state.plans[a.plan.id]![0]!.position - state.plans[b.plan.id]![0]!.position)
