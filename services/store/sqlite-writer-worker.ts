// The SQLite stores' writer thread (sqlite-writer-thread.ts starts one per process): owns the write
// connection of each store that sends it an `open`, and runs each group of appends it is sent
// (sqlite-writer.ts), so the COMMIT's fsync and the inserts no longer hold the event loop that
// serves. Messages are answered in the order they came, each with its connection and id.
import type Database from 'better-sqlite3'
import { parentPort } from 'node:worker_threads'
import { StoreUnavailable } from '../../domain/errors.ts'
import { toWire } from '../threads/error-wire.ts'
import { openDatabase } from './sqlite-schema.ts'
import { createSqliteWriter } from './sqlite-writer.ts'
import { toStoreError } from './sqlite-errors.ts'
import { NOT_OPEN, type WriterReply, type WriterRequest } from './sqlite-writer-thread.ts'

const port = parentPort
if (port === null) throw new Error('sqlite-writer-worker.ts runs as a worker thread of the SQLite store')
const reply = (message: WriterReply) => port.postMessage(message)

const opened = new Map<number, { db: Database.Database; writeGroup: ReturnType<typeof createSqliteWriter> }>()

port.on('message', (message: WriterRequest) => {
  const { conn, id } = message
  if (message.kind === 'open') {
    const { file, pragmas } = message.input
    let db: Database.Database | undefined
    try {
      db = openDatabase(file)
      // The writer's own settings first (sqlite-writer.ts), then the PRAGMAs set so far, which may change them.
      const writeGroup = createSqliteWriter(db)
      for (const source of pragmas) db.pragma(source)
      opened.set(conn, { db, writeGroup })
      return reply({ conn, id, kind: 'value', value: 'ready' })
    } catch (error) {
      db?.close()
      return reply({ conn, id, kind: 'failed', error: toWire(toStoreError(error, 'open', `cannot open ${file}`)) })
    }
  }
  const connection = opened.get(conn)
  if (connection === undefined) return reply({ conn, id, kind: 'failed', error: toWire(new StoreUnavailable('the write connection is not open', { code: NOT_OPEN })) })
  if (message.kind === 'write') {
    const result = connection.writeGroup(message.group, message.now)
    if ('failure' in result) return reply({ conn, id, kind: 'failed', error: toWire(result.failure) })
    const outcomes = result.outcomes.map((outcome) => (outcome.ok ? outcome : { ok: false as const, error: toWire(outcome.error) }))
    return reply({ conn, id, kind: 'written', outcomes })
  }
  if (message.kind === 'pragma') {
    try {
      return reply({ conn, id, kind: 'value', value: connection.db.pragma(message.source, { simple: true }) })
    } catch (error) {
      return reply({ conn, id, kind: 'failed', error: toWire(error) })
    }
  }
  connection.db.close()
  opened.delete(conn)
  reply({ conn, id, kind: 'value', value: null })
})
