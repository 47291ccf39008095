// Child process: the PostgreSQL rebuild's ceiling, a raw scan of the events table with `pg`:
// keyset pages of 10,000 rows in position order as arrays, nothing decoded beyond what the driver
// does. (One unpaged SELECT would hold the whole log in memory.) Usage: pg-scan-child.ts <url>
import pg from 'pg'

const client = new pg.Client({ connectionString: process.argv[2] })
await client.connect()
const page = 10_000
const started = performance.now()
let rows = 0
for (let from = 0; ; ) {
  const result = await client.query<unknown[]>({
    text: 'SELECT * FROM targetwatch.events WHERE position > $1 ORDER BY position LIMIT $2',
    values: [from, page],
    rowMode: 'array',
  })
  rows += result.rows.length
  if (result.rows.length < page) break
  from = Number(result.rows[result.rows.length - 1][0])
}
const ms = performance.now() - started
await client.end()
process.stdout.write(`${JSON.stringify({ rows, ms })}\n`)
