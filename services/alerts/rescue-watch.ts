// Rescue overdue: an incident with no rescuer `rescueOverdueMs` after it was reported fires
// rescue.overdue once (deterministic id, expected revision no_stream); its arrival resolves it.
// Only incidents reported within the recent window fire, so a backfilled year pages nobody.
import type { Logger } from 'pino'
import {
  type RescueOverdueData,
  type RescueOverdueResolvedData,
  RescueOverdue,
  RescueOverdueResolved,
  alertEventId,
  alertIdOf,
  alertStream,
  overdueMinutes,
  rescueFingerprint,
} from '../../domain/alerts.ts'
import { ConcurrencyError, IdConflict } from '../../domain/errors.ts'
import { streams } from '../../domain/events.ts'
import type { AwaitingResolution, RescuesState } from '../../projections/rescues.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore, ExpectedRevision, RecordedEvent } from '../store/port.ts'
import { coalesce } from './coalesce.ts'
import type { AlertsConfig } from './config.ts'

export interface RescueWatchDeps {
  store: EventStore
  runner: Runner
  config: AlertsConfig
  clock: () => Date
  logger: Logger
  active: () => boolean
}

const wakeTypes = new Set(['RescueRequested', 'RescuerArrived', 'RescueOverdue'])

export const createRescueWatch = ({ store, runner, config, clock, logger, active }: RescueWatchDeps) => {
  let unsubscribe: (() => void) | null = null
  let periodic: NodeJS.Timeout | null = null

  const append = async (type: 'RescueOverdue' | 'RescueOverdueResolved', data: RescueOverdueData | RescueOverdueResolvedData, expected: ExpectedRevision) => {
    const to = type === 'RescueOverdue' ? 'overdue' : 'arrived'
    const event = { id: alertEventId(data.fingerprint, data.sequence, type, to), type, occurredAt: data.evaluatedAt, data, meta: { principal: 'alerts', requestId: 'rescue-watch', schemaVersion: 1 } }
    try {
      return (await store.append(alertStream(data.fingerprint), [event], expected)).positions[0]!
    } catch (error) {
      if (error instanceof ConcurrencyError || error instanceof IdConflict) return null // another instance was first
      throw error
    }
  }

  /** The arrival recorded in the incident's own stream (when it came before the overdue alert). */
  const arrivalOf = async (incidentId: string): Promise<string | null> => {
    for await (const event of store.readStream(streams.rescue(incidentId)))
      if (event.type === 'RescuerArrived') return (event.data as { arrivedAt: string }).arrivedAt
    return null
  }

  const resolve = async (incidentId: string, waiting: AwaitingResolution, now: string) => {
    const arrivedAt = waiting.arrivedAt ?? (await arrivalOf(incidentId))
    const minutes = arrivedAt === null ? null : Math.max(0, Math.round((Date.parse(arrivedAt) - Date.parse(waiting.reportedAt)) / 600) / 100)
    const data = RescueOverdueResolved.parse({
      alertId: waiting.alertId,
      fingerprint: waiting.fingerprint,
      sequence: 2,
      evaluatedAt: now,
      notify: waiting.notify,
      ...(waiting.notify ? {} : { suppressed: 'backfill' }),
      incidentId,
      region: waiting.region,
      reportedAt: waiting.reportedAt,
      arrivedAt,
      minutesElapsed: minutes,
    })
    return append('RescueOverdueResolved', data, 0)
  }

  const check = async (): Promise<void> => {
    if (!active()) return
    const now = clock().toISOString()
    const { open, arrived } = runner.state<RescuesState>('rescues')
    const policy = { overdueAfterMs: config.rescueOverdueMs, windowMs: config.backfill ? null : config.rescueWindowMs }
    const writes: Promise<number | null>[] = []
    for (const [incidentId, incident] of Object.entries(open)) {
      if (incident.overdue) continue
      const minutesElapsed = overdueMinutes(incident.reportedAt, now, policy)
      if (minutesElapsed === null) continue
      const fingerprint = rescueFingerprint(incidentId)
      const data = RescueOverdue.parse({
        alertId: alertIdOf(fingerprint, 1),
        fingerprint,
        sequence: 1,
        evaluatedAt: now,
        notify: true,
        incidentId,
        region: incident.region,
        ...(incident.elevatorId ? { elevatorId: incident.elevatorId } : {}),
        reportedAt: incident.reportedAt,
        minutesElapsed,
        overdueAfterMinutes: config.rescueOverdueMs / 60_000,
      })
      writes.push(append('RescueOverdue', data, 'no_stream'))
    }
    for (const [incidentId, waiting] of Object.entries(arrived)) writes.push(resolve(incidentId, waiting, now))
    const positions = (await Promise.all(writes)).filter((p): p is number => p !== null)
    if (positions.length > 0) {
      await runner.waitFor(Math.max(...positions))
      logger.info({ recorded: positions.length }, 'rescue overdue alerts recorded')
    }
  }

  const job = coalesce(check, config.debounceMs, logger, 'rescue overdue check')
  const onEvent = (event: RecordedEvent) => {
    if (wakeTypes.has(event.type)) job.request()
  }

  return {
    start: () => {
      if (unsubscribe) return
      job.start()
      unsubscribe = runner.onEvent(onEvent)
      periodic = setInterval(() => job.request(), config.evaluateEveryMs)
      periodic.unref()
      job.request()
    },
    stop: async () => {
      unsubscribe?.()
      unsubscribe = null
      if (periodic) clearInterval(periodic)
      await job.stop()
    },
    flush: () => job.flush(),
  }
}

export type RescueWatch = ReturnType<typeof createRescueWatch>
