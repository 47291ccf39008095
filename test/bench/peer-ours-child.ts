// Child process of the peer rows (peers.ts): our SQLite store through its port, called directly
// (no HTTP), WAL + synchronous=FULL as the service runs it, random (version 4) event ids as a
// client would send them, or time-ordered (version 7) ones as the service mints them.
// Usage: peer-ours-child.ts <file> <single50|batch100> <seconds> <inline|thread> [v4|v7]
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { newEventId } from '../../services/store/event-ids.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import type { NewEvent } from '../../services/store/port.ts'
import { peerFact, runPeerWorkload, type PeerWorkload } from './peer-workloads.ts'

const [file, workload, seconds, writer, ids = 'v4'] = process.argv.slice(2)
const newId = ids === 'v7' ? () => newEventId() : () => randomUUID()
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
const store = createSqliteStore({ file, writer: writer === 'thread' ? 'thread' : 'inline' })
await store.writerReady()
let n = 0
const event = (): NewEvent => {
  const id = newId()
  return { id, type: 'SamplingBatchTested', occurredAt: '2020-03-11T02:00:00.000Z', data: peerFact(n++), meta: { principal: 'peer-bench', requestId: id, schemaVersion: 1 } }
}
const result = await runPeerWorkload(workload as PeerWorkload, Number(seconds), async (stream, count, revision) => {
  await store.append(stream, Array.from({ length: count }, event), revision < 0 ? 'no_stream' : revision)
})
const { transactions } = store.stats()
await store.close()
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
process.stdout.write(`${JSON.stringify({ ...result, commits: transactions })}\n`)
