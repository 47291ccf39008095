// A simulated year folded in process, without a store or HTTP: the facts the simulator would post
// (seeds/simulate/year.ts) go straight through the compliance fold, day by day. For specs and the
// calibration that need a full-size year in seconds; only the fact types asked for are folded.
import type { RecordedEvent } from '../../domain/envelope.ts'
import type { ClientEventType } from '../../domain/events.ts'
import { type ComplianceState, complianceProjection } from '../../projections/compliance.ts'
import { type SimulationOptions, simulateYear } from '../../seeds/simulate/year.ts'

/** The types a volume target (new entities, sampling density) counts. */
export const volumeTypes: readonly ClientEventType[] = ['SamplingBatchTested', 'MarketEntityRegistered']

const meta = { principal: 'simulator', requestId: 'simulated-year', prevHash: '', hash: '', schemaVersion: 1 }

/**
 * Folds the simulated year; `afterDay(date, state)` runs once the facts that occurred on `date`
 * are folded (what the log held at the end of that day). Returns the state after the last day.
 */
export const foldSimulatedYear = (
  options: SimulationOptions & { types?: readonly ClientEventType[]; afterDay?: (date: string, state: ComplianceState) => void },
): ComplianceState => {
  const types = new Set(options.types ?? volumeTypes)
  const state = complianceProjection.initialState()
  let position = 0
  for (const day of simulateYear(options)) {
    for (const event of day.events) {
      if (!types.has(event.type)) continue
      position += 1
      const recorded: RecordedEvent = {
        id: event.id,
        type: event.type,
        stream: 'simulated',
        revision: position - 1,
        position,
        occurredAt: event.occurredAt,
        recordedAt: event.occurredAt,
        data: event.data,
        meta,
      }
      complianceProjection.evolve(state, recorded)
    }
    options.afterDay?.(day.date, state)
  }
  return state
}
