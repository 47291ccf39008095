// Alerts of history the reactor did not watch live (a log it never judged, an import with the
// original times): the events are folded again, in position order, into a private compliance
// state, which is evaluated at the end of every day of recorded time that changed it, at that
// day's last recorded instant (what a live reactor would have seen), and finally at `now`.
// The transitions found are what a replay derives: recorded, and sent only when asked
// (alerts.backfill), so loading a year of 2020 pages nobody but stays queryable.
import { type AlertTrack, type DerivedTransition, applyAlertEvent, deriveTransitions } from '../../domain/alerts.ts'
import { clientEventTypes } from '../../domain/events.ts'
import type { Status } from '../../domain/targets.ts'
import { shanghaiDateOfMilliseconds } from '../../domain/time.ts'
import { type ComplianceState, complianceProjection } from '../../projections/compliance.ts'
import type { ComplianceReader } from '../read/compliance-reader.ts'
import type { Runner } from '../runner/runner.ts'
import type { EventStore } from '../store/port.ts'

const facts = new Set<string>(clientEventTypes)

export interface ReplayInput {
  store: EventStore
  runner: Runner
  reader: ComplianceReader
  /** Replay the events after `from` up to `to` (positions). */
  from: number
  to: number
  now: string
  /** False: record the transitions as suppressed backfill; true (alerts.backfill): send them. */
  live: boolean
  repeatIntervalMs: number
  /** The alert state the replay starts from (copied, not changed). */
  tracks: Record<string, AlertTrack>
  /** Each fingerprint's last status, updated as the replay goes. */
  observed: Map<string, Status>
}

export const replayHistory = async ({ store, runner, reader, from, to, now, live, repeatIntervalMs, tracks, observed }: ReplayInput): Promise<DerivedTransition[]> => {
  const start = from === 0 ? complianceProjection.initialState() : await runner.stateAt<ComplianceState>(complianceProjection.name, from)
  let state = structuredClone(start)
  const known = new Map(Object.entries(structuredClone(tracks)))
  const derived: DerivedTransition[] = []

  const judge = (at: string, position: number) => {
    const judged = reader.judge(state, position, at).map(({ plan, reports }) => ({ plan: { id: plan.plan.id, revision: plan.revision }, reports }))
    for (const found of deriveTransitions(judged, { now: at, position, live, repeatIntervalMs, trackOf: (f) => known.get(f), observed })) {
      known.set(found.fingerprint, applyAlertEvent(known.get(found.fingerprint), found.transition.type, found.data, found.stream))
      derived.push(found)
    }
  }

  let day: string | null = null
  let lastRecordedAt = ''
  let position = from
  let changed = false
  if (to > from)
    for await (const event of store.readAll({ from, to })) {
      const eventDay = shanghaiDateOfMilliseconds(Date.parse(event.recordedAt))
      if (changed && eventDay !== day) {
        judge(lastRecordedAt, position)
        changed = false
      }
      state = complianceProjection.evolve(state, event)
      changed ||= facts.has(event.type)
      day = eventDay
      lastRecordedAt = event.recordedAt
      position = event.position
    }
  judge(now, to)
  return derived
}
