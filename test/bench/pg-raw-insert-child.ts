// Child process: the PostgreSQL batch-ingest ceiling. Writes the rows the service wrote (events
// after `after`, and the stream rows they created or advanced) into a copy of the same database
// with raw multi-row INSERTs through `pg`, 1,000 events per transaction (durable COMMIT, as the
// server is configured). Usage: pg-raw-insert-child.ts <written url> <copy url> <after>
import pg from 'pg'

const [writtenUrl, copyUrl, after] = process.argv.slice(2)
const written = new pg.Client({ connectionString: writtenUrl })
await written.connect()
const events = await written.query<unknown[]>({ text: 'SELECT * FROM targetwatch.events WHERE position > $1 ORDER BY position', values: [after], rowMode: 'array' })
const eventColumns = events.fields.map((field) => field.name)
const streamOfEvent = eventColumns.indexOf('stream_id')
const touched = [...new Set(events.rows.map((row) => row[streamOfEvent] as string))]
const streams = await written.query<unknown[]>({ text: 'SELECT * FROM targetwatch.streams WHERE id = ANY($1::bigint[])', values: [touched], rowMode: 'array' })
const streamColumns = streams.fields.map((field) => field.name)
const streamRows = new Map(streams.rows.map((row) => [String(row[streamColumns.indexOf('id')]), row]))
await written.end()

/** `($1, $2, ...), ($n, ...)` for `rows` rows of `width` values. */
const placeholders = (rows: number, width: number) =>
  Array.from({ length: rows }, (_, row) => `(${Array.from({ length: width }, (_, column) => `$${row * width + column + 1}`).join(', ')})`).join(', ')
const updates = streamColumns.filter((name) => name !== 'id').map((name) => `${name} = EXCLUDED.${name}`).join(', ')

const copy = new pg.Client({ connectionString: copyUrl })
await copy.connect()
const started = performance.now()
for (let index = 0; index < events.rows.length; index += 1000) {
  const chunk = events.rows.slice(index, index + 1000)
  // Each stream row is written once, at its first event, already in its final state (as in the SQLite ceiling).
  const firstSeen: unknown[][] = []
  for (const row of chunk) {
    const id = String(row[streamOfEvent])
    const stream = streamRows.get(id)
    if (stream) (firstSeen.push(stream), streamRows.delete(id))
  }
  await copy.query('BEGIN')
  if (firstSeen.length > 0)
    await copy.query(
      `INSERT INTO targetwatch.streams (${streamColumns.join(', ')}) OVERRIDING SYSTEM VALUE VALUES ${placeholders(firstSeen.length, streamColumns.length)} ` +
        `ON CONFLICT (id) DO UPDATE SET ${updates}`,
      firstSeen.flat(),
    )
  await copy.query(`INSERT INTO targetwatch.events (${eventColumns.join(', ')}) VALUES ${placeholders(chunk.length, eventColumns.length)}`, chunk.flat())
  await copy.query('COMMIT')
}
const ms = performance.now() - started
await copy.end()
process.stdout.write(`${JSON.stringify({ rows: events.rows.length, ms })}\n`)
