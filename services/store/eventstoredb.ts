// The EventStoreDB store (@eventstore/db-client v6, servers 22.10+ and KurrentDB): the production
// backend for more than one machine. It holds the same contract as memory.ts and sqlite.ts
// (test/contract/), with two documented differences: positions are ordered but not dense
// (positions.ts), and recordedAt is the leader's commit time unless an import sets it.
// The pieces live in eventstoredb/: positions, revisions, errors, records, reservations,
// reads, append and subscribe.
import pino, { type Logger } from 'pino'
import { StoreUnavailable } from '../../domain/errors.ts'
import { createAppend } from './eventstoredb/append.ts'
import { defaultBackoff, type BackoffPolicy } from './eventstoredb/backoff.ts'
import { connect, type ConnectionSettings, type EsdbClient } from './eventstoredb/connection.ts'
import { translateError } from './eventstoredb/errors.ts'
import { readAllEvents, readHead, readPositionAt, readStreamEvents } from './eventstoredb/reads.ts'
import { createSubscribeAll } from './eventstoredb/subscribe.ts'
import type { EventStore, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './port.ts'

export interface EventStoreDbStoreOptions extends ConnectionSettings {
  /** EVENTSTORE_URL, e.g. esdb://localhost:2113?tls=false or esdb://a:2113,b:2113,c:2113 */
  url?: string
  /** A client made elsewhere (tests, or an application sharing one connection); closed with the store. */
  client?: EsdbClient
  logger?: Logger
  /** Ages reservations of abandoned appends (reservations.ts). */
  clock?: () => Date
  /** Resubscribe pauses after a dropped subscription. */
  backoff?: BackoffPolicy
  /** How long a reservation for other content blocks an id whose event never appeared. Default 5 min. */
  reservationTakeoverMs?: number
}

export const createEventStoreDbStore = (options: EventStoreDbStoreOptions): EventStore => {
  if (options.client === undefined && !options.url) throw new StoreUnavailable('EventStoreDB store needs EVENTSTORE_URL (or a client)')
  const client = options.client ?? connect(options.url!, options)
  const logger = options.logger ?? pino({ level: 'silent' })
  const shutdown = new AbortController()
  let closing: Promise<void> | undefined

  const ensureOpen = () => {
    if (shutdown.signal.aborted) throw new StoreUnavailable('event store is closed')
  }

  const append = createAppend({ client, clock: options.clock ?? (() => new Date()), takeoverAfterMs: options.reservationTakeoverMs ?? 300_000 })

  /** A read that fails with the port's errors, and refuses once the store is closed. */
  async function* guarded(read: () => AsyncGenerator<RecordedEvent>, stream?: string): AsyncGenerator<RecordedEvent> {
    ensureOpen()
    try {
      yield* read()
    } catch (error) {
      throw translateError(error, stream)
    }
  }

  const head = async () => {
    ensureOpen()
    try {
      return await readHead(client)
    } catch (error) {
      throw translateError(error)
    }
  }

  const positionAt = async (instant: string) => {
    ensureOpen()
    try {
      return await readPositionAt(client, instant)
    } catch (error) {
      throw translateError(error)
    }
  }

  const subscriptions = createSubscribeAll({ client, head: () => readHead(client), logger, backoff: options.backoff ?? defaultBackoff, shutdown: shutdown.signal })

  const close = () =>
    (closing ??= (async () => {
      shutdown.abort()
      await subscriptions.drain()
      await client.dispose()
    })())

  return {
    kind: 'eventstoredb',
    append: async (stream, events, expected) => {
      ensureOpen()
      return append(stream, events, expected)
    },
    readStream: (stream: string, readOptions?: ReadStreamOptions) => guarded(() => readStreamEvents(client, stream, readOptions), stream),
    readAll: (readOptions?: ReadAllOptions) => guarded(() => readAllEvents(client, readOptions)),
    subscribeAll: (from, handler, signal) => {
      ensureOpen()
      return subscriptions.subscribe(from, handler, signal)
    },
    head,
    positionAt,
    close,
  }
}
