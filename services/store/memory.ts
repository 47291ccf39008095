// The in-process store: the reference semantics every adapter is held to (test/contract/).
// Appends are applied synchronously when called, so concurrent callers serialise in call order.
import { StoreUnavailable } from '../../domain/errors.ts'
import { checkExpectedRevision, judgeReplay, noStream, prepareAppend, stampRecordedAt, toIsoInstant } from './append-rules.ts'
import { currentHashVersion, eventHashOfCanonicalData, genesisHash } from './hashing.ts'
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './port.ts'
import { createSubscriptions } from './subscription.ts'

interface StoredEvent {
  record: RecordedEvent
  dataJson: string
}

export interface MemoryStoreOptions {
  clock?: () => Date
}

export const createMemoryStore = (options: MemoryStoreOptions = {}): EventStore => {
  const clock = options.clock ?? (() => new Date())
  const log: StoredEvent[] = [] // log[position - 1]
  const streams = new Map<string, number[]>() // stream -> positions by revision
  const positionsById = new Map<string, number>()
  let closed = false

  const ensureOpen = () => {
    if (closed) throw new StoreUnavailable('event store is closed')
  }
  // Copies, so a reader mutating an event cannot rewrite history.
  const copy = (position: number): RecordedEvent => structuredClone(log[position - 1].record)

  const lookup = (id: string) => {
    const position = positionsById.get(id)
    if (position === undefined) return undefined
    const { record, dataJson } = log[position - 1]
    return { stream: record.stream, type: record.type, dataJson, revision: record.revision, position }
  }

  const append = async (stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> => {
    ensureOpen()
    const prepared = prepareAppend(stream, events, expected)
    const replay = judgeReplay(stream, prepared, lookup)
    if (replay !== null) return replay
    const positions = streams.get(stream) ?? []
    const current = positions.length - 1
    checkExpectedRevision(stream, expected, current)
    if (prepared.length === 0) return { nextRevision: current, positions: [], idempotent: false }
    const now = clock().toISOString()
    let last = log.at(-1)?.record.recordedAt ?? ''
    const recordedAts = prepared.map(({ recordedAt, event }) => (last = stampRecordedAt(recordedAt, now, last, event.id)))
    let prevHash = current === noStream ? genesisHash : log[positions[current] - 1].record.meta.hash
    const written = prepared.map(({ event, dataJson }, index) => {
      const revision = current + 1 + index
      const { hashVersion = currentHashVersion, ...given } = event.meta
      const fields = JSON.parse(JSON.stringify({ ...given, prevHash, hashVersion }))
      const hash = eventHashOfCanonicalData(prevHash, { ...event, stream, revision, recordedAt: recordedAts[index], meta: fields }, dataJson)
      const meta = { ...fields, hash }
      const position = log.length + 1
      log.push({
        dataJson,
        record: { id: event.id, type: event.type, stream, revision, position, occurredAt: event.occurredAt, recordedAt: recordedAts[index], data: JSON.parse(dataJson), meta },
      })
      positionsById.set(event.id, position)
      positions.push(position)
      prevHash = hash
      return position
    })
    streams.set(stream, positions)
    subscriptions.notify()
    return { nextRevision: current + prepared.length, positions: written, idempotent: false }
  }

  async function* readStream(stream: string, options: ReadStreamOptions = {}): AsyncGenerator<RecordedEvent> {
    ensureOpen()
    const positions = streams.get(stream) ?? []
    const end = Math.min(positions.length, (options.fromRevision ?? 0) + (options.limit ?? Infinity))
    for (let revision = options.fromRevision ?? 0; revision < end; revision += 1) yield copy(positions[revision])
  }

  async function* readAll(options: ReadAllOptions = {}): AsyncGenerator<RecordedEvent> {
    ensureOpen()
    let remaining = options.limit ?? Infinity
    // Re-reads log.length each step: like the paged sqlite reader, it runs to the current end.
    for (let position = (options.from ?? 0) + 1; position <= Math.min(log.length, options.to ?? Infinity) && remaining > 0; position += 1) {
      remaining -= 1
      yield copy(position)
    }
  }

  const head = async () => log.length

  const positionAt = async (instant: string) => {
    const limit = toIsoInstant(instant, 'instant')
    // recordedAt is non-decreasing, so the last position at or before the instant is a partition point.
    let low = 0
    let high = log.length
    while (low < high) {
      const middle = Math.ceil((low + high) / 2)
      if (log[middle - 1].record.recordedAt <= limit) low = middle
      else high = middle - 1
    }
    return low
  }

  const subscriptions = createSubscriptions({ readAll, head })

  const close = async () => {
    if (closed) return
    closed = true
    await subscriptions.close()
  }

  return { kind: 'memory', append, readStream, readAll, subscribeAll: subscriptions.subscribe, head, positionAt, close }
}
