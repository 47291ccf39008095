// Benchmark: what the start's integrity scrub takes from the requests served beside it. Starts
// the real service on a copy of a seeded log (default the 1M one under BENCH_DIR), then runs
// durable single-event POSTs at 50 connections for SECONDS while the start's scrub re-verifies
// the whole log, waits for the scrub to end, and runs the same load again. Prints both rates,
// their p50s, the scrub's duration and the ratio of the two rates; asserts nothing.
//
//   BENCH_DIR=/var/tmp/targetwatch-bench npx tsx test/bench/scrub-load.ts [1M|100k|10M] [seconds]
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createGenerator } from './generator.ts'
import { load, type LoadResult } from './load.ts'
import { copyLog } from './logs.ts'
import { firstScrub, reporterKey, startBenchService } from './processes.ts'

const scale = process.argv[2] ?? '1M'
const seconds = Number(process.argv[3] ?? 8)
const seeded = path.join(process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'targetwatch-bench'), `log-${scale}`)
if (!fs.existsSync(seeded)) throw new Error(`no seeded log at ${seeded}: run npm run bench with BENCH_SCALES=${scale} first`)

const generator = createGenerator({ total: seconds * 2 * 30_000, seed: 5, firstSerial: 90_000_000 })
const bodies: string[] = []
while (bodies.length < seconds * 2 * 20_000) {
  const fact = generator.next()
  // Facts that open a stream of their own, or indicator reports: any order is valid.
  if (fact.revisionBefore < 0 || fact.submitted.type === 'IndicatorReported') bodies.push(JSON.stringify({ type: fact.submitted.type, data: fact.submitted.data }))
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-scrub-load-'))
const dataDir = path.join(work, 'data')
copyLog({ dir: seeded }, dataDir)
const server = await startBenchService(dataDir)
try {
  const key = await reporterKey(server)
  const run = (from: number) =>
    load({ url: `${server.url}/v1/events`, method: 'POST', connections: 50, seconds, bodies: bodies.slice(from), headers: { authorization: `Bearer ${key}` } })
  const scrubbing = firstScrub(server).then((duration) => ({ duration, endedAt: performance.now() }))
  const started = performance.now()
  const during = await run(0)
  const duringEndedAt = performance.now()
  const scrub = await scrubbing
  const after = await run(bodies.length / 2)
  const show = (what: string, result: LoadResult) => `${what}: ${result.perSecond.toFixed(0)} events/s (p50 ${result.latencyP50Ms} ms, ${result.failed} failed)`
  const overlap = Math.min(1, (scrub.endedAt - started) / (duringEndedAt - started))
  process.stdout.write(
    `${show('during the start scrub', during)}\n${show('after it', after)}\n` +
      `scrub ${scrub.duration.toFixed(1)} s, over ${(overlap * 100).toFixed(0)} % of the first run; ratio during / after ${(during.perSecond / after.perSecond).toFixed(2)}\n`,
  )
} finally {
  await server.stop()
  fs.rmSync(work, { recursive: true, force: true })
}
