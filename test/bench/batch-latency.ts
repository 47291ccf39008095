// Issue 16 item 10: does a big batch stall the service? Starts the real service (a child process,
// SQLite in a temp dir), posts BATCHES concurrent batches of FACTS facts each (default 4 × 10,000,
// about 1.46 MB a body) and meanwhile asks /healthz every 10 ms; prints the /healthz latencies
// (max, p99, p50) and the batches' times. `npx tsx test/bench/batch-latency.ts [batches] [facts]`.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { startService } from '../helpers/process.ts'

const adminKey = 'bench-admin-key-0123456789'
const regions = ['guiyang', 'zunyi', 'liupanshui', 'anshun', 'bijie', 'tongren', 'qianxinan', 'qiandongnan', 'qiannan']

export const bigBatch = (facts: number, label: string) => ({
  events: Array.from({ length: facts }, (_, n) => ({
    type: 'SamplingBatchTested',
    data: {
      batchId: `L-${label}-${n}-${randomUUID().slice(0, 8)}`,
      region: regions[n % regions.length],
      stage: 'distribution',
      sampledOn: `2020-0${1 + (n % 9)}-1${n % 10}`,
      result: n % 17 === 0 ? 'fail' : 'pass',
      ...(n % 17 === 0 ? { failedItems: ['菌落总数 (aerobic plate count)'] } : {}),
    },
  })),
})

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!

const main = async () => {
  const batches = Number(process.argv[2] ?? 4)
  const facts = Number(process.argv[3] ?? 10_000)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-batch-latency-'))
  const service = await startService({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey, TARGETWATCH_RATE_LIMIT: '0' }, 60_000)
  try {
    const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify(bigBatch(facts, String(b))))
    const latencies: number[] = []
    let running = true
    const probe = (async () => {
      while (running) {
        const started = performance.now()
        await (await fetch(`${service.url}/healthz`)).arrayBuffer()
        latencies.push(performance.now() - started)
        await new Promise((r) => setTimeout(r, 10))
      }
    })()
    const started = performance.now()
    const times = await Promise.all(
      bodies.map(async (body) => {
        const response = await fetch(`${service.url}/v1/events/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
          body,
        })
        const answer = (await response.json()) as { errors: boolean; items: unknown[] }
        if (response.status !== 200 || answer.errors) throw new Error(`batch answered ${response.status}, errors: ${answer.errors}`)
        return performance.now() - started
      }),
    )
    running = false
    await probe
    const sorted = [...latencies].sort((a, b) => a - b)
    const ms = (v: number) => `${v.toFixed(1)} ms`
    console.log(`${batches} concurrent batches × ${facts} facts (${(Buffer.byteLength(bodies[0]!) / 1e6).toFixed(2)} MB each): done in ${times.map((v) => (v / 1000).toFixed(1)).join(', ')} s`)
    console.log(`/healthz during them: ${latencies.length} probes, max ${ms(sorted.at(-1)!)}, p99 ${ms(percentile(sorted, 99))}, p50 ${ms(percentile(sorted, 50))}`)
  } finally {
    service.child.kill('SIGTERM')
    await service.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
