// Child process of the peer rows (../peers.ts): Emmett 0.42's consumer over a whole log, the peer
// of our runner's rebuild. It writes `count` sampling facts into Emmett's SQLite store first (100
// an append, on the ambient connection as emmett-child.ts), then times one consumer with one
// processor from the beginning to the last message: the processor folds each fact into pass/fail
// counts by region (one small projection, where our rebuild runs every projection the service has).
// Pulling: batches of 1,000, 1 ms between them (its defaults are 100 and 50 ms; batches of 10,000
// gave the same rate: 100,000 facts in 13.6 s against 14.0 s with 1,000).
// Usage: emmett-consumer-child.ts <file> <count>
import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import { getSQLiteEventStore, sqliteConnection } from '@event-driven-io/emmett-sqlite'
import { peerFact } from '../peer-workloads.ts'

const [fileName, countText] = process.argv.slice(2)
const count = Number(countText)
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(fileName + suffix, { force: true })
const connection = sqliteConnection({ fileName })
await connection.command('PRAGMA synchronous = FULL')
const store = getSQLiteEventStore({ fileName, connectionOptions: { singleton: true, connection } })
await store.schema.migrate()
let n = 0
for (let stream = 0; n < count; stream++) {
  const events = Array.from({ length: Math.min(100, count - n) }, () => ({ type: 'SamplingBatchTested', data: peerFact(n++), metadata: { messageId: randomUUID() } }))
  await store.appendToStream(`peer-${stream}`, events, { expectedStreamVersion: 0n })
}

type Fact = { type: 'SamplingBatchTested'; data: ReturnType<typeof peerFact> }
const tally = new Map<string, { pass: number; fail: number }>()
let seen = 0
let finished: () => void
const done = new Promise<void>((resolve) => (finished = resolve))
const consumer = store.consumer<Fact>({ pulling: { batchSize: 1000, pullingFrequencyInMs: 1 } })
consumer.processor<Fact>({
  processorId: 'peer-tally',
  startFrom: 'BEGINNING',
  eachMessage: (message) => {
    const counts = tally.get(message.data.region) ?? { pass: 0, fail: 0 }
    counts[message.data.result === 'fail' ? 'fail' : 'pass'] += 1
    tally.set(message.data.region, counts)
    seen += 1
    if (seen === count) finished()
  },
})
const started = performance.now()
void consumer.start()
await done
const ms = performance.now() - started
await consumer.stop()
await consumer.close()
connection.close()
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(fileName + suffix, { force: true })
const counted = [...tally.values()].reduce((sum, { pass, fail }) => sum + pass + fail, 0)
process.stdout.write(`${JSON.stringify({ events: seen, counted, ms })}\n`)
