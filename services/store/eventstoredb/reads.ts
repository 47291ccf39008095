// Reads for the adapter, in pages: each page is one complete server call collected before any
// event is handed on, so a consumer that stops early never leaves a gRPC stream half-read.
import { BACKWARDS, END, FORWARDS, StreamNotFoundError, type ResolvedEvent } from '@eventstore/db-client'
import { StoreUnavailable } from '../../../domain/errors.ts'
import { noStream, toIsoInstant, type RecordedIdentity } from '../append-rules.ts'
import { canonicalJson, genesisHash } from '../hashing.ts'
import type { Position, ReadAllOptions, ReadStreamOptions, RecordedEvent } from '../port.ts'
import type { EsdbClient } from './connection.ts'
import { startingPoint } from './positions.ts'
import { fromEsdbRecord } from './records.ts'

const pageSize = 500

/** Every resolved event of one read call; a missing stream reads as empty. */
const collect = async (read: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> => {
  const page: ResolvedEvent[] = []
  try {
    for await (const resolved of read) page.push(resolved)
  } catch (error) {
    if (error instanceof StreamNotFoundError) return []
    throw error
  }
  return page
}

/** The last record of a stream (any stream, reservations included), or undefined. */
export const readLastRecord = async (client: EsdbClient, stream: string) =>
  (await collect(client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })))[0]?.event

export async function* readStreamEvents(client: EsdbClient, stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
  let revision = BigInt(options.fromRevision ?? 0)
  let remaining = options.limit ?? Infinity
  while (remaining > 0) {
    const want = Math.min(pageSize, remaining)
    const page = await collect(client.readStream(stream, { direction: FORWARDS, fromRevision: revision, maxCount: want }))
    for (const resolved of page) {
      const event = fromEsdbRecord(resolved.event)
      if (event !== null) yield event
    }
    if (page.length < want) return
    revision = page[page.length - 1].event!.revision + 1n
    remaining -= page.length
  }
}

/**
 * $all forwards, events with from < position <= to. Records that are not part of the log
 * (system streams, reservations) are skipped but still move the cursor on. Whether the server
 * returns the record at the starting position or not, it is skipped here by position.
 */
export async function* readAllEvents(client: EsdbClient, options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
  let cursor = options.from ?? 0
  const to = options.to ?? Number.MAX_SAFE_INTEGER
  let remaining = options.limit ?? Infinity
  let fromPosition = startingPoint(cursor)
  while (remaining > 0) {
    const page = await collect(client.readAll({ direction: FORWARDS, fromPosition, maxCount: pageSize }))
    for (const resolved of page) {
      const event = fromEsdbRecord(resolved.event)
      if (event === null || event.position <= cursor) continue
      if (event.position > to) return
      cursor = event.position
      yield event
      if (--remaining === 0) return
    }
    if (page.length < pageSize) return
    const last = page[page.length - 1].event?.position
    if (last === undefined) throw new StoreUnavailable('EventStoreDB returned a $all record without its position')
    fromPosition = last
  }
}

/** $all backwards from the end, the log's events only, until `stop` returns true. */
const scanBackwards = async (client: EsdbClient, stop: (event: RecordedEvent) => boolean): Promise<RecordedEvent | undefined> => {
  let fromPosition: typeof END | { commit: bigint; prepare: bigint } = END
  let want = 32
  for (;;) {
    const page = await collect(client.readAll({ direction: BACKWARDS, fromPosition, maxCount: want }))
    for (const resolved of page) {
      const event = fromEsdbRecord(resolved.event)
      if (event !== null && stop(event)) return event
    }
    if (page.length < want) return undefined
    const last = page[page.length - 1].event?.position
    if (last === undefined) throw new StoreUnavailable('EventStoreDB returned a $all record without its position')
    // The next page must start before this record: a backwards read from a position may include it.
    fromPosition = last
    want = pageSize
  }
}

/** The log's last event, or undefined when it has none. */
export const readHeadEvent = (client: EsdbClient): Promise<RecordedEvent | undefined> => scanBackwards(client, () => true)

export const readHead = async (client: EsdbClient): Promise<Position> => (await readHeadEvent(client))?.position ?? 0

/**
 * The last position recorded at or before `instant`. EventStoreDB cannot seek $all by time, so
 * this reads backwards from the end: its cost grows with the events recorded after the instant.
 */
export const readPositionAt = async (client: EsdbClient, instant: string): Promise<Position> => {
  const limit = toIsoInstant(instant, 'instant')
  let seen = Infinity
  const found = await scanBackwards(client, (event) => {
    // A page boundary may repeat the record it started from; positions only go down.
    if (event.position >= seen) return false
    seen = event.position
    return event.recordedAt <= limit
  })
  return found?.position ?? 0
}

export interface StreamTail {
  /** The stream's last revision (noStream when it has none). */
  current: number
  /** meta.hash of the last event: the prevHash of the next one. */
  lastHash: string
  /** The events among `ids` recorded after position `since`. */
  found: Map<string, RecordedIdentity>
}

/**
 * A stream read backwards from its end: its last revision and hash, and which of `ids` it holds
 * after position `since`. An event can only be written after its id was reserved (reservations.ts),
 * so the scan stops at the reservation's position instead of reading the whole stream.
 */
export const readStreamTail = async (client: EsdbClient, stream: string, ids: ReadonlySet<string>, since: Position): Promise<StreamTail> => {
  const tail: StreamTail = { current: noStream, lastHash: genesisHash, found: new Map() }
  let fromRevision: bigint | typeof END = END
  let want = 8
  for (;;) {
    const page = await collect(client.readStream(stream, { direction: BACKWARDS, fromRevision, maxCount: want }))
    for (const resolved of page) {
      const event = fromEsdbRecord(resolved.event)
      if (event === null) {
        throw new StoreUnavailable(`stream ${stream} holds a record targetwatch did not write (revision ${resolved.event?.revision}); its hash chain cannot go on`)
      }
      if (tail.current === noStream) {
        tail.current = event.revision
        tail.lastHash = event.meta.hash
      }
      if (event.position <= since) return tail
      if (ids.has(event.id)) {
        const { type, revision, position } = event
        tail.found.set(event.id, { stream, type, dataJson: canonicalJson(event.data), revision, position })
      }
    }
    const lastRevision = page.at(-1)?.event?.revision
    if (page.length < want || lastRevision === undefined || lastRevision === 0n) return tail
    fromRevision = lastRevision - 1n
    want = 100
  }
}

/** Positions of `count` events from `fromRevision`, read back after an append. */
export const readPositions = async (client: EsdbClient, stream: string, fromRevision: number, count: number): Promise<Position[]> => {
  const page = await collect(client.readStream(stream, { direction: FORWARDS, fromRevision: BigInt(fromRevision), maxCount: count }))
  const events = page.map((resolved) => fromEsdbRecord(resolved.event))
  if (events.length !== count || events.some((event) => event === null)) {
    throw new StoreUnavailable(`append to ${stream} was acknowledged but revisions ${fromRevision}..${fromRevision + count - 1} do not read back`)
  }
  return events.map((event) => event!.position)
}

