// The alert reactor: after the runner applies facts (coalesced: at most once per debounce
// interval, plus periodically for statuses that change with time alone), it evaluates every
// plan at `now` (services/read), compares every fingerprint's status with the alert state folded from the
// log, and appends each transition to `alert-{fingerprint}` with a deterministic id and the
// stream's expected revision. A restart, a replay or a second instance therefore never records
// a transition twice: the second writer gets an idempotent no-op or a conflict.
//
// Live or history: what the reactor watches happen is news (sent). A log it has never judged,
// or events it did not see that were recorded long ago (an import), is history: replayed day
// by day (history-replay.ts) and recorded as suppressed backfill, unless alerts.backfill.
import type { Logger } from 'pino'
import { type DerivedTransition, alertEventId, deriveTransitions } from '../../domain/alerts.ts'
import { ConcurrencyError, IdConflict } from '../../domain/errors.ts'
import { clientEventTypes } from '../../domain/events.ts'
import type { Status } from '../../domain/targets.ts'
import { type AlertsState, trackOf } from '../../projections/alerts.ts'
import type { ComplianceState } from '../../projections/compliance.ts'
import type { ComplianceReader } from '../read/compliance-reader.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore, RecordedEvent } from '../store/port.ts'
import type { Checkpoint, EvaluationMark } from './checkpoint.ts'
import { coalesce } from './coalesce.ts'
import type { AlertsConfig } from './config.ts'
import { replayHistory } from './history-replay.ts'

export interface ReactorDeps {
  store: EventStore
  runner: Runner
  reader: ComplianceReader
  config: AlertsConfig
  clock: () => Date
  logger: Logger
  checkpoint: Checkpoint
  /** Whether alerts are derived now (see AlertsConfig.derive). */
  active: () => boolean
}

export interface Evaluation extends EvaluationMark {
  live: boolean
  /** Transitions recorded by this evaluation (history replayed before it included). */
  transitions: number
  replayed: { from: number; to: number } | null
}

const facts = new Set<string>(clientEventTypes)
const markEveryMs = 5_000

export const createReactor = ({ store, runner, reader, config, clock, logger, checkpoint, active }: ReactorDeps) => {
  const observed = new Map<string, Status>()
  let mark = checkpoint.load()
  /** Newest recordedAt of the facts applied since the last evaluation; null: none (time alone moved). */
  let freshest: string | null = null
  let firstEvaluation = true
  let last: Evaluation | null = null
  let unsubscribe: (() => void) | null = null
  let periodic: NodeJS.Timeout | null = null

  const recordedAtOfLastEvent = async (): Promise<string | null> => {
    const head = await store.head()
    for await (const event of store.readAll({ from: Math.max(0, head - 1) })) return event.recordedAt
    return null
  }

  const isRecent = (recordedAt: string, now: string) => Date.parse(now) - Date.parse(recordedAt) <= config.liveWindowMs

  /**
   * What the first evaluation of this process must replay as history: all of a log never
   * judged; the events since the last evaluation when the newest is old (an offline import).
   * Recent ones (the window of a crash) are live news, judged by the ordinary evaluation.
   */
  const historyToReplay = async (alerts: AlertsState, now: string): Promise<{ from: number; to: number } | null> => {
    const to = runner.position()
    if (mark && mark.position > to) mark = null // another log than the one the mark was taken on
    if (!mark && Object.keys(alerts.tracks).length === 0) return { from: 0, to }
    const from = mark?.position ?? 0
    if (to <= from) return null
    const newest = await recordedAtOfLastEvent()
    if (mark && newest !== null && !isRecent(newest, now)) return { from, to }
    // Without a mark, where history ends is unknown: one evaluation, judged by the last event's age.
    freshest = newest
    return null
  }

  // The mark is saved at most every few seconds (and on stop): a stale mark only widens the
  // window of facts judged again after a crash, and judging is idempotent.
  let savedAt = 0
  const saveMark = (force: boolean) => {
    if (!mark || (!force && performance.now() - savedAt < markEveryMs)) return
    checkpoint.save(mark)
    savedAt = performance.now()
  }

  const isLive = (now: string): boolean => config.backfill || freshest === null || isRecent(freshest, now)

  const append = async ({ fingerprint, stream, transition, data }: DerivedTransition): Promise<number | null> => {
    const event = {
      id: alertEventId(fingerprint, transition.sequence, transition.type, transition.to),
      type: transition.type,
      occurredAt: data.evaluatedAt,
      data,
      meta: { principal: 'alerts', requestId: `alerts@${data.position}`, schemaVersion: 1 },
    }
    try {
      const result = await store.append(stream, [event], transition.sequence === 1 ? 'no_stream' : transition.sequence - 2)
      return result.positions[0]!
    } catch (error) {
      if (!(error instanceof ConcurrencyError || error instanceof IdConflict)) throw error
      // Another writer (instance) recorded this fingerprint's next transition first: judge again once it is applied.
      logger.debug({ fingerprint, sequence: transition.sequence }, 'alert transition already recorded by another writer')
      job.request()
      return null
    }
  }

  /** Appends in order per fingerprint, fingerprints side by side (one commit per round on the embedded stores). */
  const record = async (derived: readonly DerivedTransition[]): Promise<number> => {
    const byFingerprint = new Map<string, DerivedTransition[]>()
    for (const d of derived) byFingerprint.set(d.fingerprint, [...(byFingerprint.get(d.fingerprint) ?? []), d])
    const positions = await Promise.all(
      [...byFingerprint.values()].map(async (chain) => {
        let lastPosition = 0
        for (const d of chain) {
          const position = await append(d)
          if (position === null) break
          lastPosition = position
        }
        return lastPosition
      }),
    )
    const highest = Math.max(0, ...positions)
    if (highest > 0) await runner.waitFor(highest)
    return derived.length
  }

  const evaluate = async (): Promise<void> => {
    if (!active()) return
    let replayed: Evaluation['replayed'] = null
    let recorded = 0
    if (firstEvaluation) {
      firstEvaluation = false
      const now = clock().toISOString()
      replayed = await historyToReplay(runner.state<AlertsState>('alerts'), now)
      if (replayed) {
        const alerts = runner.state<AlertsState>('alerts')
        const derived = await replayHistory({ store, runner, reader, ...replayed, now, live: config.backfill, repeatIntervalMs: config.repeatIntervalMs, tracks: alerts.tracks, observed })
        recorded += await record(derived)
        freshest = null
        logger.info({ ...replayed, transitions: derived.length, sent: config.backfill }, 'alert history replayed')
      }
    }
    // From here to the appends nothing awaits: one consistent position of the read models.
    const now = clock().toISOString()
    const live = isLive(now)
    const position = runner.position()
    const alerts = runner.state<AlertsState>('alerts')
    const judged = reader.judge(runner.state<ComplianceState>('compliance'), position, now).map(({ plan, reports }) => ({ plan: { id: plan.plan.id, revision: plan.revision }, reports }))
    const derived = deriveTransitions(judged, { now, position, live, repeatIntervalMs: config.repeatIntervalMs, trackOf: (f) => trackOf(alerts, f), observed })
    freshest = null
    recorded += await record(derived)
    mark = { position, evaluatedAt: now }
    saveMark(false)
    last = { ...mark, live, transitions: recorded, replayed }
    if (derived.length > 0) logger.info({ transitions: derived.length, live, position }, 'alert transitions recorded')
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
      saveMark(true)
    },
    /** Evaluate now and wait until its transitions are recorded and projected. */
    flush: () => job.flush(),
    /** The last evaluation: position, time, live or history, transitions recorded. */
    lastEvaluation: (): Evaluation | null => last,
  }
}

export type Reactor = ReturnType<typeof createReactor>
