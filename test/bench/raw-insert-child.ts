// Child process: the batch-ingest ceiling. Writes the rows the service wrote (events after
// `after`, the streams they created or advanced) into a copy of the same log with raw
// better-sqlite3 statements, 1,000 events per transaction, on the store's own connection
// settings (WAL, synchronous=FULL) and its writer's checkpoint interval (checkpointPragma), so the
// ceiling checkpoints as rarely as the store does. Usage: raw-insert-child.ts <written.db> <copy.db> <after>
import Database from 'better-sqlite3'
import { checkpointPragma, openDatabase } from '../../services/store/sqlite-schema.ts'

const [writtenFile, copyFile, after] = process.argv.slice(2)
const written = new Database(writtenFile, { readonly: true })
const events = written.prepare('SELECT * FROM events WHERE position > ? ORDER BY position').raw().all(Number(after)) as unknown[][]
const streamColumns = (written.prepare('SELECT * FROM streams LIMIT 1').columns()).map((column) => column.name)
const streamIdColumn = streamColumns.indexOf('id')
const eventStreamColumn = written.prepare('SELECT * FROM events LIMIT 1').columns().findIndex((column) => column.name === 'stream_id')
const streamRow = written.prepare('SELECT * FROM streams WHERE id = ?').raw()
const streams = new Map<number, unknown[]>()
for (const event of events) {
  const id = event[eventStreamColumn] as number
  if (!streams.has(id)) streams.set(id, streamRow.get(id) as unknown[])
}
written.close()

const db = openDatabase(copyFile)
db.pragma(checkpointPragma)
const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ')
const insertStream = db.prepare(`INSERT INTO streams VALUES (${marks(streamColumns.length)})`)
const otherColumns = streamColumns.filter((name) => name !== 'id')
const updateStream = db.prepare(`UPDATE streams SET ${otherColumns.map((name) => `${name} = ?`).join(', ')} WHERE id = ?`)
const existing = new Set<number>()
for (const id of streams.keys()) if (db.prepare('SELECT 1 FROM streams WHERE id = ?').get(id)) existing.add(id)
const writeStream = (row: unknown[]) => {
  if (!existing.has(row[streamIdColumn] as number)) return insertStream.run(row)
  return updateStream.run([...row.filter((_, index) => index !== streamIdColumn), row[streamIdColumn]])
}
const insertEvent = db.prepare(`INSERT INTO events VALUES (${marks(events[0].length)})`)
const writeChunk = db.transaction((chunk: unknown[][]) => {
  for (const event of chunk) {
    const stream = streams.get(event[eventStreamColumn] as number)
    if (stream) {
      writeStream(stream)
      streams.delete(stream[streamIdColumn] as number)
    }
    insertEvent.run(event)
  }
})
const started = performance.now()
for (let index = 0; index < events.length; index += 1000) writeChunk.immediate(events.slice(index, index + 1000))
const ms = performance.now() - started
db.close()
process.stdout.write(`${JSON.stringify({ rows: events.length, ms })}\n`)
