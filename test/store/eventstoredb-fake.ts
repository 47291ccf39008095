// A stand-in for an EventStoreDB server behind @eventstore/db-client v6, for the adapter's tests
// on machines where no server can run. It implements the five calls the adapter uses with the
// semantics the client documents: expected revisions (ANY, NO_STREAM, STREAM_EXISTS, exact)
// refused with WrongExpectedVersionError; StreamNotFoundError when reading a missing stream;
// $all positions as growing byte offsets with commit === prepare (not dense); system records in
// $all; readAll forwards inclusive of its start, backwards exclusive; subscriptions exclusive of
// their start, filtered, with a 'caughtUp' event, and faults on demand (drops, "Server Is Not
// Ready"). Data and metadata travel as JSON text, as on the wire. It is not the server: the
// contract suite against a real one runs when EVENTSTORE_URL is set.
import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  ANY,
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type Position,
} from '@eventstore/db-client'
import type { EsdbClient } from '../../services/store/eventstoredb/connection.ts'

interface Stored {
  streamId: string
  id: string
  type: string
  dataJson: string
  metadataJson: string | undefined
  created: Date
  revision: bigint
  position: Position
}

interface ProposedEvent {
  id: string
  type: string
  contentType: string
  data: unknown
  metadata?: unknown
}

interface Options {
  clock?: () => Date
  /** Omit positions from stream reads, like servers before 22.6. */
  streamPositions?: boolean
}

const record = (stored: Stored, withPosition = true) => ({
  event: {
    streamId: stored.streamId,
    id: stored.id,
    revision: stored.revision,
    type: stored.type,
    isJson: true,
    created: stored.created,
    data: JSON.parse(stored.dataJson),
    metadata: stored.metadataJson === undefined ? undefined : JSON.parse(stored.metadataJson),
    position: withPosition ? { ...stored.position } : undefined,
  },
  commitPosition: stored.position.commit,
})

const readable = (items: () => unknown[]) => {
  const stream = Readable.from((async function* () {
    await Promise.resolve()
    yield* items()
  })(), { objectMode: true }) as Readable & { cancel: () => Promise<void> }
  stream.cancel = async () => void stream.destroy()
  return stream
}

export const createFakeEventStoreDb = (options: Options = {}) => {
  const clock = options.clock ?? (() => new Date())
  const log: Stored[] = []
  const streams = new Map<string, Stored[]>()
  const live = new Set<(stored: Stored) => void>()
  const subscriptions = new Set<Readable>()
  const subscribeFaults: Error[] = []
  const appendFaults: Array<{ error: Error; afterWrite: boolean; stream: string }> = []
  let offset = 4096n
  const calls = { append: 0, subscribe: 0 }

  const write = (streamId: string, event: ProposedEvent) => {
    const list = streams.get(streamId) ?? []
    const dataJson = JSON.stringify(event.data)
    const metadataJson = event.metadata === undefined ? undefined : JSON.stringify(event.metadata)
    const stored: Stored = {
      streamId, id: event.id, type: event.type, dataJson, metadataJson, created: clock(), revision: BigInt(list.length),
      position: { commit: offset, prepare: offset },
    }
    offset += BigInt(120 + streamId.length + dataJson.length + (metadataJson?.length ?? 0))
    list.push(stored)
    streams.set(streamId, list)
    log.push(stored)
    for (const deliver of live) deliver(stored)
    return stored
  }

  // A fresh database already holds system records.
  write('$settings', { id: randomUUID(), type: '$settings', contentType: 'application/json', data: { $userStreamAcl: {} } })

  const expectationHolds = (expected: AppendExpectedRevision, list: Stored[] | undefined) =>
    expected === ANY ||
    (expected === NO_STREAM && list === undefined) ||
    (expected === STREAM_EXISTS && list !== undefined) ||
    (typeof expected === 'bigint' && list !== undefined && expected === BigInt(list.length - 1))

  const appendToStream = async (streamName: string, events: ProposedEvent | ProposedEvent[], { expectedRevision = ANY as AppendExpectedRevision } = {}) => {
    calls.append += 1
    await Promise.resolve()
    const faultAt = appendFaults.findIndex((candidate) => candidate.stream === streamName)
    const fault = faultAt === -1 ? undefined : appendFaults.splice(faultAt, 1)[0]
    if (fault !== undefined && !fault.afterWrite) throw fault.error
    const list = streams.get(streamName)
    if (!expectationHolds(expectedRevision, list)) {
      const current = list === undefined ? NO_STREAM : BigInt(list.length - 1)
      throw new WrongExpectedVersionError(undefined, { streamName, expected: expectedRevision, current })
    }
    const written = (Array.isArray(events) ? events : [events]).map((event) => write(streamName, event))
    if (fault !== undefined) throw fault.error
    return { success: true, nextExpectedRevision: written.at(-1)!.revision, position: { ...written.at(-1)!.position } }
  }

  const readStream = (streamName: string, { fromRevision = START as bigint | string, direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER as number | bigint } = {}) =>
    readable(() => {
      const list = streams.get(streamName)
      if (list === undefined) throw new StreamNotFoundError(undefined, streamName)
      const count = Number(maxCount)
      const withPosition = options.streamPositions ?? true
      if (direction === BACKWARDS) {
        const from = fromRevision === END ? list.length - 1 : Math.min(list.length - 1, Number(fromRevision))
        return list.slice(Math.max(0, from - count + 1), from + 1).reverse().map((stored) => record(stored, withPosition))
      }
      const from = fromRevision === START ? 0 : Number(fromRevision)
      return list.slice(from, from + count).map((stored) => record(stored, withPosition))
    })

  const readAll = ({ fromPosition = START as Position | string, direction = 'forwards', maxCount = Number.MAX_SAFE_INTEGER as number | bigint } = {}) =>
    readable(() => {
      const count = Number(maxCount)
      if (direction === BACKWARDS) {
        const before = log.filter((stored) => fromPosition === END || stored.position.commit < (fromPosition as Position).commit)
        return before.slice(-count).reverse().map((stored) => record(stored))
      }
      const after = log.filter((stored) => fromPosition === START || stored.position.commit >= (fromPosition as Position).commit)
      return after.slice(0, count).map((stored) => record(stored))
    })

  const subscribeToAll = ({ fromPosition = START as Position | string, filter = undefined as { filterOn: string; regex?: string; prefixes?: string[] } | undefined } = {}) => {
    calls.subscribe += 1
    const matches = (stored: Stored) => {
      if (filter === undefined) return true
      const subject = filter.filterOn === 'streamName' ? stored.streamId : stored.type
      return filter.regex !== undefined ? new RegExp(filter.regex).test(subject) : (filter.prefixes ?? []).some((prefix) => subject.startsWith(prefix))
    }
    const subscription = new Readable({ objectMode: true, read() {} }) as Readable & { unsubscribe: () => Promise<void> }
    const deliver = (stored: Stored) => {
      if (matches(stored)) subscription.push(record(stored))
    }
    const stop = () => {
      live.delete(deliver)
      subscriptions.delete(subscription)
    }
    subscription.unsubscribe = async () => {
      stop()
      subscription.push(null)
    }
    subscription.on('close', stop)
    const fault = subscribeFaults.shift()
    setImmediate(() => {
      if (fault !== undefined) return void subscription.destroy(fault)
      if (subscription.destroyed) return
      const after = log.filter((stored) => fromPosition === START || stored.position.commit > (fromPosition as Position).commit)
      for (const stored of fromPosition === END ? [] : after) deliver(stored)
      subscription.emit('caughtUp')
      live.add(deliver)
      subscriptions.add(subscription)
    })
    return subscription
  }

  const client = { appendToStream, readStream, readAll, subscribeToAll, dispose: async () => {} } as unknown as EsdbClient

  return {
    client,
    /** Every record of $all, system ones included. */
    records: () => log.map((stored) => record(stored).event),
    /** Drops every live subscription with `error`, as a lost connection or a leader change does. */
    dropSubscriptions: (error: Error) => {
      for (const subscription of [...subscriptions]) subscription.destroy(error)
    },
    /** The next subscriptions fail at once, one error each (e.g. "Server Is Not Ready"). */
    failNextSubscriptions: (...errors: Error[]) => void subscribeFaults.push(...errors),
    /** The next append to `stream` fails with `error`, before writing or after (a lost acknowledgement). */
    failNextAppend: (stream: string, error: Error, afterWrite = false) => void appendFaults.push({ error, afterWrite, stream }),
    /** Writes a record as another application would (no targetwatch envelope). */
    writeForeign: (streamId: string, type: string, data: unknown) => write(streamId, { id: randomUUID(), type, contentType: 'application/json', data }),
    /**
     * Rewrites the data of the record at the port's `position` (commit + 1) in place, as someone
     * with access to the server's files could: the audit tests' tampering.
     */
    rewriteData: (position: number, edit: (data: Record<string, unknown>) => Record<string, unknown>) => {
      const stored = log.find((s) => s.position.commit === BigInt(position - 1))
      if (!stored) throw new Error(`no record at position ${position}`)
      stored.dataJson = JSON.stringify(edit(JSON.parse(stored.dataJson)))
    },
    calls: () => ({ ...calls }),
    liveSubscriptions: () => subscriptions.size,
  }
}
