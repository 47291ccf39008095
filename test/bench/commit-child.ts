// Child process: what one durable commit costs on this disk right now, the floor under every
// acknowledged append: single-row transactions, WAL, synchronous=FULL, for a few seconds.
// Usage: commit-child.ts <file (created afresh)>
import fs from 'node:fs'
import { openDatabase } from '../../services/store/sqlite-schema.ts'

const file = process.argv[2]
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
const db = openDatabase(file)
const insert = db.prepare("INSERT INTO streams (name, revision, last_hash) VALUES (?, 0, x'00')")
const started = performance.now()
let commits = 0
while (performance.now() - started < 3000) insert.run(`commit-${commits++}`)
const ms = performance.now() - started
db.close()
for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true })
process.stdout.write(`${JSON.stringify({ commits, ms })}\n`)
