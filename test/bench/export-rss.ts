// Benchmark: peak RSS of `targetwatch export` over a log of 1,000,000 events (target: under
// 200 MB, i.e. memory does not grow with the log). The log is seeded through the SQLite store's
// own append path; the export runs as the real CLI in a child process whose peak RSS
// (getrusage ru_maxrss) it reports itself on exit. Prints figures; asserts nothing.
//
//   npx tsx test/bench/export-rss.ts [events]      (TARGETWATCH_BENCH_DIR=dir keeps the seeded log)
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { regionIds } from '../../seeds/simulate/regions.ts'
import type { NewEvent } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const perCommit = 4000
const meta = { principal: 'bench', requestId: 'export-rss', schemaVersion: 1 }

/** A plausible fact for index i: sampling batches (own stream), registrations, indicator readings (long streams). */
const fact = (i: number): { stream: string; event: NewEvent; expected: 'no_stream' | 'any' } => {
  const region = regionIds[i % regionIds.length]
  const day = `2020-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`
  const occurredAt = `${day}T09:00:00+08:00`
  if (i % 10 === 9) {
    const indicator = `elevator-inspection-${i % 7}`
    return {
      stream: `indicator-${indicator}-${region}`,
      expected: 'any',
      event: { id: randomUUID(), type: 'IndicatorReported', occurredAt, data: { indicator, region, asOf: day, numerator: i % 997, denominator: 1000 }, meta },
    }
  }
  if (i % 10 >= 7) {
    const uscc = `9152000000${String(i).padStart(8, '0')}`
    return { stream: `entity-${uscc}`, expected: 'no_stream', event: { id: randomUUID(), type: 'MarketEntityRegistered', occurredAt, data: { uscc, region, kind: 'enterprise', registeredOn: day }, meta } }
  }
  const batchId = `BENCH-${i}`
  return {
    stream: `sampling-${batchId}`,
    expected: 'no_stream',
    event: { id: randomUUID(), type: 'SamplingBatchTested', occurredAt, data: { batchId, region, stage: 'distribution', sampledOn: day, result: i % 50 ? 'pass' : 'fail' }, meta },
  }
}

const seed = async (file: string, events: number) => {
  const store = createSqliteStore({ file })
  try {
    for (let written = await store.head(); written < events; ) {
      const group: Promise<unknown>[] = []
      for (let i = 0; i < perCommit && written < events; i++, written++) {
        const { stream, event, expected } = fact(written)
        group.push(store.append(stream, [event], expected))
      }
      await Promise.all(group)
    }
  } finally {
    await store.close()
  }
}

// A preload that makes the child report its own peak RSS (KiB on Linux) as it exits.
const reportMaxRss = `data:text/javascript,process.on('exit',()=>process.stderr.write('max-rss-kib='+process.resourceUsage().maxRSS+'\\n'))`

const exportOnce = (dataDir: string): Promise<{ bytes: number; lines: number; seconds: number; peakRssMiB: number }> =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', reportMaxRss, path.join(projectRoot, 'services/cli.ts'), 'export', '--data', dataDir], {
      cwd: projectRoot,
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let bytes = 0
    let lines = 0
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1
    })
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const rss = /max-rss-kib=(\d+)/.exec(stderr)
      if (code !== 0 || !rss) return reject(new Error(`export exited with ${code}: ${stderr.slice(-2000)}`))
      resolve({ bytes, lines, seconds: Number(process.hrtime.bigint() - started) / 1e9, peakRssMiB: Number(rss[1]) / 1024 })
    })
  })

export interface ExportRssFigures {
  events: number
  seedSeconds: number
  exportSeconds: number
  eventsPerSecond: number
  megabytes: number
  peakRssMiB: number
  /** The target of issue 4: peak RSS under 200 MB. */
  underBudget: boolean
}

export const run = async (events = 1_000_000): Promise<ExportRssFigures> => {
  const kept = process.env.TARGETWATCH_BENCH_DIR
  const dataDir = kept ? path.resolve(kept) : mkdtempSync(path.join(os.tmpdir(), 'targetwatch-export-rss-'))
  mkdirSync(dataDir, { recursive: true })
  try {
    const seedStarted = process.hrtime.bigint()
    await seed(path.join(dataDir, 'events.db'), events)
    const seedSeconds = Number(process.hrtime.bigint() - seedStarted) / 1e9
    const exported = await exportOnce(dataDir)
    if (exported.lines !== events) throw new Error(`exported ${exported.lines} lines, expected ${events}`)
    return {
      events,
      seedSeconds: Number(seedSeconds.toFixed(1)),
      exportSeconds: Number(exported.seconds.toFixed(1)),
      eventsPerSecond: Math.round(events / exported.seconds),
      megabytes: Number((exported.bytes / 1e6).toFixed(1)),
      peakRssMiB: Number(exported.peakRssMiB.toFixed(1)),
      underBudget: exported.peakRssMiB * 1.048576 < 200,
    }
  } finally {
    if (!kept && existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const events = Number(process.argv[2] ?? 1_000_000)
  const figures = await run(events)
  process.stdout.write(`export of ${figures.events} events: peak RSS ${figures.peakRssMiB} MiB (${figures.underBudget ? 'under' : 'OVER'} 200 MB), ` +
    `${figures.megabytes} MB in ${figures.exportSeconds} s (${figures.eventsPerSecond} events/s); seeding took ${figures.seedSeconds} s\n`)
  process.stdout.write(`${JSON.stringify(figures)}\n`)
}
