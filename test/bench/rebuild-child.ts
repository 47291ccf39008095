// Child process: rebuilds every projection the service registers, from zero, over a log, the way
// the service does at start-up (runner.start with no snapshots, writing snapshots as it goes).
// Usage: rebuild-child.ts <events.db | postgres://… database url> <snapshots.db (created afresh)>
import fs from 'node:fs'
import pino from 'pino'
import { createRunner } from '../../services/runner/runner.ts'
import { createSqliteSnapshotStore } from '../../services/runner/snapshots.ts'
import { projections } from '../../services/services.ts'
import { createPostgresStore } from '../../services/store/postgres.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'

const [eventsFile, snapshotsFile] = process.argv.slice(2)
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(snapshotsFile + suffix, { force: true })
const store = /^postgres(ql)?:\/\//.test(eventsFile) ? await createPostgresStore({ connectionString: eventsFile }) : createSqliteStore({ file: eventsFile })
const snapshots = createSqliteSnapshotStore(snapshotsFile)
const runner = createRunner({ store, projections, snapshots, logger: pino({ level: 'warn' }) })
const events = await store.head()
const started = performance.now()
await runner.start()
const ms = performance.now() - started
await runner.stop()
await store.close()
snapshots.close()
const maxRssMb = process.resourceUsage().maxRSS / 1024
process.stdout.write(`${JSON.stringify({ events, ms, maxRssMb, projections: projections.map((p) => p.name) })}\n`)
