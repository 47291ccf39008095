// Verifications of a SQLite data dir on a thread of their own (verify-worker.ts), so that a
// scrub of a large log (~15 s at 1M events) does not take the serving thread's time: it reads
// the file through its own read-only connections, as `targetwatch verify` does. A thread is
// started per verification and ends with it (a scrub runs every few hours; starting a thread
// costs ~0.4 s under tsx), so smaller logs are verified on the serving thread
// (TARGETWATCH_VERIFY_THREAD_FROM, services/audit/index.ts). The thread runs at the lowest CPU
// priority (verify-worker.ts), so on busy cores serving and the writer thread go first.
import type { Worker } from 'node:worker_threads'
import { fromWire, type WireError } from '../threads/error-wire.ts'
import { startTypeScriptWorker } from '../threads/typescript-worker.ts'
import type { HeadCandidate } from './verify-heads.ts'
import type { VerifyReport } from './verify.ts'

export interface VerifyThreadInput {
  dataDir: string
  witnesses: HeadCandidate[]
}

export type VerifyThreadAnswer = { ok: true; report: VerifyReport } | { ok: false; error: WireError }

/** What `cancel()` makes every verification under way reject with. */
export class VerifyCancelled extends Error {
  constructor() {
    super('the verification was cancelled: the service is stopping')
    this.name = 'VerifyCancelled'
  }
}

const workerModule = new URL('./verify-worker.ts', import.meta.url)

export const createVerifyThreads = () => {
  const running = new Map<Worker, (error: Error) => void>()
  let started = 0

  /** One verification on a new thread; rejects if the thread fails or ends without an answer. */
  const verify = (input: VerifyThreadInput): Promise<VerifyReport> =>
    new Promise<VerifyReport>((resolve, reject) => {
      const worker = startTypeScriptWorker(workerModule, { workerData: input })
      started += 1
      let settled = false
      const settle = (outcome: () => void) => {
        if (settled) return
        settled = true
        running.delete(worker)
        outcome()
      }
      running.set(worker, (error) => settle(() => reject(error)))
      worker.once('message', (answer: VerifyThreadAnswer) => settle(() => (answer.ok ? resolve(answer.report) : reject(fromWire(answer.error)))))
      worker.once('error', (error) => settle(() => reject(error)))
      worker.once('exit', (code) => settle(() => reject(new Error(`the verification thread ended (exit code ${code}) before it answered`))))
    })

  /** Ends every verification under way: each rejects with VerifyCancelled. */
  const cancel = async () => {
    const workers = [...running]
    for (const [, fail] of workers) fail(new VerifyCancelled())
    await Promise.all(workers.map(([worker]) => worker.terminate()))
  }

  return {
    verify,
    cancel,
    /** Verifications under way, and threads started so far. */
    stats: () => ({ running: running.size, started }),
  }
}
