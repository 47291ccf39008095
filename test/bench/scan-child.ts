// Child process: the rebuild's ceiling, a raw scan of the events table: every row and column
// stepped through by better-sqlite3, nothing decoded. Usage: scan-child.ts <events.db>
import Database from 'better-sqlite3'

const db = new Database(process.argv[2], { readonly: true })
const started = performance.now()
let rows = 0
for (const _row of db.prepare('SELECT * FROM events').raw().iterate()) rows += 1
const ms = performance.now() - started
db.close()
process.stdout.write(`${JSON.stringify({ rows, ms })}\n`)
