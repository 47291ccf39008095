// Seeded logs, kept in BENCH_DIR between runs: log-<scale>/events.db (+ snapshots.db once a rebuild
// has run). A log is reused while its recipe (generator, store schema, size) is unchanged.
import fs from 'node:fs'
import path from 'node:path'
import { schemaVersion } from '../../services/store/sqlite-schema.ts'
import { formatScale } from './config.ts'
import { generatorVersion } from './generator.ts'
import { runChild, startBenchService } from './processes.ts'

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
  const settledFile = path.join(dir, 'settled')
  if (!fs.existsSync(recipeFile) || fs.readFileSync(recipeFile, 'utf8') !== recipe) {
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(dir, { recursive: true })
    log(`seeding ${formatScale(count)} events into ${events} (kept for later runs)`)
    const started = performance.now()
    const result = await runChild<{ verified: number }>('seed-child.ts', [events, String(count)])
    log(`  seeded in ${((performance.now() - started) / 1000).toFixed(0)} s; ${result.verified} sampled streams verify their hash chains`)
    fs.writeFileSync(recipeFile, recipe)
  }
  if (!fs.existsSync(settledFile)) {
    await settle(seeded.dir, {}, log)
    fs.writeFileSync(settledFile, '')
  }
  return seeded
}

const caughtUp = [/projections caught up/, /Merkle tree caught up/]

/**
 * Runs the service once over a new log until every follower has caught up (read models, the
 * audit's Merkle tree), so the directory holds what a running deployment's holds and later
 * runs measure their figure, not a first start's catch-up.
 */
export const settle = async (dir: string, env: Record<string, string>, log: (line: string) => void) => {
  const started = performance.now()
  const service = await startBenchService(dir, { ...env, LOG_LEVEL: 'info' })
  const deadline = Date.now() + 3_600_000
  while (!caughtUp.every((line) => line.test(service.output())) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500))
  await service.stop()
  log(`  first start of the service over it (catch-up of every follower): ${((performance.now() - started) / 1000).toFixed(0)} s`)
}

/** A private copy of a seeded log's directory (the log and what the service keeps beside it), for runs that write. */
export const copyLog = (log: Pick<SeededLog, 'dir'>, dir: string): string => {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.cpSync(log.dir, dir, { recursive: true })
  // The copy is written back to disk now, not by the first fsync of whoever measures next: the
  // first WAL checkpoint into an unsynced 0.5 GB copy stalled for ~0.8 s, in the service and in
  // the raw-insert ceiling alike.
  for (const name of fs.readdirSync(dir)) {
    const fd = fs.openSync(path.join(dir, name), 'r+')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
  return path.join(dir, 'events.db')
}
