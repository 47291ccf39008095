// The PostgreSQL store (node-postgres `pg`): the shared log for several instances on a server
// most operations teams already run. It holds the same contract as memory.ts and sqlite.ts
// (test/contract/postgres.test.ts): dense positions handed out in commit order under a one-row
// lock, idempotent ids through a unique index, the same hash chain (hash v2), group commit,
// catch-up then live subscriptions woken by LISTEN/NOTIFY with polling as the bound.
// docs/ARCHITECTURE.md ("PostgreSQL store") and the README say how and why.
// The pieces live in postgres/: schema, append (group commit), reads, live (LISTEN), errors.
import pg from 'pg'
import pino, { type Logger } from 'pino'
import { StoreUnavailable } from '../../domain/errors.ts'
import { prepareAppend } from './append-rules.ts'
import type { AppendResult, EventStore, ExpectedRevision, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent } from './port.ts'
import { createGroupWriter, type GroupStats } from './postgres/append.ts'
import { toStoreError } from './postgres/errors.ts'
import { watchCommits } from './postgres/live.ts'
import { readAllEvents, readHead, readPositionAt, readStreamEvents, readStreamsWhole } from './postgres/reads.ts'
import { migrate } from './postgres/schema.ts'
import { createSubscriptions } from './subscription.ts'

export interface PostgresStoreOptions {
  /** DATABASE_URL, e.g. postgres://targetwatch:secret@db:5432/targetwatch */
  connectionString: string
  clock?: () => Date
  logger?: Logger
  /** Connections for reads and the writer (default 8). */
  poolSize?: number
  /** The bound on seeing another process's commit when a NOTIFY is lost (default 1000 ms). */
  pollMs?: number
}

export type PostgresEventStore = EventStore & {
  stats(): GroupStats
  /** The connection pool, for the postgres lease (services/cluster) and tests; never write events through it. */
  readonly pool: pg.Pool
}

export const createPostgresStore = async (options: PostgresStoreOptions): Promise<PostgresEventStore> => {
  const clock = options.clock ?? (() => new Date())
  const logger = options.logger ?? pino({ level: 'silent' })
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 8, connectionTimeoutMillis: 10_000 })
  // An idle connection that breaks (server restart) must not take the process down: the next
  // query gets a new one.
  pool.on('error', (err) => logger.warn({ err }, 'an idle PostgreSQL connection failed'))
  try {
    const client = await pool.connect()
    try {
      await migrate(client)
    } finally {
      client.release()
    }
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw toStoreError(error, 'open', `cannot open the PostgreSQL store (${new URL(options.connectionString).host})`)
  }

  let state: 'open' | 'closing' | 'closed' = 'open'
  let closing: Promise<void> | undefined
  const ensureOpen = () => {
    if (state === 'closed') throw new StoreUnavailable('event store is closed')
  }

  async function* guarded(read: () => AsyncGenerator<RecordedEvent>): AsyncGenerator<RecordedEvent> {
    ensureOpen()
    yield* read()
  }

  const head = async () => {
    ensureOpen()
    return readHead(pool)
  }

  const readAll = (readOptions?: ReadAllOptions) => guarded(() => readAllEvents(pool, readOptions))
  const subscriptions = createSubscriptions({ readAll, head })
  const writer = createGroupWriter({ pool, clock, onCommit: () => subscriptions.notify() })
  const commits = watchCommits({ connectionString: options.connectionString, pool, wake: () => subscriptions.notify(), pollMs: options.pollMs ?? 1000, logger })

  const append = (stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> =>
    new Promise<AppendResult>((resolve, reject) => {
      if (state !== 'open') throw new StoreUnavailable('event store is closed')
      // Validation and canonical JSON happen here, outside the write transaction.
      writer.enqueue({ stream, prepared: prepareAppend(stream, events, expected), expected, resolve, reject })
    })

  const close = () =>
    (closing ??= (async () => {
      state = 'closing'
      await writer.idle()
      await commits.stop()
      await subscriptions.close()
      state = 'closed'
      await pool.end()
    })())

  return {
    kind: 'postgres',
    append,
    readStream: (stream: string, readOptions?: ReadStreamOptions) => guarded(() => readStreamEvents(pool, stream, readOptions)),
    readStreams: async (streams: readonly string[]) => {
      ensureOpen()
      return readStreamsWhole(pool, streams)
    },
    readAll,
    subscribeAll: subscriptions.subscribe,
    head,
    positionAt: async (instant: string) => {
      ensureOpen()
      return readPositionAt(pool, instant)
    },
    close,
    stats: writer.stats,
    pool,
  }
}
