// The verification thread's module (verify-thread.ts): one verification of a data dir, from
// `workerData`, answered with one message; the thread ends after it.
import { parentPort, workerData } from 'node:worker_threads'
import { toWire } from '../threads/error-wire.ts'
import { verifyDataDir } from './verify-data-dir.ts'
import type { VerifyThreadInput, VerifyThreadAnswer } from './verify-thread.ts'

const { dataDir, witnesses } = workerData as VerifyThreadInput
const answer = (message: VerifyThreadAnswer) => parentPort!.postMessage(message)
verifyDataDir(dataDir, () => witnesses).then(
  (report) => answer({ ok: true, report }),
  (error) => answer({ ok: false, error: toWire(error) }),
)
