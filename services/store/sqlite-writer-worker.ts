// The SQLite store's writer thread (sqlite-writer-thread.ts starts it): owns the write connection
// and runs each group of appends it is sent (sqlite-writer.ts), so the COMMIT's fsync and the
// inserts no longer hold the event loop that serves. Messages are answered in the order they came.
import { parentPort, workerData } from 'node:worker_threads'
import { toWire } from '../threads/error-wire.ts'
import { openDatabase } from './sqlite-schema.ts'
import { createSqliteWriter } from './sqlite-writer.ts'
import { toStoreError } from './sqlite-errors.ts'
import type { WriterReply, WriterRequest, WriterThreadInput } from './sqlite-writer-thread.ts'

const port = parentPort
if (port === null) throw new Error('sqlite-writer-worker.ts runs as a worker thread of the SQLite store')
const { file, pragmas } = workerData as WriterThreadInput
const reply = (message: WriterReply) => port.postMessage(message)

let db: ReturnType<typeof openDatabase>
try {
  db = openDatabase(file)
  for (const source of pragmas) db.pragma(source)
} catch (error) {
  reply({ id: 0, kind: 'failed', error: toWire(toStoreError(error, 'open', `cannot open ${file}`)) })
  process.exit(1)
}
const writeGroup = createSqliteWriter(db)
reply({ id: 0, kind: 'value', value: 'ready' })

port.on('message', (message: WriterRequest) => {
  if (message.kind === 'write') {
    const result = writeGroup(message.group, message.now)
    if ('failure' in result) return reply({ id: message.id, kind: 'failed', error: toWire(result.failure) })
    const outcomes = result.outcomes.map((outcome) => (outcome.ok ? outcome : { ok: false as const, error: toWire(outcome.error) }))
    return reply({ id: message.id, kind: 'written', outcomes })
  }
  if (message.kind === 'pragma') {
    try {
      return reply({ id: message.id, kind: 'value', value: db.pragma(message.source, { simple: true }) })
    } catch (error) {
      return reply({ id: message.id, kind: 'failed', error: toWire(error) })
    }
  }
  db.close()
  reply({ id: message.id, kind: 'value', value: null })
  port.close()
})
