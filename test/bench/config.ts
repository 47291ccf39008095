// What `npm run bench` measures and how long, from the environment (see README, "Performance").
import os from 'node:os'
import path from 'node:path'

export interface BenchConfig {
  /** Log sizes for the rebuild and historical-query figures, ascending. */
  scales: number[]
  /** Each figure and its ceiling run back to back this many times; the best of each counts. */
  repeat: number
  /** Seconds per HTTP load run. */
  seconds: number
  /** Seeded logs are kept here between runs (they take minutes to write at 10M). */
  dir: string
  connections: number
  /** Only these sections (comma list of ingest, profile, batch, scrub, peers, rebuild, postgres, plans, targets, history, extra, calibration); all when empty. */
  only: Set<string>
}

const units: Record<string, number> = { '': 1, k: 1_000, m: 1_000_000 }

export const parseScale = (text: string): number => {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim())
  if (!match) throw new Error(`BENCH_SCALES: '${text}' is not a size like 100k or 1M`)
  return Math.round(Number(match[1]) * units[match[2].toLowerCase()])
}

export const formatScale = (count: number): string =>
  count >= 1_000_000 && count % 100_000 === 0 ? `${count / 1_000_000}M` : count >= 1_000 && count % 100 === 0 ? `${count / 1_000}k` : String(count)

const positive = (name: string, fallback: number): number => {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: must be a positive integer, got '${raw}'`)
  return value
}

export const loadBenchConfig = (): BenchConfig => ({
  scales: [...new Set((process.env.BENCH_SCALES || '100k,1M,10M').split(',').map(parseScale))].sort((a, b) => a - b),
  repeat: positive('BENCH_REPEAT', 3),
  seconds: positive('BENCH_SECONDS', 10),
  dir: path.resolve(process.env.BENCH_DIR || path.join(os.tmpdir(), 'targetwatch-bench')),
  connections: positive('BENCH_CONNECTIONS', 50),
  only: new Set((process.env.BENCH_ONLY || '').split(',').filter(Boolean)),
})
