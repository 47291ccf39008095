// GET /v1/alerts: what is firing and the transitions recorded, sent or not (history derived
// from a backfill is recorded with notified: false), live or as of a log position.
import { alertsProjection, type AlertRecord, type AlertsState } from '../../projections/alerts.ts'
import type { Runner } from '../runner/runner.ts'
import type { Evaluation } from './reactor.ts'

export interface AlertQuery {
  targetId?: string
  region?: string
  fingerprint?: string
  status?: 'firing' | 'resolved'
  notified?: boolean
  position?: number
  limit: number
  /** Regions the caller may see (a scoped key: the province and its own). */
  visible?: (region: string) => boolean
}

export interface FiringAlert {
  alertId: string
  fingerprint: string
  kind: string
  targetId: string
  region: string
  incidentId: string | null
  status: string
  sequence: number
  since: string
  notified: boolean
}

const matches = (query: AlertQuery, item: { targetId: string | null; region: string; fingerprint: string }) =>
  (query.visible === undefined || query.visible(item.region)) &&
  (query.targetId === undefined || item.targetId === query.targetId) &&
  (query.region === undefined || item.region === query.region) &&
  (query.fingerprint === undefined || item.fingerprint === query.fingerprint)

export const createAlertHistory = ({ runner, lastEvaluation, deriving }: { runner: Runner; lastEvaluation: () => Evaluation | null; deriving: () => boolean }) => ({
  query: async (query: AlertQuery) => {
    const position = query.position === undefined ? runner.position() : Math.min(query.position, runner.position())
    const state = await runner.stateAt<AlertsState>(alertsProjection.name, position)
    const firing: FiringAlert[] = Object.values(state.tracks)
      .filter((t) => t.state === 'firing' && matches(query, t) && (query.notified === undefined || t.episodeNotified === query.notified))
      .map((t) => ({
        alertId: t.alertId,
        fingerprint: t.fingerprint,
        kind: t.kind,
        targetId: t.targetId,
        region: t.region,
        incidentId: t.incidentId,
        status: t.status,
        sequence: t.sequence,
        since: t.since,
        notified: t.episodeNotified,
      }))
    const history: AlertRecord[] = []
    for (let i = state.history.length - 1; i >= 0 && history.length < query.limit; i--) {
      const record = state.history[i]!
      const subject = { targetId: record.targetId ?? 'elevator-rescue-arrival', region: record.region, fingerprint: record.fingerprint }
      if (!matches(query, subject)) continue
      if (query.status !== undefined && record.status !== query.status) continue
      if (query.notified !== undefined && record.notified !== query.notified) continue
      history.push(record)
    }
    return { position, deriving: deriving(), evaluation: lastEvaluation(), firing, history, dropped: state.dropped }
  },
})

export type AlertHistory = ReturnType<typeof createAlertHistory>
