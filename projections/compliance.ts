// The compliance projection as data: the runner (services/runner) folds the log through
// `evolve` and snapshots the state with JSON.stringify; reports.ts evaluates a plan over it.
import type { RecordedEvent } from '../domain/envelope.ts'
import { evolveCompliance } from './compliance/evolve.ts'
import { type ComplianceState, initialComplianceState } from './compliance/state.ts'

export type { ComplianceState, DayBuckets, MilestoneRecord, OpenRescue, Reading } from './compliance/state.ts'
export * from './compliance/queries.ts'
export * from './compliance/reports.ts'
export * from './compliance/report-schemas.ts'
export { type PlanView, planView } from './compliance/plan-view.ts'

export interface ComplianceProjection {
  readonly name: 'compliance'
  /** Bump when the state's shape or meaning changes: snapshots of other versions are rebuilt. */
  readonly version: 3
  initialState(): ComplianceState
  evolve(state: ComplianceState, event: RecordedEvent): ComplianceState
}

export const complianceProjection: ComplianceProjection = {
  name: 'compliance',
  version: 3,
  initialState: initialComplianceState,
  evolve: evolveCompliance,
}
