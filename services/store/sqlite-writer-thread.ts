// The SQLite store's writer on a thread of its own (sqlite-writer-worker.ts): the store keeps its
// queue, its clock and its read connection on the serving thread and sends each group of appends
// here; an append is acknowledged when the thread answers, after its COMMIT (and fsync) returned.
// One group is in flight per store at a time (sqlite.ts), so appends made meanwhile make the next
// group bigger.
//
// One thread per process holds the write connection of every store opened with `writer: 'thread'`
// (a serving process has one; a test or a CLI command that opens many stores pays the thread's
// start, ~0.4 s and ~0.8 s of CPU under tsx, once). A connection is opened on the thread by the
// first message sent for it; if the thread dies, the groups every connection held are answered
// 503 (whether they were written is unknown: a retry with the same event ids is answered as
// idempotent) and the next write starts a new thread and opens its connection again there, with
// the PRAGMAs set so far.
import type { Worker } from 'node:worker_threads'
import { DomainError, StoreUnavailable } from '../../domain/errors.ts'
import { fromWire, type WireError } from '../threads/error-wire.ts'
import { startTypeScriptWorker } from '../threads/typescript-worker.ts'
import type { AppendResult } from './port.ts'
import type { SqliteWriter, WriteRequest } from './sqlite-writer.ts'

/** What a connection on the thread is opened with. */
export interface WriterConnectionInput {
  file: string
  /** PRAGMAs set on the write connection so far, set again when it is opened on a new thread. */
  pragmas: string[]
}

/** Every request names its connection (`conn`) and is answered with the same `conn` and `id`. */
export type WriterRequest =
  | { conn: number; id: number; kind: 'open'; input: WriterConnectionInput }
  | { conn: number; id: number; kind: 'write'; group: WriteRequest[]; now: string }
  | { conn: number; id: number; kind: 'pragma'; source: string }
  | { conn: number; id: number; kind: 'close' }

export type WriterReply =
  | { conn: number; id: number; kind: 'written'; outcomes: ({ ok: true; result: AppendResult; count: number } | { ok: false; error: WireError })[] }
  | { conn: number; id: number; kind: 'value'; value: unknown }
  | { conn: number; id: number; kind: 'failed'; error: WireError }

/** `details.code` of the thread's answer for a connection it has not opened (its open failed). */
export const NOT_OPEN = 'WRITER_CONNECTION_NOT_OPEN'

const notOpen = (error: WireError): boolean => (error.fields.details as { code?: unknown } | undefined)?.code === NOT_OPEN

type Answer = WriterReply | { kind: 'lost'; error: Error }

/** A connection's side of the shared thread. */
interface Connection {
  /** The thread's reply to one of its requests. */
  answer(reply: WriterReply): void
  /** The thread died: what it had opened for this connection is gone, and its requests get `lost`. */
  threadGone(lost: Error): void
}

const workerModule = new URL('./sqlite-writer-worker.ts', import.meta.url)
/** An idle thread with no connection left is stopped after this long (a test opens the next store sooner). */
const idleLingerMs = 5_000

interface Thread {
  worker: Worker
  /** Requests sent and not yet answered, over every connection: the thread keeps the process alive while any is. */
  pending: number
  /** Stopped while idle: stores opened meanwhile are on the next thread, and its exit concerns none of them. */
  retired: boolean
}

let thread: Thread | undefined
const connections = new Map<number, Connection>()
let nextConn = 1
let linger: NodeJS.Timeout | undefined

let threadsStarted = 0
/** How many writer threads this process has started, and the running one (tests stop it to see what a death does). */
export const writerThreads = (): { started: number; current: Worker | undefined } => ({ started: threadsStarted, current: thread?.worker })

const startThread = (): Thread => {
  threadsStarted += 1
  const started: Thread = { worker: startTypeScriptWorker(workerModule), pending: 0, retired: false }
  let failure: Error | undefined
  started.worker.on('message', (reply: WriterReply) => {
    started.pending -= 1
    if (started.pending === 0) started.worker.unref()
    connections.get(reply.conn)?.answer(reply)
  })
  started.worker.on('error', (error: Error) => (failure ??= error))
  started.worker.once('exit', (code) => {
    if (thread === started) thread = undefined
    if (started.retired) return
    const lost =
      failure instanceof DomainError
        ? failure
        : new StoreUnavailable(
            `the SQLite writer thread stopped (exit code ${code}${failure ? `: ${failure.message}` : ''}); whether its last batch was written is unknown: ` +
              'retry with the same event ids (an append already written is answered as idempotent)',
            { code: 'WRITER_THREAD_EXITED' },
          )
    for (const connection of [...connections.values()]) connection.threadGone(lost)
  })
  // After the listeners: adding a 'message' listener refs the worker again.
  started.worker.unref()
  return started
}

const post = (message: WriterRequest) => {
  if (linger !== undefined) clearTimeout(linger)
  linger = undefined
  thread ??= startThread()
  thread.pending += 1
  thread.worker.ref()
  thread.worker.postMessage(message)
}

/** Once the last connection has closed, the thread is stopped unless another store opens within `ms`. */
const lingerIfIdle = (ms = idleLingerMs) => {
  if (connections.size > 0 || thread === undefined) return
  const idle = thread
  linger = setTimeout(() => {
    linger = undefined
    if (connections.size > 0 || thread !== idle) return
    idle.retired = true
    thread = undefined
    void idle.worker.terminate()
  }, ms)
  linger.unref()
}

/**
 * Starts the thread before any store asks for it: `targetwatch serve` calls this first, so the
 * thread's start overlaps the loading of the service. Stopped if no store opens within 30 s.
 */
export const startWriterThread = (): void => {
  if (thread !== undefined) return
  thread = startThread()
  lingerIfIdle(30_000)
}

export const threadWriter = (file: string): SqliteWriter => {
  const conn = nextConn++
  const pragmas: string[] = []
  const waiting = new Map<number, (reply: Answer) => void>()
  let nextId = 1
  /** Whether this connection's open has been sent to the current thread. */
  let opened = false
  /** Why the last open failed: the answer to each request sent behind it. */
  let openFailure: StoreUnavailable | undefined
  let closed = false

  // The first open: `ready` settles once the thread has opened the file, or failed to.
  let announceReady: (failure?: Error) => void = () => {}
  const ready = new Promise<void>((resolve, reject) => {
    announceReady = (failure) => {
      announceReady = () => {}
      if (failure) reject(failure)
      else resolve()
    }
  })
  ready.catch(() => {}) // a failed open is also each pending write's answer

  const answerOpen = (reply: Answer) => {
    if (reply.kind === 'value') {
      openFailure = undefined
      return announceReady()
    }
    if (reply.kind === 'lost') return announceReady(reply.error)
    const reason = reply.kind === 'failed' ? fromWire(reply.error).message : `unexpected reply ${reply.kind}`
    openFailure = new StoreUnavailable(`the SQLite writer thread could not open ${file} (${reason}); nothing was written`, { code: 'WRITER_THREAD_OPEN_FAILED' })
    opened = false // the next request opens it again
    announceReady(openFailure)
  }

  const connection: Connection = {
    answer: (reply) => {
      const answer = waiting.get(reply.id)
      if (answer === undefined) return
      waiting.delete(reply.id)
      // A request the thread refused because the open before it failed gets that failure.
      if (reply.kind === 'failed' && notOpen(reply.error) && openFailure) return answer({ kind: 'lost', error: openFailure })
      answer(reply)
    },
    threadGone: (lost) => {
      opened = false
      const pending = [...waiting.values()]
      waiting.clear()
      for (const answer of pending) answer({ kind: 'lost', error: lost })
    },
  }
  connections.set(conn, connection)

  /** Opens this connection on the current thread (or the next one post starts), with the PRAGMAs so far. */
  const open = () => {
    opened = true
    const id = nextId++
    waiting.set(id, answerOpen)
    post({ conn, id, kind: 'open', input: { file, pragmas: [...pragmas] } })
  }

  const send = (message: { kind: 'write'; group: WriteRequest[]; now: string } | { kind: 'pragma'; source: string } | { kind: 'close' }, answer: (reply: Answer) => void) => {
    if (!opened) open()
    const id = nextId++
    waiting.set(id, answer)
    post({ ...message, conn, id } as WriterRequest)
  }

  const ask = (message: { kind: 'pragma'; source: string } | { kind: 'close' }): Promise<unknown> =>
    new Promise((resolve, reject) =>
      send(message, (reply) => {
        if (reply.kind === 'value') resolve(reply.value)
        else if (reply.kind === 'lost') reject(reply.error)
        else if (reply.kind === 'failed') reject(fromWire(reply.error))
        else reject(new Error(`unexpected reply ${reply.kind} from the SQLite writer thread`))
      }),
    )

  // Opened now, not at the first append: a file the thread cannot open shows at once.
  open()

  return {
    where: 'thread',
    ready: () => ready,
    write: (group, now, done) => {
      if (closed) return done({ failure: new StoreUnavailable('the SQLite writer is closed') })
      // Only what the writer reads crosses (a queued append also carries its promise's callbacks).
      send({ kind: 'write', group: group.map(({ stream, prepared, expected }) => ({ stream, prepared, expected })), now }, (reply): void => {
        if (reply.kind === 'written')
          return done({ outcomes: reply.outcomes.map((outcome) => (outcome.ok ? outcome : { ok: false, error: fromWire(outcome.error) as DomainError })) })
        if (reply.kind === 'lost') return done({ failure: reply.error })
        if (reply.kind === 'failed') return done({ failure: fromWire(reply.error) })
        done({ failure: new Error(`unexpected reply ${reply.kind} from the SQLite writer thread`) })
      })
    },
    pragma: async (source) => {
      const value = await ask({ kind: 'pragma', source })
      if (source.includes('=')) pragmas.push(source)
      return value
    },
    close: async () => {
      if (closed) return
      closed = true
      // Nothing to close on a thread that never opened it (or died since).
      if (opened) await ask({ kind: 'close' }).catch(() => {})
      connections.delete(conn)
      lingerIfIdle()
    },
  }
}
