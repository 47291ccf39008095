// One fact judged against its stream's history: scope, the retry of an id already recorded, and
// the decider's verdict. Shared by the single path (submit.ts) and the batch path (submit-batch.ts)
// so the two can never answer the same fact differently.
import { IdConflict } from '../../domain/errors.ts'
import { recordedContextFields, type ClientEvent } from '../../domain/events.ts'
import { judge } from '../../domain/decide/index.ts'
import type { PlanDirectory } from '../../domain/plan-directory.ts'
import type { RegionId } from '../../domain/regions.ts'
import { canonicalJson } from '../store/hashing.ts'
import type { NewEvent, RecordedEvent } from '../store/port.ts'
import { assertMayReport, assertMaySubmitFor, type Principal } from '../auth/principal.ts'

/** The recorded event as its client sent it: without the context the service added (fields the client did not give). */
const clientView = (recorded: RecordedEvent, sent: Record<string, unknown>): string => {
  const data = { ...(recorded.data as Record<string, unknown>) }
  for (const field of recordedContextFields[recorded.type as keyof typeof recordedContextFields] ?? []) if (!(field in sent)) delete data[field]
  return canonicalJson({ type: recorded.type, data })
}

const sameContent = (recorded: RecordedEvent, event: ClientEvent): boolean =>
  clientView(recorded, event.data as Record<string, unknown>) === canonicalJson({ type: event.type, data: event.data }) &&
  (event.occurredAt === undefined || Date.parse(event.occurredAt) === Date.parse(recorded.occurredAt))

// A reading (IndicatorReported) is judged on its own data and the plans: its decider reads
// nothing from the stream, which holds every report of one indicator in one region and only
// grows. So a reading sent without an id is not read against its stream nor held to a revision
// ('any'); one sent with an id reads the stream, to answer a retry with the original.
export const judgedAlone = (event: ClientEvent): boolean => event.type === 'IndicatorReported' && event.id === undefined

/**
 * Scope check of a fact on its stream's region. A fact that names no region of its own (a
 * correction, an arrival) takes its stream's: when that region is outside the key's scope, the
 * answer is the one for a stream that does not exist (`judgeOnEmpty` throws it), so a scoped key
 * cannot probe which ids exist in other regions (issue 16 item 7).
 */
const assertMayDecideOn = (principal: Principal, event: ClientEvent, streamRegion: RegionId, judgeOnEmpty: () => unknown): void => {
  const ownRegion = (event.data as { region?: RegionId }).region
  if (ownRegion === undefined && principal.regions !== null && !principal.regions.includes(streamRegion)) {
    assertMayReport(principal)
    judgeOnEmpty()
  }
  assertMaySubmitFor(principal, streamRegion)
}

export interface FactContext {
  principal: Principal
  plans: PlanDirectory
  /** ISO instant of the decision (and the default occurredAt). */
  now: string
  requestId: string
}

/** Already recorded with the same id and content (a retry: 200 with the original), or a new event to append. */
export type FactVerdict = { kind: 'recorded'; original: RecordedEvent } | { kind: 'new'; event: NewEvent }

/** Judges `event` (whose id is `id`, normalised or minted) on `history`; throws the DomainError that refuses it. */
export const judgeFact = (history: readonly RecordedEvent[], event: ClientEvent, id: string, { principal, plans, now, requestId }: FactContext): FactVerdict => {
  const judgement = judge(history, event, { plans, now })
  // Scope is checked on what the stream already knows, then again on the decided event (a
  // milestone item may carry its region only in its plan).
  if (judgement.region !== null) assertMayDecideOn(principal, event, judgement.region, () => judge([], event, { plans, now }).decide())
  else assertMayReport(principal)

  const original = event.id === undefined ? undefined : history.find((recorded) => recorded.id === id)
  if (original) {
    if (!sameContent(original, event)) throw new IdConflict(id, `id: event ${id} is already recorded in ${original.stream} with other content`)
    return { kind: 'recorded', original }
  }

  const decision = judgement.decide()
  assertMaySubmitFor(principal, (decision.data as { region?: RegionId }).region ?? null)
  return {
    kind: 'new',
    event: { id, type: decision.type, occurredAt: event.occurredAt ?? now, data: decision.data, meta: { principal: principal.keyId, requestId, schemaVersion: 1 } },
  }
}
