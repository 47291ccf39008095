// Elevator rescues still waiting for a rescuer, and overdue alerts still waiting for their
// resolution. Small by construction: an incident leaves the state when the rescuer arrives
// (or, once it was reported overdue, when that alert is resolved).
import type { RescueOverdueData } from '../domain/alerts.ts'
import type { RecordedEvent } from '../domain/envelope.ts'

export interface OpenIncident {
  region: string
  reportedAt: string
  elevatorId: string | null
  /** The overdue alert, once raised. */
  overdue: { alertId: string; fingerprint: string; notify: boolean } | null
}

export interface AwaitingResolution {
  region: string
  reportedAt: string
  /** null when the arrival was recorded before the overdue alert (a race): read the incident's stream. */
  arrivedAt: string | null
  alertId: string
  fingerprint: string
  notify: boolean
}

export interface RescuesState {
  open: Record<string, OpenIncident>
  /** Overdue alerts whose incident has an arrival, until RescueOverdueResolved is recorded. */
  arrived: Record<string, AwaitingResolution>
}

type Data = Record<string, unknown>

// incidentId comes from clients and may be "__proto__": own properties only.
const has = (record: object, key: string) => Object.prototype.hasOwnProperty.call(record, key)
const put = <V>(record: Record<string, V>, key: string, value: V) =>
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })

export const rescuesProjection = {
  name: 'rescues',
  version: 1,
  initialState: (): RescuesState => ({ open: {}, arrived: {} }),
  evolve: (state: RescuesState, event: RecordedEvent): RescuesState => {
    const data = event.data as Data
    if (typeof data !== 'object' || data === null || typeof data.incidentId !== 'string') return state
    const id = data.incidentId
    switch (event.type) {
      case 'RescueRequested':
        if (!has(state.open, id) && typeof data.reportedAt === 'string' && typeof data.region === 'string')
          put(state.open, id, { region: data.region, reportedAt: data.reportedAt, elevatorId: (data.elevatorId as string) ?? null, overdue: null })
        return state
      case 'RescuerArrived': {
        if (!has(state.open, id)) return state
        const incident = state.open[id]!
        delete state.open[id]
        if (incident.overdue)
          put(state.arrived, id, { region: incident.region, reportedAt: incident.reportedAt, arrivedAt: data.arrivedAt as string, ...incident.overdue })
        return state
      }
      case 'RescueOverdue': {
        const d = data as unknown as RescueOverdueData
        const overdue = { alertId: d.alertId, fingerprint: d.fingerprint, notify: d.notify }
        if (has(state.open, id)) state.open[id]!.overdue = overdue
        else put(state.arrived, id, { region: d.region, reportedAt: d.reportedAt, arrivedAt: null, ...overdue })
        return state
      }
      case 'RescueOverdueResolved':
        delete state.arrived[id]
        delete state.open[id]
        return state
      default:
        return state
    }
  },
}
