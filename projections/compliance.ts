// The compliance projection as data: the runner (services/runner) folds the log through
// `evolve`, snapshots the state with JSON.stringify, and domain/evaluate.ts reads it.
import type { RecordedEvent } from '../domain/envelope.ts'
import { evolveCompliance } from './compliance/evolve.ts'
import { type ComplianceState, initialComplianceState } from './compliance/state.ts'

export type { ComplianceState, DayBuckets, MilestoneRecord, Reading } from './compliance/state.ts'
export * from './compliance/queries.ts'

export interface ComplianceProjection {
  readonly name: 'compliance'
  /** Bump when the state's shape or meaning changes: snapshots of other versions are rebuilt. */
  readonly version: 1
  initialState(): ComplianceState
  evolve(state: ComplianceState, event: RecordedEvent): ComplianceState
}

export const complianceProjection: ComplianceProjection = {
  name: 'compliance',
  version: 1,
  initialState: initialComplianceState,
  evolve: evolveCompliance,
}
