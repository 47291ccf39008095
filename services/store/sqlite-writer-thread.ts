// The SQLite store's writer on a thread of its own (sqlite-writer-worker.ts): the store keeps its
// queue, its clock and its read connection on the serving thread and sends each group of appends
// here; an append is acknowledged when the thread answers, after its COMMIT (and fsync) returned.
// One group is in flight at a time (sqlite.ts), so appends made meanwhile make the next group bigger.
// If the thread dies, the groups it held are answered 503 (whether they were written is unknown:
// a retry with the same event ids is answered as idempotent) and the next write starts a new one.
import type { Worker } from 'node:worker_threads'
import { DomainError, StoreUnavailable } from '../../domain/errors.ts'
import { fromWire, type WireError } from '../threads/error-wire.ts'
import { startTypeScriptWorker } from '../threads/typescript-worker.ts'
import type { AppendResult } from './port.ts'
import type { SqliteWriter, WriteRequest } from './sqlite-writer.ts'

export interface WriterThreadInput {
  file: string
  /** PRAGMAs set on the write connection so far, set again on a new thread. */
  pragmas: string[]
}

export type WriterRequest =
  | { id: number; kind: 'write'; group: WriteRequest[]; now: string }
  | { id: number; kind: 'pragma'; source: string }
  | { id: number; kind: 'close' }

export type WriterReply =
  | { id: number; kind: 'written'; outcomes: ({ ok: true; result: AppendResult; count: number } | { ok: false; error: WireError })[] }
  | { id: number; kind: 'value'; value: unknown }
  | { id: number; kind: 'failed'; error: WireError }

type Waiting = (reply: WriterReply | { kind: 'lost'; error: Error }) => void

const workerModule = new URL('./sqlite-writer-worker.ts', import.meta.url)

export const threadWriter = (file: string): SqliteWriter => {
  const pragmas: string[] = []
  const waiting = new Map<number, Waiting>()
  let nextId = 1
  let worker: Worker | undefined
  let exited: Promise<void> = Promise.resolve()
  // The first thread's open: `ready` settles once it has opened the file, or failed to.
  let announceReady: (failure?: Error) => void = () => {}
  const ready = new Promise<void>((resolve, reject) => {
    announceReady = (failure) => {
      announceReady = () => {}
      if (failure) reject(failure)
      else resolve()
    }
  })
  ready.catch(() => {}) // a failed open is also each pending write's answer

  const start = (): Worker => {
    const started = startTypeScriptWorker(workerModule, { workerData: { file, pragmas: [...pragmas] } satisfies WriterThreadInput })
    started.unref()
    let failure: Error | undefined
    let openFailed = false
    started.on('message', (reply: WriterReply) => {
      // id 0: the thread opened the file, or could not (it exits next).
      if (reply.id === 0 && reply.kind === 'value') announceReady()
      if (reply.id === 0 && reply.kind === 'failed') {
        failure = fromWire(reply.error)
        openFailed = true
      }
      const answer = waiting.get(reply.id)
      if (answer === undefined) return
      waiting.delete(reply.id)
      if (waiting.size === 0) started.unref()
      answer(reply)
    })
    started.on('error', (error: Error) => (failure ??= error))
    exited = new Promise((resolve) =>
      started.once('exit', (code) => {
        if (worker === started) worker = undefined
        const lost =
          failure instanceof DomainError
            ? failure
            : openFailed
              ? new StoreUnavailable(`the SQLite writer thread could not open ${file} (${failure?.message}); nothing was written`, { code: 'WRITER_THREAD_EXITED' })
              : new StoreUnavailable(
                  `the SQLite writer thread stopped (exit code ${code}${failure ? `: ${failure.message}` : ''}); whether its last batch was written is unknown: ` +
                    'retry with the same event ids (an append already written is answered as idempotent)',
                  { code: 'WRITER_THREAD_EXITED' },
                )
        if (openFailed) announceReady(lost)
        const pending = [...waiting.values()]
        waiting.clear()
        for (const answer of pending) answer({ kind: 'lost', error: lost })
        resolve()
      }),
    )
    return started
  }

  const send = (message: WriterRequest, answer: Waiting) => {
    worker ??= start()
    waiting.set(message.id, answer)
    worker.ref()
    worker.postMessage(message)
  }

  const ask = (message: { kind: 'pragma'; source: string } | { kind: 'close' }): Promise<unknown> =>
    new Promise((resolve, reject) =>
      send({ ...message, id: nextId++ }, (reply) => {
        if (reply.kind === 'value') resolve(reply.value)
        else if (reply.kind === 'lost') reject(reply.error)
        else if (reply.kind === 'failed') reject(fromWire(reply.error))
        else reject(new Error(`unexpected reply ${reply.kind} from the SQLite writer thread`))
      }),
    )

  // Started now, not at the first append: a file the thread cannot open shows at once.
  worker = start()
  return {
    where: 'thread',
    ready: () => ready,
    write: (group, now, done) =>
      // Only what the writer reads crosses (a queued append also carries its promise's callbacks).
      send({ id: nextId++, kind: 'write', group: group.map(({ stream, prepared, expected }) => ({ stream, prepared, expected })), now }, (reply): void => {
        if (reply.kind === 'written')
          return done({ outcomes: reply.outcomes.map((outcome) => (outcome.ok ? outcome : { ok: false, error: fromWire(outcome.error) as DomainError })) })
        if (reply.kind === 'lost') return done({ failure: reply.error })
        if (reply.kind === 'failed') return done({ failure: fromWire(reply.error) })
        done({ failure: new Error(`unexpected reply ${reply.kind} from the SQLite writer thread`) })
      }),
    pragma: async (source) => {
      const value = await ask({ kind: 'pragma', source })
      if (source.includes('=')) pragmas.push(source)
      return value
    },
    close: async () => {
      if (worker === undefined) return
      const closing = worker
      await ask({ kind: 'close' }).catch(() => {})
      closing.ref() // until its exit is seen
      await exited
    },
  }
}
