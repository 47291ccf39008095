// Child process: seeds a log (seed.ts), then checks a sample of its streams' hash chains as an
// auditor would, reading them back through the store. Usage: seed-child.ts <events.db> <count>
import { verifyStreamChain } from '../../services/store/hashing.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { seedLog } from './seed.ts'

const [file, count] = process.argv.slice(2)
const started = performance.now()
await seedLog(file, Number(count), (written) => {
  if (written % 500_000 === 0) process.stderr.write(`  ${written} events, ${Math.round(written / ((performance.now() - started) / 1000))}/s\n`)
})

const store = createSqliteStore({ file })
const names = store.database
  .prepare<[number], string>("SELECT name FROM streams WHERE id % ? = 0 OR name LIKE 'indicator-%' OR name LIKE 'rescue-%' LIMIT 2000")
  .pluck()
  .all(Math.max(1, Math.floor(Number(count) / 500)))
for (const name of names) {
  const events: RecordedEvent[] = []
  for await (const event of store.readStream(name)) events.push(event)
  const broken = verifyStreamChain(events)
  if (events.length === 0 || broken !== null) throw new Error(`stream ${name}: hash chain breaks at revision ${broken}`)
}
await store.close()
process.stdout.write(`${JSON.stringify({ verified: names.length })}\n`)
