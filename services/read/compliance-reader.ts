// The read side, one home: "compliance of plan P at `at`, as the log held it at position N".
// Every caller — the target routes, the alert reactor and its history replay, attestations and
// the replay CLI — asks here. Positions are honoured exactly (read-your-writes): a position at
// or below the log head is answered at that position, waiting (bounded) for the read models to
// reach it; a position beyond the head is refused, as the proof routes refuse it.
import { ReadModelBehind, ValidationError } from '../../domain/errors.ts'
import type { PlanRevision } from '../../domain/plans.ts'
import { endOfDayInstant } from '../../domain/time.ts'
import {
  type ComplianceState,
  type PlanView,
  type TargetDetail,
  type TargetReport,
  complianceProjection,
  evaluatePlan,
  evaluationKey,
  evaluatePlanTarget,
} from '../../projections/compliance.ts'
import { NotFound } from '../../domain/errors.ts'
import type { Plans } from '../plans/plans.ts'
import { createAnswerCache } from '../runner/answers.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore } from '../store/port.ts'

/** The two time axes of a read: `at` (business time: what had happened by then) and the log's. */
export interface TimeAxes {
  /** A calendar date (its end, Shanghai time) or an instant; default: now. */
  at?: string
  /** The log as recorded at or before this instant. */
  asOf?: string
  /** The log up to this position (at most the head). */
  position?: number
  /** Answer at the live position, but not before the read models have reached this one. */
  minPosition?: number
}

export interface ComplianceQuery extends TimeAxes {
  plan: string
  /** One region of the plan's set instead of its root. */
  region?: string
}

/** A resolved read: the plan as the log held it, the folded state and the instant evaluated at. */
export interface Reading {
  plan: PlanRevision
  view: PlanView
  state: ComplianceState
  /** The instant evaluated at (validated, the clock's, or the end of the day asked for). */
  at: string
  position: number
}

export interface ReaderDeps {
  store: EventStore
  runner: Runner
  plans: Plans
  clock: () => Date
  /** How long to wait for the read models to reach a position asked for (TARGETWATCH_READ_WAIT_MS). */
  readWaitMs: number
}

export const createComplianceReader = ({ store, runner, plans, clock, readWaitMs }: ReaderDeps) => {
  const reached = async (position: number): Promise<void> => {
    if (runner.position() >= position) return
    try {
      await runner.waitFor(position, readWaitMs)
    } catch {
      throw new ReadModelBehind(
        `position: the read models are at ${runner.position()}, still behind ${position} after ${readWaitMs} ms; retry shortly`,
        Math.max(1, Math.ceil(readWaitMs / 1000)),
        { position, projected: runner.position() },
      )
    }
  }

  /** The log position a read is answered at. */
  const positionOf = async (axes: TimeAxes): Promise<number> => {
    if (axes.asOf !== undefined && axes.position !== undefined)
      throw new ValidationError('query: give asOf or position, not both', { fields: ['asOf', 'position'] })
    const bound = axes.position ?? axes.minPosition
    if (bound !== undefined) {
      const head = await store.head()
      const field = axes.position !== undefined ? 'position' : 'minPosition'
      if (bound > head) throw new ValidationError(`${field}: ${bound} is beyond the log's head (${head})`, { field, head })
      await reached(bound)
      return axes.position ?? runner.position()
    }
    if (axes.asOf !== undefined) return Math.min(await store.positionAt(axes.asOf), runner.position())
    return runner.position()
  }

  const instantOf = (at: string | undefined): string =>
    at === undefined ? clock().toISOString() : at.length === 10 ? endOfDayInstant(at) : at

  const read = async (query: ComplianceQuery): Promise<Reading> => {
    const position = await positionOf(query)
    const plan = plans.get(query.plan, position)
    const view = plans.view(plan)
    const { region } = query
    if (region !== undefined && !view.regions.isScope(region))
      throw new ValidationError(`query.region: '${region}' is not a region of plan ${query.plan}; one of ${[view.regions.rootId, ...view.regions.memberIds].join(', ')}`, {
        field: 'query.region',
      })
    const state = await runner.stateAt<ComplianceState>(complianceProjection.name, position)
    return { plan, view, state, at: instantOf(query.at), position }
  }

  // Reports depend only on the plan revision, the position, the business day of `at` (its minute
  // while a rescue is open) and the region: kept while the log does not move (a polling dashboard is answered without evaluating).
  const reportsCache = createAnswerCache<TargetReport[]>()
  const reportsOf = (reading: Reading, region: string | undefined): TargetReport[] =>
    reportsCache(`${reading.plan.plan.id}@${reading.plan.revision}|${reading.position}|${evaluationKey(reading.state, reading.at)}|${region ?? ''}`, () =>
      evaluatePlan(reading.state, reading.view, { at: reading.at, ...(region ? { region } : {}) }),
    )

  return {
    read,
    positionOf,
    /** Every target of the plan. */
    targets: async (query: ComplianceQuery) => {
      const reading = await read(query)
      return { reading, reports: reportsOf(reading, query.region) }
    },
    /** One target, with its monthly series. */
    target: async (query: ComplianceQuery & { id: string }): Promise<{ reading: Reading; detail: TargetDetail }> => {
      const reading = await read(query)
      const target = reading.view.targetById(query.id)
      if (!target) throw new NotFound(`target ${query.id} is not in the catalog of plan ${query.plan}`, { id: query.id, plan: query.plan })
      return { reading, detail: evaluatePlanTarget(reading.state, reading.view, target, { at: reading.at, ...(query.region ? { region: query.region } : {}) }) }
    },
    /** Reports of a reading already resolved (the alert reactor judges every plan at one position). */
    reportsOf,
    /**
     * Every plan the log held at `position`, evaluated over `state` at `at`: the alert reactor's
     * judgement of the live read models, and its replay's of a private fold of history.
     */
    judge: (state: ComplianceState, position: number, at: string): { plan: PlanRevision; reports: TargetReport[] }[] =>
      plans.list(position).map((plan) => ({ plan, reports: evaluatePlan(state, plans.view(plan), { at }) })),
  }
}

export type ComplianceReader = ReturnType<typeof createComplianceReader>
