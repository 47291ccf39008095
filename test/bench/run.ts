// `npm run bench`: every performance figure of issue #7 against a ceiling measured in the same run
// on the same machine, as one table (stdout; progress goes to stderr). Never part of `npm test`.
// Environment: BENCH_SCALES (100k,1M,10M), BENCH_REPEAT (3), BENCH_SECONDS (10), BENCH_DIR,
// BENCH_CONNECTIONS (50), BENCH_ONLY (ingest,profile,batch,peers,rebuild,postgres,plans,targets,history,extra,calibration). See README.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatScale, loadBenchConfig } from './config.ts'
import { calibration } from './calibration.ts'
import { extraFigures } from './extras.ts'
import { batchIngest, durableCommits, singleIngest } from './ingest.ts'
import { ingestProfile } from './ingest-profile.ts'
import { seededLog } from './logs.ts'
import { scrubLoad } from './scrub-load.ts'
import { peerFigures } from './peers.ts'
import { postgresFigures } from './postgres.ts'
import { rebuild, type RebuildResult } from './rebuild.ts'
import { formatTable, type Figure } from './table.ts'
import { historicalQueries, liveTargets, type HistoryResult } from './targets.ts'
import { rebuildTwoPlans } from './two-plans.ts'

const config = loadBenchConfig()
const log = (line: string) => process.stderr.write(`${line}\n`)
const wants = (section: string) => config.only.size === 0 || config.only.has(section)
const work = path.join(config.dir, 'work')
fs.mkdirSync(work, { recursive: true })
const loadAverages: number[][] = [os.loadavg()]
const sample = () => loadAverages.push(os.loadavg())
const figures: Figure[] = []

log(`bench: scales ${config.scales.map(formatScale).join(', ')}; best of ${config.repeat}; ${config.seconds} s per HTTP run; logs in ${config.dir}`)
const logs = []
// Only the sections over a seeded log need one (seeding the 10M log takes a quarter of an hour).
if (['batch', 'scrub', 'rebuild', 'postgres', 'targets', 'history'].some(wants)) for (const scale of config.scales) logs.push(await seededLog(config.dir, scale, log))
// The figures the issue states at 1M use the 1M log, or the nearest one this run has.
const main = logs.find((seeded) => seeded.count === 1_000_000) ?? logs.at(-1)!

if (wants('ingest')) {
  log('durable single-event ingest')
  figures.push(await singleIngest(config, work, log))
  figures.push(await durableCommits(work))
  sample()
}
if (wants('profile')) {
  log('per-stage profile of POST /v1/events')
  figures.push(...(await ingestProfile(config, work, log)))
  sample()
}
if (wants('batch')) {
  log(`batch ingest into the ${formatScale(main.count)} log`)
  figures.push(await batchIngest(config, main, work, log))
  sample()
}
if (wants('scrub')) {
  log(`single-event ingest during the start's scrub of the ${formatScale(main.count)} log`)
  figures.push(await scrubLoad(config, main, work, log))
  sample()
}

if (wants('peers')) {
  log('peer rows: our SQLite store beside Emmett 0.42, each through its own API')
  figures.push(...(await peerFigures(config, work, log)))
  sample()
}

const rebuilds: RebuildResult[] = []
if (wants('rebuild')) {
  for (const seeded of logs) {
    log(`rebuild of every projection over ${formatScale(seeded.count)} events`)
    rebuilds.push(await rebuild(config, seeded, log))
    sample()
  }
  const ofMain = rebuilds.find((result) => result.count === main.count)!
  figures.push({
    name: `rebuild of every projection (${ofMain.projections.join(', ')}) from zero, ${formatScale(main.count)} events`,
    value: main.count / (ofMain.rebuildMs / 1000),
    unit: 'events/s',
    ceiling: { name: 'raw scan of the events table (SELECT *, iterate, no decoding)', value: main.count / (ofMain.scanMs / 1000) },
    goal: { compare: '>=', target: 0.8 },
    note: `each round's pair, scan/rebuild: ${ofMain.pairedRatios.map((ratio) => ratio.toFixed(2)).join(', ')}`,
  })
}

// PostgreSQL's rows beside SQLite's: its own server (DATABASE_URL, or a cluster the bench starts).
if (wants('postgres')) {
  log(`PostgreSQL: single ingest, batch ingest into the ${formatScale(main.count)} log, rebuild`)
  figures.push(...(await postgresFigures(config, main, work, log)))
  sample()
}

if (wants('plans')) {
  log(`rebuild over ${formatScale(main.count)} events with two plans active against one`)
  figures.push(await rebuildTwoPlans(config, main, work, log))
  sample()
}

if (wants('targets')) {
  log(`GET /v1/targets on the ${formatScale(main.count)} log`)
  figures.push(await liveTargets(config, main, work, log))
  sample()
}

const histories: HistoryResult[] = []
if (wants('history')) {
  for (const seeded of logs) {
    log(`historical queries over ${formatScale(seeded.count)} events`)
    histories.push(await historicalQueries(config, seeded, log))
    sample()
  }
  const [base, ...larger] = histories
  for (const result of larger)
    figures.push({
      name: `GET /v1/targets?at=&asOf= at ${formatScale(result.count)} events (mean latency, log in the page cache)`,
      value: result.meanMs,
      unit: 'ms',
      ceiling: { name: `the same queries at ${formatScale(base.count)} events`, value: base.meanMs },
      goal: { compare: '<=', target: 1.5 },
    })
}

if (rebuilds.length > 0) {
  const largest = rebuilds.at(-1)!
  figures.push({
    name: `peak RSS, rebuild of ${formatScale(largest.count)} events`,
    value: largest.maxRssMb,
    unit: 'MB',
    ...(largest.count >= 10_000_000 ? { goal: { compare: '<', target: 300 } as const } : { note: 'the goal is stated at 10M' }),
  })
}

// The cost curve: rebuild time per event should not grow with the log, query latency not at all.
const [smallest] = rebuilds
for (const result of rebuilds) {
  const perEvent = (result.rebuildMs * 1000) / result.count
  figures.push({
    name: `cost curve: rebuild, ${formatScale(result.count)} events`,
    value: result.rebuildMs / 1000,
    unit: 's',
    ...(result === smallest ? {} : { ratio: perEvent / ((smallest.rebuildMs * 1000) / smallest.count) }),
    note: `${perEvent.toFixed(2)} µs/event${result === smallest ? '' : `; ratio = per-event cost vs ${formatScale(smallest.count)}`}`,
  })
}
for (const result of histories)
  figures.push({
    name: `cost curve: historical query, ${formatScale(result.count)} events`,
    value: result.meanMs,
    unit: 'ms',
    note: `p50 ${result.p50Ms.toFixed(1)} ms; before the log was in the page cache: mean ${result.coldMeanMs.toFixed(1)} ms`,
  })

if (wants('extra')) figures.push(...(await extraFigures(fileURLToPath(new URL('.', import.meta.url)), log)))
sample()
// The volume forecasts against simulated years (test/bench/calibration.ts): rows here, its
// Brier scores and reliability tables after the table.
let calibrationReport = ''
if (wants('calibration')) {
  log('calibration of the volume forecasts over simulated years')
  const result = calibration(undefined, log)
  figures.push(...result.figures)
  calibrationReport = `${result.report}
`
  sample()
}

const cpus = os.cpus()
const averages = loadAverages.map((values) => values[0].toFixed(2))
process.stdout.write(
  [
    '',
    `machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
    `load average (1 min) at start and after each section: ${averages.join(', ')}; max ${Math.max(...loadAverages.map((values) => values[0])).toFixed(2)}`,
    `scales: ${config.scales.map(formatScale).join(', ')}; each figure and its ceiling back to back, best of ${config.repeat}; ${config.seconds} s per HTTP run`,
    '',
    formatTable(figures),
    '',
    calibrationReport,
  ].join('\n'),
)
