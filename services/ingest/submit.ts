// Command handling for submitted facts: read the stream, judge the fact with its decider
// (judge-fact.ts), append with the stream's revision as the expected revision; one stream's
// submissions take turns (stream-queue.ts), and a writer in another process that won the race
// makes us judge again. A batch judges first and writes once per stream (submit-batch.ts).
import { ConcurrencyError } from '../../domain/errors.ts'
import { streamOf, type ClientEvent } from '../../domain/events.ts'
import type { PlanDirectory } from '../../domain/plan-directory.ts'
import { newEventId, normalizeEventId } from '../store/event-ids.ts'
import type { EventStore } from '../store/port.ts'
import { createStreamQueue } from './stream-queue.ts'
import { now as stageNow, profilingStages, record } from '../stage-profile.ts'
import type { Principal } from '../auth/principal.ts'
import { maxAttempts, readHistory } from './history.ts'
import { judgedAlone, judgeFact } from './judge-fact.ts'
import { createBatchSubmitter } from './submit-batch.ts'

export interface Submitted {
  /** 201 when appended now, 200 when the same id and content were already recorded. */
  status: 201 | 200
  id: string
  stream: string
  revision: number
  position: number
}

export type { BatchItem } from './submit-batch.ts'

export interface IngestDeps {
  store: EventStore
  /** What decisions need of the plans that exist now (readings' and milestones' plan, regions). */
  plans: () => PlanDirectory
  clock: () => Date
  newId?: () => string
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
      const verdict = judgeFact(history, event, id, { principal, plans: plans(), now, requestId })
      if (verdict.kind === 'recorded') return { status: 200, id, stream, revision: verdict.original.revision, position: verdict.original.position }
      const last = history.at(-1)
      if (profilingStages) (record('ingest.decide', since), (since = stageNow()))
      try {
        const result = await store.append(stream, [verdict.event], alone ? 'any' : last ? last.revision : 'no_stream')
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

  const submitBatch = createBatchSubmitter({ store, plans, clock, newId, queue, submitOne: decideAndAppend })

  return { submit, submitBatch }
}

export type Ingest = ReturnType<typeof createIngest>
