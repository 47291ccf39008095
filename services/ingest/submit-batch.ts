// POST /v1/events/batch: judge first, write once per stream (issue 18 item 2). The facts are
// parsed and grouped by stream; the histories of the streams a chunk touches are read together
// (one query on PostgreSQL, readHistories); each stream's facts are judged in request order
// against its history, each accepted fact joining that history before the next is judged (a
// correction after its batch in the same request), and a stream's accepted facts go to the
// store as one append at the revision that was read. The appends of a chunk share one
// group-commit transaction. A refused fact refuses only itself: the per-item answers are those
// the facts would get one by one through POST /v1/events (test/ingest/batch-judged-first.test.ts).
import { ConcurrencyError, DomainError } from '../../domain/errors.ts'
import { streamOf, type ClientEvent } from '../../domain/events.ts'
import type { PlanDirectory } from '../../domain/plan-directory.ts'
import { parseClientEvent } from '../../domain/parse-event.ts'
import type { Principal } from '../auth/principal.ts'
import { normalizeEventId } from '../store/event-ids.ts'
import type { EventMeta, EventStore, NewEvent, RecordedEvent } from '../store/port.ts'
import { maxAttempts, readHistories } from './history.ts'
import { judgedAlone, judgeFact } from './judge-fact.ts'
import type { StreamQueue } from './stream-queue.ts'
import type { Submitted } from './submit.ts'

export interface BatchItem {
  index: number
  status: number
  id?: string
  stream?: string
  revision?: number
  position?: number
  error?: { code: string; message: string; details?: unknown }
}

export interface BatchDeps {
  store: EventStore
  plans: () => PlanDirectory
  clock: () => Date
  newId: () => string
  /** The per-stream turns shared with the single path, so a batch and a POST /v1/events on one stream never interleave. */
  queue: StreamQueue
  /** The single path's judge-and-append of one fact, inside the stream's turn (the fallback below). */
  submitOne: (principal: Principal, event: ClientEvent, requestId: string, stream: string, alone: boolean) => Promise<Submitted>
}

/** Streams judged and appended together (one group commit) before the batch yields to the event loop. */
export const chunkStreams = 400

/** Lets the event loop answer other requests (I/O callbacks run before setImmediate's). */
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve))

interface Slot {
  index: number
  event: ClientEvent
  /** The event's id: the client's, normalised, or minted now. */
  id: string
}

/** A slot's answer once judged: final, or waiting for its stream's append (`pending` = the event's index in it). */
type Answer = { kind: 'final'; item: BatchItem } | { kind: 'pending'; pending: number; status: 200 | 201 } | { kind: 'refused'; error: DomainError }

export const failure = (index: number, error: unknown): BatchItem => {
  if (error instanceof DomainError)
    return {
      index,
      status: error.status,
      error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
    }
  throw error
}

/**
 * Reads asked for in the same event-loop turn are answered by one readHistories: the turns of a
 * chunk's streams start together, so their histories arrive in one query.
 */
const createCoalescingReader = (store: EventStore) => {
  let waiting: Map<string, { resolve: (history: RecordedEvent[]) => void; reject: (error: unknown) => void }[]> | null = null
  const flush = async () => {
    const batch = waiting!
    waiting = null
    try {
      const histories = await readHistories(store, [...batch.keys()])
      for (const [stream, readers] of batch) for (const reader of readers) reader.resolve([...(histories.get(stream) ?? [])])
    } catch (error) {
      for (const readers of batch.values()) for (const reader of readers) reader.reject(error)
    }
  }
  return (stream: string): Promise<RecordedEvent[]> =>
    new Promise((resolve, reject) => {
      if (waiting === null) {
        waiting = new Map()
        setImmediate(flush)
      }
      const readers = waiting.get(stream)
      if (readers) readers.push({ resolve, reject })
      else waiting.set(stream, [{ resolve, reject }])
    })
}

/** An accepted fact as the next fact of its stream in the batch sees it (position unknown until written). */
const asRecorded = (event: NewEvent, stream: string, revision: number, now: string): RecordedEvent => ({
  id: event.id,
  type: event.type,
  stream,
  revision,
  position: 0,
  occurredAt: event.occurredAt,
  recordedAt: now,
  data: event.data,
  meta: event.meta as EventMeta,
})

export const createBatchSubmitter = ({ store, plans, clock, newId, queue, submitOne }: BatchDeps) => {
  const read = createCoalescingReader(store)

  /** One stream's facts: judged in order on one read, appended at once; answers written into `items`. */
  const submitStream = async (principal: Principal, stream: string, slots: Slot[], requestId: string, items: BatchItem[]): Promise<void> => {
    // Readings judged alone read nothing and are appended at 'any' (judge-fact.ts).
    const alone = slots.every((slot) => judgedAlone(slot.event))
    for (let attempt = 1; ; attempt++) {
      const history = alone ? [] : await read(stream)
      const last = history.at(-1)
      const firstRevision = (last?.revision ?? -1) + 1
      const now = clock().toISOString()
      const context = { principal, plans: plans(), now, requestId }
      const pending: NewEvent[] = []
      const pendingById = new Map<string, number>()
      const answers = slots.map((slot): Answer => {
        try {
          const verdict = judgeFact(history, slot.event, slot.id, context)
          if (verdict.kind === 'recorded') {
            // The same fact twice in one batch: the second is a retry of the first.
            const earlier = pendingById.get(verdict.original.id)
            if (earlier !== undefined) return { kind: 'pending', pending: earlier, status: 200 }
            const { original } = verdict
            return { kind: 'final', item: { index: slot.index, status: 200, id: slot.id, stream, revision: original.revision, position: original.position } }
          }
          const at = pending.push(verdict.event) - 1
          pendingById.set(verdict.event.id, at)
          history.push(asRecorded(verdict.event, stream, firstRevision + at, now))
          return { kind: 'pending', pending: at, status: 201 }
        } catch (error) {
          if (error instanceof DomainError) return { kind: 'refused', error }
          throw error
        }
      })
      const settle = (written: ((at: number, status: 200 | 201) => BatchItem) | null, failed: unknown) =>
        answers.forEach((answer, i) => {
          const index = slots[i].index
          if (answer.kind === 'final') items[index] = answer.item
          else if (answer.kind === 'refused') items[index] = failure(index, answer.error)
          else items[index] = written ? { ...written(answer.pending, answer.status), index } : failure(index, failed)
        })
      if (pending.length === 0) return settle(null, null)
      try {
        const result = await store.append(stream, pending, alone ? 'any' : last ? last.revision : 'no_stream')
        const firstWritten = result.nextRevision - pending.length + 1
        return settle(
          (at, status) => ({
            index: 0,
            status: result.idempotent ? 200 : status,
            id: pending[at].id,
            stream,
            revision: firstWritten + at,
            position: result.positions[at]!,
          }),
          null,
        )
      } catch (error) {
        // Another writer moved the stream since it was read: read it again and judge again.
        if (error instanceof ConcurrencyError && attempt < maxAttempts) continue
        // The store refused one of the events (its id is recorded in another stream, say): the
        // append wrote nothing, so the facts go one by one, each answered as on its own.
        if (error instanceof DomainError && error.status < 500) return submitOneByOne(principal, stream, slots, requestId, items)
        // The store could not write (full disk, lost connection): nothing of this stream was.
        return settle(null, error)
      }
    }
  }

  const submitOneByOne = async (principal: Principal, stream: string, slots: Slot[], requestId: string, items: BatchItem[]) => {
    for (const { index, event } of slots) {
      try {
        const done = await submitOne(principal, event, requestId, stream, judgedAlone(event))
        items[index] = { index, status: done.status, id: done.id, stream: done.stream, revision: done.revision, position: done.position }
      } catch (error) {
        items[index] = failure(index, error)
      }
    }
  }

  /**
   * Streams run `chunkStreams` at a time, two chunks in flight, and the batch yields to the event loop between chunks
   * (and between chunks of parsing), so other requests are answered while a big batch runs.
   */
  return async (principal: Principal, inputs: readonly unknown[], requestId: string): Promise<BatchItem[]> => {
    const items: BatchItem[] = new Array(inputs.length)
    const byStream = new Map<string, Slot[]>()
    for (let index = 0; index < inputs.length; index++) {
      if (index > 0 && index % (chunkStreams * 4) === 0) await yieldToLoop()
      try {
        const event = parseClientEvent(inputs[index])
        const stream = streamOf(event)
        // A uuid in upper or lower case names one event (docs/ARCHITECTURE.md §3): lowered first.
        const slot = { index, event, id: event.id === undefined ? newId() : normalizeEventId(event.id) }
        const slots = byStream.get(stream)
        if (slots) slots.push(slot)
        else byStream.set(stream, [slot])
      } catch (error) {
        items[index] = failure(index, error)
      }
    }
    const streams = [...byStream]
    // Two chunks in flight: the next is read and judged on this thread while the writer commits
    // the one before (its streams are others: a stream's facts are all in one chunk).
    let previous: Promise<unknown> = Promise.resolve()
    for (let start = 0; start < streams.length; start += chunkStreams) {
      if (start > 0) await yieldToLoop()
      const chunk = Promise.all(
        streams.slice(start, start + chunkStreams).map(([stream, slots]) =>
          slots.every((slot) => judgedAlone(slot.event))
            ? submitStream(principal, stream, slots, requestId, items)
            : queue.run(stream, () => submitStream(principal, stream, slots, requestId, items)),
        ),
      )
      // Awaited below; until then a failure of it is not an unhandled rejection.
      chunk.catch(() => {})
      await previous
      previous = chunk
    }
    await previous
    return items
  }
}
