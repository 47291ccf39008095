// BENCH_ONLY=profile: where the time of POST /v1/events goes, stage by stage (issue 18 item 1).
// The real service runs with TARGETWATCH_PROFILE_STAGES (services/stage-profile.ts) under the
// same load as the ingest row; one figure per stage, µs per request (per event for the folds).
import fs from 'node:fs'
import path from 'node:path'
import type { BenchConfig } from './config.ts'
import { createGenerator } from './generator.ts'
import { load } from './load.ts'
import { reporterKey, startBenchService } from './processes.ts'
import type { Figure } from './table.ts'

type Stages = Record<string, { count: number; totalUs: number; meanUs: number }>

const bodies = (count: number): string[] => {
  const generator = createGenerator({ total: count, seed: 7, firstSerial: 60_000_000 })
  const out: string[] = []
  while (out.length < count) {
    const fact = generator.next()
    if (fact.revisionBefore < 0 || fact.submitted.type === 'IndicatorReported') out.push(JSON.stringify({ type: fact.submitted.type, data: fact.submitted.data }))
  }
  return out
}

export const ingestProfile = async (config: BenchConfig, work: string, log: (line: string) => void): Promise<Figure[]> => {
  const dataDir = path.join(work, 'ingest-profile')
  const file = path.join(work, 'ingest-stages.json')
  fs.rmSync(dataDir, { recursive: true, force: true })
  fs.rmSync(file, { force: true })
  const server = await startBenchService(dataDir, { TARGETWATCH_PROFILE_STAGES: file })
  const key = await reporterKey(server)
  const run = await load({
    url: `${server.url}/v1/events`,
    method: 'POST',
    connections: config.connections,
    seconds: config.seconds,
    bodies: bodies(config.seconds * 40_000),
    headers: { authorization: `Bearer ${key}` },
  })
  await server.stop()
  const stages = JSON.parse(fs.readFileSync(file, 'utf8')) as Stages
  fs.rmSync(dataDir, { recursive: true, force: true })
  const perRequest = 1e6 / run.perSecond
  log(`  profiled ingest: ${run.perSecond.toFixed(0)}/s (${perRequest.toFixed(0)} µs of wall time per request), stages ${JSON.stringify(stages)}`)
  return Object.entries(stages).map(([stage, { count, meanUs, totalUs }]) => ({
    name: `ingest stage: ${stage}`,
    value: meanUs,
    unit: 'µs',
    // A wait (the fsync, the loop's queue) is latency; every other stage holds the event loop.
    note: stage.includes('(wait')
      ? `${count} times; latency, not loop time; run at ${run.perSecond.toFixed(0)} req/s`
      : `${count} times, ${((totalUs / 1e6 / run.seconds) * 100).toFixed(1)} % of the event loop's time; run at ${run.perSecond.toFixed(0)} req/s`,
  }))
}
