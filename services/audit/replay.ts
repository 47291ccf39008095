// Replay for auditors: fold events from position 1 with the compliance and plans projections
// (the same pure folds the service runs) and evaluate a plan as the log held it. It starts from
// zero on purpose: an auditor's figure must not depend on the operator's snapshots.
import { complianceProjection, type ComplianceState, type TargetReport } from '../../projections/compliance.ts'
import { type PlansState, plansProjection } from '../../projections/plans.ts'
import type { Position, RecordedEvent } from '../store/port.ts'

/** Folds `events` (in position order) up to and including position `upTo`. */
export const foldCompliance = async (
  events: AsyncIterable<RecordedEvent>,
  upTo: Position = Number.MAX_SAFE_INTEGER,
  each?: (event: RecordedEvent) => void,
): Promise<{ state: ComplianceState; plans: PlansState; position: Position }> => {
  let state = complianceProjection.initialState()
  let plans = plansProjection.initialState()
  let position = 0
  for await (const event of events) {
    if (event.position > upTo) break
    each?.(event)
    state = complianceProjection.evolve(state, event)
    plans = plansProjection.evolve(plans, event)
    position = event.position
  }
  return { state, plans, position }
}

// East Asian wide characters take two terminal columns.
const wide = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u
const displayWidth = (text: string) => [...text].reduce((width, char) => width + (wide.test(char) ? 2 : 1), 0)
const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)))

const formatNumber = (value: number | null): string => {
  if (value === null) return '—'
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)))
}

const comparatorSign: Record<string, string> = { gte: '≥', lte: '≤', eq: '=' }

/** The compliance table: target, zh title, status, value, threshold (aligned for a terminal). */
export const complianceTable = (reports: readonly TargetReport[]): string => {
  const rows = [
    ['target', '标题', 'status', 'value', 'threshold'],
    ...reports.map((r) => [r.id, r.title.zh, r.status, formatNumber(r.value), `${comparatorSign[r.comparator] ?? r.comparator} ${formatNumber(r.threshold)}`]),
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => displayWidth(row[column]!))))
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : pad(cell, widths[column]!))).join('  ')).join('\n')
}
