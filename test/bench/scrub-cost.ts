// Benchmark: what the integrity scrub and the start-up check cost (README "Integrity"). Seeds a
// SQLite log of N events (default 100,000) through the store's own append path, then runs the
// scrub's verification (services/audit/verify.ts over the raw file, as GET /v1/audit/verify and
// the scheduled scrub do) while measuring the event loop's longest stall, and SQLite's
// integrity_check (the blocking part of the start-up check). Prints figures per run and
// extrapolated to 1,000,000 events (both are linear in the log); asserts nothing.
//
//   npx tsx test/bench/scrub-cost.ts [events]
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { verifyLog } from '../../services/audit/verify.ts'
import { dataDirSource } from '../../services/audit/verify-sources.ts'
import { sqliteIntegrityCheck } from '../../services/store/sqlite-corruption.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'

const events = Number(process.argv[2] ?? 100_000)
const meta = { principal: 'bench', requestId: 'scrub-cost', schemaVersion: 1 }
const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-scrub-'))
const file = path.join(dir, 'events.db')

const seed = async () => {
  const store = createSqliteStore({ file })
  for (let written = 0; written < events; ) {
    const group: Promise<unknown>[] = []
    for (let i = 0; i < 4000 && written < events; i++, written++) {
      const batchId = `SCRUB-${written}`
      const day = `2020-${String(1 + (written % 12)).padStart(2, '0')}-${String(1 + (written % 28)).padStart(2, '0')}`
      const data = { batchId, region: 'zunyi', stage: 'distribution', sampledOn: day, result: written % 50 ? 'pass' : 'fail' }
      group.push(store.append(`sampling-${batchId}`, [{ id: randomUUID(), type: 'SamplingBatchTested', occurredAt: `${day}T09:00:00+08:00`, data, meta }], 'no_stream'))
    }
    await Promise.all(group)
  }
  await store.close()
}

const perMillion = (ms: number) => (ms * 1_000_000) / events / 1000

try {
  await seed()
  const bytes = statSync(file).size

  const quickStarted = performance.now()
  const quick = sqliteIntegrityCheck(file)
  const quickMs = performance.now() - quickStarted

  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const scrubStarted = performance.now()
  const cpuStarted = process.cpuUsage()
  const source = dataDirSource(dir)
  const report = await verifyLog(source, { trustedKeys: null })
  source.close()
  const scrubMs = performance.now() - scrubStarted
  const cpu = process.cpuUsage(cpuStarted)
  loop.disable()

  const lines = [
    `log: ${events} events, ${(bytes / 1e6).toFixed(1)} MB (verify ok: ${report.ok}, integrity_check ok: ${quick.ok})`,
    `scrub (full verify): ${(scrubMs / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU; per 1M events: ${perMillion(scrubMs).toFixed(1)} s wall`,
    `event loop during the scrub: longest stall ${(loop.max / 1e6).toFixed(1)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
    `start-up integrity_check: ${quickMs.toFixed(0)} ms (blocking, before listen); per 1M events: ${perMillion(quickMs).toFixed(1)} s`,
  ]
  process.stdout.write(`${lines.join('\n')}\n`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
