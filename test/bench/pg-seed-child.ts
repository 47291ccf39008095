// Child process: a PostgreSQL bench log, imported from the seeded SQLite log the way an operator
// moves a store (services/audit/import.ts: ids, revisions, times and hashes kept), then ANALYZEd
// as after any bulk load. Usage: pg-seed-child.ts <events.db> <database url>
import pg from 'pg'
import { importEvents } from '../../services/audit/import.ts'
import { createPostgresStore } from '../../services/store/postgres.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'

const [file, url] = process.argv.slice(2)
const source = createSqliteStore({ file })
const target = await createPostgresStore({ connectionString: url })
const started = performance.now()
let read = 0
async function* exported() {
  for await (const event of source.readAll()) {
    read += 1
    if (read % 250_000 === 0) process.stderr.write(`  imported ${read} events, ${Math.round(read / ((performance.now() - started) / 1000))}/s\n`)
    yield JSON.stringify(event)
  }
}
const result = await importEvents(target, exported())
const ms = performance.now() - started
await target.close()
await source.close()
const client = new pg.Client({ connectionString: url })
await client.connect()
await client.query('VACUUM ANALYZE')
await client.end()
process.stdout.write(`${JSON.stringify({ ...result, ms })}\n`)
