// Read figures: GET /v1/targets at 50 connections against a bare fastify route answering a static
// body of the same size, and historical answers (at + asOf) at each log size. Both run on a
// seeded log, read-only (the admin key comes from the environment, so nothing is appended).
import fs from 'node:fs'
import path from 'node:path'
import { formatScale, type BenchConfig } from './config.ts'
import { load } from './load.ts'
import type { SeededLog } from './logs.ts'
import { benchAdminKey, firstScrub, startBenchService, startCeilingServer } from './processes.ts'
import type { Figure } from './table.ts'

type Log = (line: string) => void
const auth = { authorization: `Bearer ${benchAdminKey}` }
const best = (values: number[]) => Math.max(...values)

export const liveTargets = async (config: BenchConfig, seeded: SeededLog, work: string, log: Log): Promise<Figure> => {
  const server = await startBenchService(seeded.dir)
  const body = await (await fetch(`${server.url}/v1/targets`, { headers: auth })).text()
  await server.stop()
  const bodyFile = path.join(work, 'targets.json')
  fs.writeFileSync(bodyFile, body)
  const service: number[] = []
  const ceiling: number[] = []
  for (let round = 1; round <= config.repeat; round++) {
    const bare = await startCeilingServer('get', bodyFile)
    const ceilingRun = await load({ url: `${bare.url}/v1/targets`, connections: config.connections, seconds: config.seconds })
    await bare.stop()
    const running = await startBenchService(seeded.dir)
    // The steady state: the start's integrity scrub re-verifies the log on the serving thread.
    await firstScrub(running)
    const run = await load({ url: `${running.url}/v1/targets`, connections: config.connections, seconds: config.seconds, headers: auth })
    await running.stop()
    log(`  GET /v1/targets round ${round}: service ${run.perSecond.toFixed(0)}/s (${run.failed} failed), static ${ceilingRun.perSecond.toFixed(0)}/s`)
    service.push(run.perSecond)
    ceiling.push(ceilingRun.perSecond)
  }
  return {
    name: `GET /v1/targets, ${config.connections} connections (${formatScale(seeded.count)} log, ${(body.length / 1024).toFixed(0)} KiB body)`,
    value: best(service),
    unit: 'req/s',
    ceiling: { name: 'bare fastify GET of a static JSON of the same size', value: best(ceiling) },
    goal: { compare: '>=', target: 0.8 },
  }
}

const yearStart = Date.parse('2020-01-01T00:00:00+08:00')
const yearMs = 366 * 86_400_000

/** Distinct asOf instants spread over the year the seeded log's recordedAt covers. */
const historicalPaths = (count: number, offset: number) =>
  Array.from({ length: count }, (_, index) => {
    const asOf = new Date(yearStart + ((index + offset) / count) * yearMs).toISOString()
    return `/v1/targets?at=2020-12-31&asOf=${encodeURIComponent(asOf)}`
  })

export interface HistoryResult {
  count: number
  meanMs: number
  p50Ms: number
  /** The mean of one round before the log file was read into the OS page cache. */
  coldMeanMs: number
}

/**
 * Reads a file once so the OS keeps it in its page cache, as it keeps the log of a server that has
 * been running: the figure is then the service's cost, not the disk's cold reads (which at 10M, a
 * 5.5 GB log, added ~50 ms to the mean on this machine, whose page cache keeps ~3-6 GB; the bench
 * prints both).
 */
const warmPageCache = (file: string) => {
  const buffer = Buffer.allocUnsafe(8 * 1024 * 1024)
  const fd = fs.openSync(file, 'r')
  try {
    while (fs.readSync(fd, buffer, 0, buffer.length, null) > 0);
  } finally {
    fs.closeSync(fd)
  }
}

/** Mean latency of one client asking 200 different historical questions, one after another. */
export const historicalQueries = async (config: BenchConfig, seeded: SeededLog, log: Log): Promise<HistoryResult> => {
  const server = await startBenchService(seeded.dir)
  // Queries beside the start's integrity scrub (on the serving thread, ~25 s at 1M) measured the
  // scrub as much as the query: the 1M and 10M figures, not the 100k one, which it outlasted.
  await firstScrub(server)
  await load({ url: server.url, connections: 1, amount: 20, paths: historicalPaths(20, 0.25), headers: auth })
  // One round as the log's pages happen to be cached now (after the other sections), for the record.
  const cold = await load({ url: server.url, connections: 1, amount: 200, paths: historicalPaths(200, 0.1), headers: auth })
  warmPageCache(seeded.events)
  const runs = []
  // Each round asks other questions (shifted instants), so no answer is served twice.
  for (let round = 1; round <= config.repeat; round++)
    runs.push(await load({ url: server.url, connections: 1, amount: 200, paths: historicalPaths(200, round / (config.repeat + 1)), headers: auth }))
  await server.stop()
  const bestRun = runs.reduce((a, b) => (b.latencyMeanMs < a.latencyMeanMs ? b : a))
  log(
    `  historical queries at ${formatScale(seeded.count)}: mean ${bestRun.latencyMeanMs.toFixed(1)} ms, p50 ${bestRun.latencyP50Ms.toFixed(1)} ms ` +
      `(${bestRun.failed} failed); before the log was read into the page cache: mean ${cold.latencyMeanMs.toFixed(1)} ms, p50 ${cold.latencyP50Ms.toFixed(1)} ms`,
  )
  if (bestRun.failed > 0 || cold.failed > 0) throw new Error(`historical queries failed at ${formatScale(seeded.count)}`)
  return { count: seeded.count, meanMs: bestRun.latencyMeanMs, p50Ms: bestRun.latencyP50Ms, coldMeanMs: cold.latencyMeanMs }
}
