// The verification thread's module (verify-thread.ts): one verification of a data dir, from
// `workerData`, answered with one message; the thread ends after it.
import os from 'node:os'
import { parentPort, workerData } from 'node:worker_threads'
import { toWire } from '../threads/error-wire.ts'
import { verifyDataDir } from './verify-data-dir.ts'
import type { VerifyThreadInput, VerifyThreadAnswer } from './verify-thread.ts'

const { dataDir, witnesses } = workerData as VerifyThreadInput
// The lowest CPU priority for this thread alone (on Linux a nice value is a thread's: pid 0 here
// is the calling thread), so that serving and the writer thread go first when the cores are busy.
// Elsewhere it may lower the whole process, or be refused; the verification runs either way.
try {
  os.setPriority(os.constants.priority.PRIORITY_LOW)
} catch {}
const answer = (message: VerifyThreadAnswer) => parentPort!.postMessage(message)
verifyDataDir(dataDir, () => witnesses).then(
  (report) => answer({ ok: true, report }),
  (error) => answer({ ok: false, error: toWire(error) }),
)
