// What the start's integrity scrub takes from the requests served beside it (section `scrub` of
// npm run bench). Starts the real service on a copy of the seeded log, then runs durable
// single-event POSTs at 50 connections for BENCH_SECONDS while the start's scrub re-verifies the
// whole log, waits for the scrub to end, and runs the same load again: the figure is the rate
// during the scrub, its ceiling the rate after it. No goal: the scrub's CPU is the machine's. The
// note gives the largest the WAL file grew during the first run, sampled every 100 ms.
import fs from 'node:fs'
import path from 'node:path'
import type { BenchConfig } from './config.ts'
import { independentFacts } from './ingest.ts'
import { load, type LoadResult } from './load.ts'
import { copyLog, type SeededLog } from './logs.ts'
import { firstScrub, reporterKey, startBenchService } from './processes.ts'
import type { Figure } from './table.ts'

export const scrubLoad = async (config: BenchConfig, seeded: SeededLog, work: string, log: (line: string) => void): Promise<Figure> => {
  const { seconds, connections } = config
  const bodies = independentFacts(seconds * 2 * 20_000, 90_000_000)
  const dataDir = path.join(work, 'scrub-load')
  copyLog(seeded, dataDir)
  const server = await startBenchService(dataDir)
  try {
    const key = await reporterKey(server)
    const run = (from: number) =>
      load({ url: `${server.url}/v1/events`, method: 'POST', connections, seconds, bodies: bodies.slice(from), headers: { authorization: `Bearer ${key}` } })
    const started = performance.now()
    const scrub = firstScrub(server).then((duration) => ({ duration, endedAt: performance.now() }))
    const wal = path.join(dataDir, 'events.db-wal')
    let largestWal = 0
    const sampler = setInterval(() => {
      largestWal = Math.max(largestWal, fs.existsSync(wal) ? fs.statSync(wal).size : 0)
    }, 100)
    const during = await run(0).finally(() => clearInterval(sampler))
    const duringEnded = performance.now()
    const { duration, endedAt } = await scrub
    const after = await run(bodies.length / 2)
    const overlap = Math.min(1, (endedAt - started) / (duringEnded - started))
    const show = (result: LoadResult) => `${result.perSecond.toFixed(0)}/s (p50 ${result.latencyP50Ms} ms, ${result.failed} failed)`
    const walMb = `${(largestWal / 1048576).toFixed(0)} MB`
    log(`  during the start's scrub ${show(during)}, after it ${show(after)}; scrub ${duration.toFixed(1)} s, over ${(overlap * 100).toFixed(0)} % of the first run; WAL file at most ${walMb}`)
    return {
      name: `durable single-event ingest during the start's integrity scrub of ${seeded.count.toLocaleString('en-US')} events, ${connections} connections`,
      value: during.perSecond,
      unit: 'events/s',
      ceiling: { name: 'the same service and load after the scrub', value: after.perSecond },
      note: `scrub ${duration.toFixed(1)} s, over ${(overlap * 100).toFixed(0)} % of the run; the WAL file at most ${walMb} during it; no goal`,
    }
  } finally {
    await server.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}
