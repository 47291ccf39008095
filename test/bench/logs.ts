// Seeded logs, kept in BENCH_DIR between runs: log-<scale>/events.db (+ snapshots.db once a rebuild
// has run). A log is reused while its recipe (generator, store schema, size) is unchanged.
import fs from 'node:fs'
import path from 'node:path'
import { schemaVersion } from '../../services/store/sqlite-schema.ts'
import { formatScale } from './config.ts'
import { generatorVersion } from './generator.ts'
import { runChild } from './processes.ts'

export interface SeededLog {
  count: number
  dir: string
  events: string
  snapshots: string
}

const recipeOf = (count: number) => ({ count, generatorVersion, schemaVersion })

export const seededLog = async (root: string, count: number, log: (line: string) => void): Promise<SeededLog> => {
  const dir = path.join(root, `log-${formatScale(count)}`)
  const events = path.join(dir, 'events.db')
  const recipeFile = path.join(dir, 'seeded.json')
  const recipe = JSON.stringify(recipeOf(count))
  const seeded = { count, dir, events, snapshots: path.join(dir, 'snapshots.db') }
  if (fs.existsSync(recipeFile) && fs.readFileSync(recipeFile, 'utf8') === recipe) return seeded
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  log(`seeding ${formatScale(count)} events into ${events} (kept for later runs)`)
  const started = performance.now()
  const result = await runChild<{ verified: number }>('seed-child.ts', [events, String(count)])
  log(`  seeded in ${((performance.now() - started) / 1000).toFixed(0)} s; ${result.verified} sampled streams verify their hash chains`)
  fs.writeFileSync(recipeFile, recipe)
  return seeded
}

/** A private copy of a seeded log for runs that write to it. */
export const copyLog = (log: SeededLog, dir: string): string => {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  fs.copyFileSync(log.events, path.join(dir, 'events.db'))
  if (fs.existsSync(log.snapshots)) fs.copyFileSync(log.snapshots, path.join(dir, 'snapshots.db'))
  return path.join(dir, 'events.db')
}
