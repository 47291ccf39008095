// A stream's history as the deciders read it, for the single path and the batch path alike.
import type { EventStore, RecordedEvent } from '../store/port.ts'

/** Judgements of one fact (or one stream's facts of a batch) at most, when writers in other processes keep winning the race. */
export const maxAttempts = 8

export const readHistory = async (store: EventStore, stream: string): Promise<RecordedEvent[]> => {
  const history: RecordedEvent[] = []
  for await (const event of store.readStream(stream)) history.push(event)
  return history
}

/**
 * The histories of many streams: one query where the store can (`readStreams`, PostgreSQL), one
 * read per stream otherwise (SQLite's reads are local and synchronous; memory's are free).
 */
export const readHistories = async (store: EventStore, streams: readonly string[]): Promise<Map<string, RecordedEvent[]>> => {
  if (store.readStreams) return store.readStreams(streams)
  const histories = new Map<string, RecordedEvent[]>()
  for (const stream of streams) histories.set(stream, await readHistory(store, stream))
  return histories
}
