// Command handling for submitted facts: read the stream, judge the fact with its decider,
// append with the stream's revision as the expected revision; one stream's submissions take turns
// (stream-queue.ts), and a writer in another process that won the race makes us judge again.
import { ConcurrencyError, DomainError, IdConflict } from '../../domain/errors.ts'
import { recordedContextFields, streamOf, type ClientEvent } from '../../domain/events.ts'
import { judge } from '../../domain/decide/index.ts'
import type { PlanDirectory } from '../../domain/plan-directory.ts'
import { parseClientEvent } from '../../domain/parse-event.ts'
import { newEventId, normalizeEventId } from '../store/event-ids.ts'
import { canonicalJson } from '../store/hashing.ts'
import type { EventStore, RecordedEvent } from '../store/port.ts'
import { createStreamQueue } from './stream-queue.ts'
import { now as stageNow, profilingStages, record } from '../stage-profile.ts'
import { assertMayReport, assertMaySubmitFor, type Principal } from '../auth/principal.ts'
import type { RegionId } from '../../domain/regions.ts'

export interface Submitted {
  /** 201 when appended now, 200 when the same id and content were already recorded. */
  status: 201 | 200
  id: string
  stream: string
  revision: number
  position: number
}

export interface BatchItem {
  index: number
  status: number
  id?: string
  stream?: string
  revision?: number
  position?: number
  error?: { code: string; message: string; details?: unknown }
}

export interface IngestDeps {
  store: EventStore
  /** What decisions need of the plans that exist now (readings' and milestones' plan, regions). */
  plans: () => PlanDirectory
  clock: () => Date
  newId?: () => string
}

const maxAttempts = 8

/** Streams of a batch judged and appended together before the batch yields to the event loop. */
const batchChunk = 50

/** Lets the event loop answer other requests (I/O callbacks run before setImmediate's). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

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
const judgedAlone = (event: ClientEvent): boolean => event.type === 'IndicatorReported' && event.id === undefined

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

const readHistory = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
  const history: RecordedEvent[] = []
  for await (const event of store.readStream(stream)) history.push(event)
  return history
}

export const createIngest = ({ store, plans, clock, newId = newEventId }: IngestDeps) => {
  const queue = createStreamQueue()

  const submit = (principal: Principal, event: ClientEvent, requestId: string): Promise<Submitted> => {
    const stream = streamOf(event)
    // A reading judged alone is appended at 'any' and never conflicts: it need not wait its turn.
    if (judgedAlone(event)) return decideAndAppend(principal, event, requestId, stream, true)
    if (!profilingStages) return queue.run(stream, () => decideAndAppend(principal, event, requestId, stream, false))
    const queued = stageNow()
    return queue.run(stream, () => (record('ingest.queue', queued), decideAndAppend(principal, event, requestId, stream, false)))
  }

  const decideAndAppend = async (principal: Principal, event: ClientEvent, requestId: string, stream: string, alone: boolean): Promise<Submitted> => {
    // A uuid in upper or lower case names one event (docs/ARCHITECTURE.md §3): lowered first.
    const id = event.id === undefined ? newId() : normalizeEventId(event.id)
    for (let attempt = 1; ; attempt++) {
      let since = profilingStages ? stageNow() : 0n
      const history = alone ? [] : await readHistory(store, stream)
      if (profilingStages) (record('ingest.read', since), (since = stageNow()))
      const now = clock().toISOString()
      const judgement = judge(history, event, { plans: plans(), now })
      // Scope is checked on what the stream already knows, then again on the decided event
      // (a milestone item may carry its region only in its plan).
      if (judgement.region !== null) assertMayDecideOn(principal, event, judgement.region, () => judge([], event, { plans: plans(), now }).decide())
      else assertMayReport(principal)

      const original = event.id === undefined ? undefined : history.find((e) => e.id === id)
      if (original) {
        if (!sameContent(original, event))
          throw new IdConflict(id, `id: event ${id} is already recorded in ${stream} with other content`)
        return { status: 200, id, stream, revision: original.revision, position: original.position }
      }

      const decision = judgement.decide()
      assertMaySubmitFor(principal, (decision.data as { region?: RegionId }).region ?? null)

      const last = history.at(-1)
      if (profilingStages) (record('ingest.decide', since), (since = stageNow()))
      try {
        const result = await store.append(
          stream,
          [
            {
              id,
              type: decision.type,
              occurredAt: event.occurredAt ?? now,
              data: decision.data,
              meta: { principal: principal.keyId, requestId, schemaVersion: 1 },
            },
          ],
          alone ? 'any' : last ? last.revision : 'no_stream',
        )
        if (profilingStages) record('ingest.append (wait until durable)', since)
        return {
          status: result.idempotent ? 200 : 201,
          id,
          stream,
          revision: result.nextRevision,
          position: result.positions[0]!,
        }
      } catch (error) {
        // Another writer appended to this stream since we read it: judge again on the new history.
        if (error instanceof ConcurrencyError && attempt < maxAttempts) continue
        throw error
      }
    }
  }

  /**
   * Each item judged on its own; items of one stream keep request order; streams run concurrently,
   * `batchChunk` of them at a time, and the batch yields to the event loop between chunks (and
   * between chunks of parsing), so other requests are answered while a big batch runs.
   */
  const submitBatch = async (principal: Principal, inputs: readonly unknown[], requestId: string): Promise<BatchItem[]> => {
    const items: BatchItem[] = new Array(inputs.length)
    const byStream = new Map<string, { index: number; event: ClientEvent }[]>()
    for (let index = 0; index < inputs.length; index++) {
      if (index > 0 && index % (batchChunk * 4) === 0) await yieldToLoop()
      const input = inputs[index]
      try {
        const event = parseClientEvent(input)
        const stream = streamOf(event)
        const group = byStream.get(stream)
        if (group) group.push({ index, event })
        else byStream.set(stream, [{ index, event }])
      } catch (error) {
        items[index] = failure(index, error)
      }
    }
    const groups = [...byStream.values()]
    for (let start = 0; start < groups.length; start += batchChunk) {
      if (start > 0) await yieldToLoop()
      await Promise.all(
        groups.slice(start, start + batchChunk).map(async (group) => {
          for (const { index, event } of group) {
            try {
              const done = await submit(principal, event, requestId)
              items[index] = { index, status: done.status, id: done.id, stream: done.stream, revision: done.revision, position: done.position }
            } catch (error) {
              items[index] = failure(index, error)
            }
          }
        }),
      )
    }
    return items
  }

  return { submit, submitBatch }
}

const failure = (index: number, error: unknown): BatchItem => {
  if (error instanceof DomainError)
    return {
      index,
      status: error.status,
      error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
    }
  throw error
}

export type Ingest = ReturnType<typeof createIngest>
