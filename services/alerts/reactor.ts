// The alert reactor: after the runner applies facts (coalesced: at most once per debounce
// interval, plus periodically for statuses that change with time), it evaluates the catalog at
// `now`, compares every fingerprint's status with the alert state folded from the log, and
// appends each transition to `alert-{fingerprint}` with a deterministic id and the stream's
// expected revision. A restart, a replay or a second instance therefore never records the same
// transition twice: the second writer gets an idempotent no-op or a conflict, never a duplicate.
import type { Logger } from 'pino'
import { type TargetAlertData, type Transition, AlertRaised, alertEventId, alertStream, decideTransition, targetFingerprint } from '../../domain/alerts.ts'
import { ConcurrencyError, IdConflict } from '../../domain/errors.ts'
import { type TargetReport, evaluateCatalog } from '../../domain/evaluate.ts'
import { clientEventTypes } from '../../domain/events.ts'
import { provinceId } from '../../domain/regions.ts'
import type { Catalog, Status } from '../../domain/targets.ts'
import { type AlertsState, trackOf } from '../../projections/alerts.ts'
import type { ComplianceState } from '../../projections/compliance.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore, RecordedEvent } from '../store/port.ts'
import type { Checkpoint, EvaluationMark } from './checkpoint.ts'
import { coalesce } from './coalesce.ts'
import type { AlertsConfig } from './config.ts'

export interface ReactorDeps {
  store: EventStore
  runner: Runner
  catalog: Catalog
  config: AlertsConfig
  clock: () => Date
  logger: Logger
  checkpoint: Checkpoint
  /** Whether alerts are derived now (see AlertsConfig.derive). */
  active: () => boolean
}

export interface Evaluation extends EvaluationMark {
  live: boolean
  transitions: number
}

const facts = new Set<string>(clientEventTypes)

const finite = (value: number | null | undefined): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)

/** Each scope of a report: the province, then every listed region. */
const scopesOf = (report: TargetReport) => [
  { scope: provinceId as string, status: report.status, value: report.value, threshold: report.threshold },
  ...report.regions.map((r) => ({ scope: r.region as string, status: r.status, value: r.value, threshold: r.threshold ?? report.threshold })),
]

export const createReactor = ({ store, runner, catalog, config, clock, logger, checkpoint, active }: ReactorDeps) => {
  const observed = new Map<string, Status>()
  let mark = checkpoint.load()
  /** Newest recordedAt of the facts applied since the last evaluation; null: none (time alone moved). */
  let freshest: string | null = null
  let startup = true
  let last: Evaluation | null = null
  let unsubscribe: (() => void) | null = null
  let periodic: NodeJS.Timeout | null = null

  const newestRecordedAt = async (): Promise<string | null> => {
    const head = await store.head()
    for await (const event of store.readAll({ from: Math.max(0, head - 1) })) return event.recordedAt
    return null
  }

  /** At the first evaluation: no mark and no alert yet means this log was never judged (baseline). */
  let baseline = false
  const loadStartup = async (alerts: AlertsState): Promise<void> => {
    startup = false
    const head = await store.head()
    if (mark && mark.position > head) mark = null // another log than the one the mark was taken on
    baseline = !mark && Object.keys(alerts.tracks).length === 0
    if (!mark || head > mark.position) freshest = (await newestRecordedAt()) ?? freshest
  }

  /**
   * Live news, or history? Backfill on: everything is news. The baseline of a log never judged
   * is history. Otherwise the facts since the last evaluation decide: none (time alone moved)
   * or recent ones are live; only old ones (an import with its original times) are history.
   */
  const isLive = (now: string): boolean => {
    if (config.backfill) return true
    if (baseline) return false
    if (freshest === null) return true
    return Date.parse(now) - Date.parse(freshest) <= config.liveWindowMs
  }

  const record = async (fingerprint: string, transition: Transition, data: TargetAlertData): Promise<number | null> => {
    const id = alertEventId(fingerprint, transition.sequence, transition.type, transition.to)
    const expected = transition.sequence === 1 ? 'no_stream' : transition.sequence - 2
    try {
      const event = { id, type: transition.type, occurredAt: data.evaluatedAt, data: AlertRaised.parse(data), meta: { principal: 'alerts', requestId: `alerts@${data.position}`, schemaVersion: 1 } }
      const result = await store.append(alertStream(fingerprint), [event], expected)
      return result.positions[0]!
    } catch (error) {
      if (!(error instanceof ConcurrencyError || error instanceof IdConflict)) throw error
      // Another instance recorded this fingerprint's next transition first: judge again once it is applied.
      logger.debug({ fingerprint, sequence: transition.sequence }, 'alert transition already recorded by another writer')
      job.request()
      return null
    }
  }

  const evaluate = async (): Promise<void> => {
    if (!active()) return
    const alerts = runner.state<AlertsState>('alerts')
    if (startup) await loadStartup(alerts)
    // From here to the appends nothing awaits: the state read is one consistent position.
    const now = clock().toISOString()
    const live = isLive(now)
    baseline = false
    const position = runner.position()
    const reports = evaluateCatalog(runner.state<ComplianceState>('compliance'), catalog, { at: now })
    freshest = null
    const writes: Promise<number | null>[] = []
    for (const report of reports) {
      const target = catalog.targets.find((t) => t.id === report.id)!
      for (const { scope, status, value, threshold } of scopesOf(report)) {
        const fingerprint = targetFingerprint(report.id, scope)
        const previousObserved = observed.get(fingerprint)
        observed.set(fingerprint, status)
        const transition = decideTransition(trackOf(alerts, fingerprint), status, {
          fingerprint,
          now,
          live,
          repeatIntervalMs: config.repeatIntervalMs,
          ...(previousObserved ? { previousObserved } : {}),
        })
        if (!transition) continue
        writes.push(
          record(fingerprint, transition, {
            alertId: transition.alertId,
            fingerprint,
            sequence: transition.sequence,
            evaluatedAt: now,
            notify: transition.notify,
            ...(transition.suppressed ? { suppressed: transition.suppressed } : {}),
            targetId: report.id,
            region: scope as TargetAlertData['region'],
            from: transition.from,
            to: transition.to,
            value: finite(value),
            threshold: finite(threshold) ?? target.threshold,
            comparator: target.comparator,
            position,
            title: target.title,
            clause: target.clause,
            responsibleUnits: target.responsibleUnits,
            ...(transition.reminder ? { reminder: true as const } : {}),
          }),
        )
      }
    }
    // Appends to distinct streams in one turn share one commit on the embedded stores.
    const positions = (await Promise.all(writes)).filter((p): p is number => p !== null)
    if (positions.length > 0) await runner.waitFor(Math.max(...positions))
    mark = { position, evaluatedAt: now }
    checkpoint.save(mark)
    last = { ...mark, live, transitions: positions.length }
    if (positions.length > 0) logger.info({ transitions: positions.length, live, position }, 'alert transitions recorded')
  }

  const job = coalesce(evaluate, config.debounceMs, logger, 'alert evaluation')

  const onEvent = (event: RecordedEvent) => {
    if (facts.has(event.type)) {
      if (freshest === null || event.recordedAt > freshest) freshest = event.recordedAt
      job.request()
    } else if (event.type === 'WebhookSubscribed') job.request()
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
    /** Evaluate now and wait for the transitions to be recorded and projected. */
    flush: () => job.flush(),
    /** The last evaluation: position, time, live or history, transitions recorded. */
    lastEvaluation: (): Evaluation | null => last,
  }
}

export type Reactor = ReturnType<typeof createReactor>
