// Plans as data, the service: publish and revise plan documents (validated, then appended to
// `plan-<id>`), read them as the log held them at any position, and offer what other services
// need of them — the region sets that exist, the decision context of facts, and each plan
// prepared for evaluation. The 2020 plan in seeds/ is published at first start (idempotent).
import { type PlanDirectory, planDirectory } from '../../domain/plan-directory.ts'
import { type KnownRegions, parsePlan } from '../../domain/plan-validation.ts'
import { decidePublish, decideRevise, evolvePlan, initialPlanState, type PlanDecision } from '../../domain/decide/plan.ts'
import { NotFound } from '../../domain/errors.ts'
import { type Plan, type PlanRevision, planStream, regionSetIdOf } from '../../domain/plans.ts'
import type { RegionSet } from '../../domain/regions.ts'
import type { PlanView } from '../../projections/compliance.ts'
import { type PlansState, planAt, plansAt } from '../../projections/plans.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { knownRegionsAt, planRevisionAt, planRevisionsAt, reportingRegionsAt, viewOfRevision } from './views.ts'
import type { Principal } from '../auth/principal.ts'
import type { Runner } from '../runner/runner.ts'
import { newEventId } from '../store/event-ids.ts'
import type { EventStore } from '../store/port.ts'

export interface PlansDeps {
  store: EventStore
  runner: Runner
  clock: () => Date
}

export interface Published {
  /** 201 when recorded now, 200 when the log already held exactly this document. */
  status: 201 | 200
  revision: PlanRevision
}

export const createPlans = ({ store, runner, clock }: PlansDeps) => {
  const state = () => runner.state<PlansState>('plans')

  const knownAt = (position: number, except?: string): KnownRegions => knownRegionsAt(state(), position, except)
  /** The document's id, when it has one, so its own earlier sets do not conflict with it. */
  const idOf = (document: unknown): string | undefined => {
    const id = (document as { id?: unknown } | null)?.id
    return typeof id === 'string' ? id : undefined
  }

  // Views are built once per plan revision (the regions they use are those at the revision's
  // own position: a set published later cannot change an answer about an earlier log).
  const views = new Map<string, PlanView>()
  const viewOf = (revision: PlanRevision): PlanView => {
    const key = `${revision.plan.id}@${revision.revision}`
    let view = views.get(key)
    if (!view) views.set(key, (view = viewOfRevision(state(), revision)))
    return view
  }

  let directory: { position: number; value: PlanDirectory } | null = null
  /** What deciding a fact needs of the plans (rebuilt when a plan event is applied). */
  const decisionDirectory = (): PlanDirectory => {
    const position = runner.position()
    const latestPlanPosition = Math.max(0, ...Object.values(state().plans).map((r) => r.at(-1)!.position))
    if (!directory || directory.position < latestPlanPosition) {
      directory = { position, value: planDirectory(plansAt(state(), position).map((r) => r.plan), reportingRegionsAt(state(), position)) }
    }
    return directory.value
  }

  const readStreamState = async (id: string) => {
    let streamState = initialPlanState()
    for await (const event of store.readStream(planStream(id))) streamState = evolvePlan(streamState, event)
    return streamState
  }

  const record = async (id: string, decision: PlanDecision, expected: number, principal: Principal, requestId: string): Promise<Published> => {
    if (decision === null) {
      await runner.waitFor(await store.head())
      return { status: 200, revision: planAt(state(), id, runner.position())! }
    }
    const result = await store.append(
      planStream(id),
      [{ id: newEventId(), type: decision.type, occurredAt: clock().toISOString(), data: decision.data, meta: { principal: principal.keyId, requestId, schemaVersion: 1 } }],
      expected < 0 ? 'no_stream' : expected,
    )
    await runner.waitFor(result.positions[0]!)
    return { status: 201, revision: planAt(state(), id, runner.position())! }
  }

  const publish = async (document: unknown, principal: Principal, requestId: string): Promise<Published> => {
    const plan = parsePlan(document, knownAt(runner.position(), idOf(document)))
    const current = await readStreamState(plan.id)
    return record(plan.id, decidePublish(current, plan), current.revision, principal, requestId)
  }

  const revise = async (id: string, document: unknown, expectedRevision: number, principal: Principal, requestId: string, reason?: string): Promise<Published> => {
    const plan = parsePlan(document, knownAt(runner.position(), id))
    if (plan.id !== id) throw new NotFound(`plan ${id}: the document's id is ${plan.id}`, { plan: id })
    const current = await readStreamState(id)
    return record(id, decideRevise(current, plan, expectedRevision, reason), current.revision, principal, requestId)
  }

  return {
    publish,
    revise,
    /** Publishes the 2020 plan unless the log already has it (restarting adds no events). */
    seed: async (): Promise<void> => {
      const plan = seedPlan()
      if (planAt(state(), plan.id, Number.MAX_SAFE_INTEGER)) return
      await publish(plan, { keyId: 'seed', name: 'first start', role: 'admin', regions: null }, 'seed')
    },
    /** Every plan as the log held it at `position`. */
    list: (position = runner.position()): PlanRevision[] => planRevisionsAt(state(), position),
    /** One plan at `position`; NotFound when the log held no such plan then. */
    get: (id: string, position = runner.position()): PlanRevision => {
      const found = planRevisionAt(state(), id, position)
      if (!found) throw new NotFound(`plan ${id} is not published${position < runner.position() ? ` at position ${position}` : ''}`, { plan: id })
      return found
    },
    view: viewOf,
    decisionDirectory,
    knownRegions: (): KnownRegions => knownAt(runner.position()),
    /** Whether facts may be filed for the region (key scopes, facts). */
    isReportingRegion: (id: string): boolean => reportingRegionsAt(state(), runner.position()).has(id),
    /** Whether the id names a region or a set's root (the values of a webhook's region filter). */
    isScope: (id: string): boolean => knownAt(runner.position()).regions.has(id),
    regionSetOf: (plan: Plan): RegionSet => knownAt(runner.position()).sets.get(regionSetIdOf(plan))!,
  }
}

export type Plans = ReturnType<typeof createPlans>
