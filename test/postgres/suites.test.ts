// The store-agnostic suites again, on PostgreSQL: each file below runs as its own process with
// TARGETWATCH_TEST_STORE=postgres (test/helpers/test-store.ts), so every harness that runs on
// SQLite in `npm test` runs here on a fresh database of one real server (DATABASE_URL's, or the
// cluster this file starts). Files that edit the SQLite file itself (tamper, hash-versions,
// export-import) have their PostgreSQL counterparts in test/postgres/.
import { spawn } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import { postgres } from '../helpers/postgres.ts'
import { projectRoot } from '../helpers/process.ts'

const suites = [
  'test/audit/attest.test.ts',
  'test/audit/checkpoints.test.ts',
  'test/audit/merkle.test.ts',
  'test/audit/proofs.test.ts',
  'test/audit/replay.test.ts',
  'test/audit/time-travel.test.ts',
  'test/http/plans.test.ts',
  'test/http/targets-kept.test.ts',
]

t.setTimeout(900_000)

interface Run {
  code: number | null
  output: string
  passed: number
  failed: number
}

/** One test file as a child process on PostgreSQL, bounded in time. */
const runOnPostgres = (file: string, databaseUrl: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, file)], {
      cwd: projectRoot,
      env: { ...process.env, TARGETWATCH_TEST_STORE: 'postgres', DATABASE_URL: databaseUrl, TAP_CHILD_ID: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      const count = (pattern: RegExp) => output.split('\n').filter((line) => pattern.test(line)).length
      resolve({ code, output, passed: count(/^\s*ok \d+/), failed: count(/^\s*not ok \d+/) })
    })
  })

const server = await postgres()
for (const file of suites) {
  t.test(`${file} on PostgreSQL`, async (t) => {
    const run = await runOnPostgres(file, server.adminUrl)
    t.equal(run.code, 0, `${file}: exit code`, run.code === 0 ? {} : { output: run.output.slice(-6000) })
    t.equal(run.failed, 0, `${file}: ${run.passed} ok lines, ${run.failed} not ok`)
  })
}
