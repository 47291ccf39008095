// Child process of the peer rows (../peers.ts): Emmett 0.42's SQLite event store
// (@event-driven-io/emmett-sqlite, on node-sqlite3), called directly, in one of two setups:
//   ambient: one connection for the whole process (connectionOptions: { singleton: true,
//     connection }), WAL and PRAGMA synchronous = FULL set on it: the best its docs allow; and
//     our writer's checkpoint interval (checkpointPragma), so both
//     stores checkpoint as rarely.
//     Concurrent appends on it nest into one open transaction (its withTransaction counts
//     nesting), so an append can resolve before the COMMIT that makes it durable.
//   default: its default, a connection opened per call (WAL, no busy timeout).
// Usage: emmett-child.ts <file> <single50|batch100> <seconds> <ambient|default>
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { getSQLiteEventStore, sqliteConnection } from '@event-driven-io/emmett-sqlite'
import sqlite3 from 'sqlite3'
import { peerFact, runPeerWorkload, type PeerWorkload } from '../peer-workloads.ts'
import { checkpointPragma } from '../../../services/store/sqlite-schema.ts'

const [fileName, workload, seconds, setup] = process.argv.slice(2)
// Counted on node-sqlite3 itself, under Emmett: the COMMITs it ran (how many fsyncs its acknowledged
// appends stood on) and the first error of a BEGIN (its withTransaction then tries a ROLLBACK that
// fails, and that second error is what the append rejects with).
const seen = { commits: 0, beginFailure: undefined as string | undefined }
const run = sqlite3.Database.prototype.run
sqlite3.Database.prototype.run = function (this: sqlite3.Database, sql: string, ...rest: any[]) {
  if (sql === 'COMMIT') seen.commits += 1
  const callback = rest.at(-1)
  if (sql.startsWith('BEGIN') && typeof callback === 'function')
    rest[rest.length - 1] = function (this: unknown, error: Error | null) {
      if (error) seen.beginFailure ??= error.message
      return callback.call(this, error)
    }
  return run.call(this, sql, ...rest)
} as typeof run
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(fileName + suffix, { force: true })
const connection = setup === 'ambient' ? sqliteConnection({ fileName }) : undefined
if (connection) {
  await connection.command('PRAGMA synchronous = FULL')
  await connection.command(`PRAGMA ${checkpointPragma}`)
}
const store = getSQLiteEventStore({ fileName, ...(connection ? { connectionOptions: { singleton: true, connection } } : {}) })
await store.schema.migrate()
seen.commits = 0 // the schema's own
let n = 0
const result = await runPeerWorkload(workload as PeerWorkload, Number(seconds), async (stream, count, revision) => {
  // Random (version 4) ids, as ours are given: Emmett takes a caller's metadata.messageId.
  const events = Array.from({ length: count }, () => ({ type: 'SamplingBatchTested', data: peerFact(n++), metadata: { messageId: randomUUID() } }))
  // Emmett counts stream versions from 1: a stream holding revision r is at version r + 1.
  await store.appendToStream(stream, events, { expectedStreamVersion: revision < 0 ? 0n : BigInt(revision + 1) })
})
connection?.close()
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(fileName + suffix, { force: true })
process.stdout.write(`${JSON.stringify({ ...result, ...seen })}\n`)
