// Alert state folded from the log: per fingerprint, whether it is firing, its last status and
// sequence (what the reactor compares with a fresh evaluation), and the alert history for
// GET /v1/alerts, including transitions derived from history and never sent.
import { type AlertEventData, type AlertEventType, type AlertTrack, applyAlertEvent, fingerprintOfRecorded, isAlertEventType } from '../domain/alerts.ts'
import { defaultPlanId } from '../domain/plans.ts'
import type { RecordedEvent } from '../domain/envelope.ts'

export interface AlertRecord {
  id: string
  type: AlertEventType
  kind: 'target.status_changed' | 'rescue.overdue'
  status: 'firing' | 'resolved'
  alertId: string
  fingerprint: string
  sequence: number
  /** The plan of a target alert (null for rescues). */
  plan: string | null
  targetId: string | null
  incidentId: string | null
  region: string
  from: string | null
  to: string | null
  value: number | null
  evaluatedAt: string
  /** Log position of the alert event itself. */
  position: number
  notified: boolean
  suppressed: string | null
}

export interface AlertsState {
  tracks: Record<string, AlertTrack>
  /** Oldest first; the oldest are dropped beyond `historyLimit` (the log keeps them all). */
  history: AlertRecord[]
  dropped: number
}

export const historyLimit = 10_000

const isData = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

const recordOf = (event: RecordedEvent, type: AlertEventType, data: AlertEventData): AlertRecord => {
  const target = 'targetId' in data
  return {
    id: event.id,
    type,
    kind: target ? 'target.status_changed' : 'rescue.overdue',
    status: type === 'AlertRaised' || type === 'RescueOverdue' ? 'firing' : 'resolved',
    alertId: data.alertId,
    fingerprint: fingerprintOfRecorded(data),
    sequence: data.sequence,
    plan: target ? (data.plan ?? defaultPlanId) : null,
    targetId: target ? data.targetId : null,
    incidentId: 'incidentId' in data ? data.incidentId : null,
    region: data.region,
    from: target ? data.from : null,
    to: target ? data.to : null,
    value: target ? data.value : 'minutesElapsed' in data ? data.minutesElapsed : null,
    evaluatedAt: data.evaluatedAt,
    position: event.position,
    notified: data.notify,
    suppressed: data.suppressed ?? null,
  }
}

export const alertsProjection = {
  name: 'alerts',
  version: 2,
  initialState: (): AlertsState => ({ tracks: {}, history: [], dropped: 0 }),
  evolve: (state: AlertsState, event: RecordedEvent): AlertsState => {
    if (!isAlertEventType(event.type) || !isData(event.data) || typeof event.data.fingerprint !== 'string') return state
    const data = event.data as unknown as AlertEventData
    const fingerprint = fingerprintOfRecorded(data)
    const track = Object.prototype.hasOwnProperty.call(state.tracks, fingerprint) ? state.tracks[fingerprint] : undefined
    Object.defineProperty(state.tracks, fingerprint, {
      value: applyAlertEvent(track, event.type, data, event.stream),
      enumerable: true,
      writable: true,
      configurable: true,
    })
    state.history.push(recordOf(event, event.type, data))
    const excess = state.history.length - historyLimit
    if (excess > 0) {
      state.history.splice(0, excess)
      state.dropped += excess
    }
    return state
  },
}

export const trackOf = (state: AlertsState, fingerprint: string): AlertTrack | undefined =>
  Object.prototype.hasOwnProperty.call(state.tracks, fingerprint) ? state.tracks[fingerprint] : undefined
