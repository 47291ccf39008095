// The worker thread of `serve --demo` (demo.ts): generates the simulated year and posts it through
// the service's own HTTP API, as a reporting system would, but off the event loop that serves:
// generating and serialising 670,940 facts (scale 1) on the serving thread took CPU from the
// ingest it was waiting for (issue 18 item 4). Messages to the parent: progress once a month of
// the year, then the summary or the failure; the parent sends 'abort' when the service stops.
import { parentPort, workerData } from 'node:worker_threads'
import { seedPlan } from '../../seeds/plans.ts'
import { postYear, type PostSummary } from '../../seeds/simulate/client.ts'
import { simulateYear } from '../../seeds/simulate/year.ts'

export interface PosterInput {
  url: string
  key: string
  seed: number
  scale: number
}

export type PosterMessage =
  | { kind: 'progress'; through: string; posted: number; rejected: number }
  | { kind: 'done'; summary: PostSummary }
  | { kind: 'failed'; message: string; aborted: boolean }

const port = parentPort
if (port === null) throw new Error('demo-poster.ts runs as a worker thread of serve --demo')
const abort = new AbortController()
port.on('message', (message) => {
  if (message === 'abort') abort.abort(new Error('the service is shutting down'))
})
const { url, key, seed, scale } = workerData as PosterInput
const say = (message: PosterMessage) => port.postMessage(message)
let month = ''
try {
  const summary = await postYear(simulateYear({ seed, scale, plan: seedPlan() }), {
    url,
    key,
    signal: abort.signal,
    onProgress: (progress) => {
      if (progress.date.slice(0, 7) === month) return
      month = progress.date.slice(0, 7)
      say({ kind: 'progress', through: progress.date, posted: progress.posted, rejected: progress.rejected })
    },
  })
  say({ kind: 'done', summary })
} catch (error) {
  say({ kind: 'failed', message: error instanceof Error ? error.message : String(error), aborted: abort.signal.aborted })
}
port.close()
