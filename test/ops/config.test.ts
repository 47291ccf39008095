// A bad value in the environment stops start-up: the real process exits 1 with one line naming
// the variable and what was wrong — no stack trace, nothing listening, nothing written. Every
// variable is checked through loadConfig; a sample of them through the real process (the path
// from loadConfig to the exit is the same for all).
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, loadConfig } from '../../services/config.ts'
import { freePort, projectRoot } from '../helpers/process.ts'

const run = (args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('exit', (code) => (clearTimeout(timer), resolve({ code, stderr, stdout })))
  })

// [variable, bad value, what the message must say]
const badValues: [string, string, RegExp][] = [
  ['PORT', 'eighty', /^PORT: must be a whole number, got 'eighty'$/],
  ['PORT', '70000', /^PORT: must be between 0 and 65535, got 70000$/],
  ['HOST', 'my host', /^HOST: must be an IP address or a host name, got 'my host'$/],
  ['TARGETWATCH_STORE', 'mysql', /^TARGETWATCH_STORE: must be one of sqlite, memory, eventstoredb, postgres, got 'mysql'$/],
  ['TARGETWATCH_ADMIN_KEY', 'short', /^TARGETWATCH_ADMIN_KEY: must be at least 16 characters/],
  ['LOG_LEVEL', 'loud', /^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got 'loud'$/],
  ['TARGETWATCH_BODY_LIMIT', '10', /^TARGETWATCH_BODY_LIMIT: must be between 1024 and \d+, got 10$/],
  ['TARGETWATCH_MAX_BATCH', '0', /^TARGETWATCH_MAX_BATCH: must be between 1 and 100000, got 0$/],
  ['TARGETWATCH_READY_LAG_EVENTS', '-5', /^TARGETWATCH_READY_LAG_EVENTS: must be a whole number, got '-5'$/],
  ['TARGETWATCH_SNAPSHOT_EVERY', '5', /^TARGETWATCH_SNAPSHOT_EVERY: must be between 100 and 10000000, got 5$/],
  ['TARGETWATCH_VERIFY_THREAD_FROM', '-1', /^TARGETWATCH_VERIFY_THREAD_FROM: must be a whole number of at least 0, got '-1'$/],
  ['TARGETWATCH_METRICS_ACCESS', 'open', /^TARGETWATCH_METRICS_ACCESS: must be one of public, key, got 'open'$/],
  ['TARGETWATCH_WEBHOOK_RETRY_SCHEDULE', 'soon', /^TARGETWATCH_WEBHOOK_RETRY_SCHEDULE: /],
  ['TARGETWATCH_WEBHOOK_ALLOW_PRIVATE', 'maybe', /^TARGETWATCH_WEBHOOK_ALLOW_PRIVATE: /],
]

const cases = [
  ...badValues.map(([variable, value, message]) => ({ name: `${variable}=${value}`, variable, env: { [variable]: value }, message })),
  {
    name: 'TARGETWATCH_STORE=eventstoredb without EVENTSTORE_URL',
    variable: 'EVENTSTORE_URL',
    env: { TARGETWATCH_STORE: 'eventstoredb' },
    message: /^EVENTSTORE_URL: is required when TARGETWATCH_STORE=eventstoredb/,
  },
  {
    name: 'TARGETWATCH_STORE=postgres without DATABASE_URL',
    variable: 'DATABASE_URL',
    env: { TARGETWATCH_STORE: 'postgres' },
    message: /^DATABASE_URL: is required when TARGETWATCH_STORE=postgres/,
  },
]

t.test('every bad value is a ConfigError naming its variable', async (t) => {
  for (const { name, variable, env, message } of cases) {
    const error = (() => {
      try {
        loadConfig(env, os.tmpdir())
      } catch (caught) {
        return caught
      }
    })()
    t.ok(error instanceof ConfigError && error.variable === variable, `${name}: a ConfigError for ${variable}`)
    t.match((error as Error).message, message, `${name}: ${(error as Error).message}`)
  }
})

t.test('a bad value stops the real process at start-up', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-config-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = String(await freePort())
  const sample = ['PORT=eighty', 'HOST=my host', 'TARGETWATCH_METRICS_ACCESS=open', 'TARGETWATCH_STORE=eventstoredb without EVENTSTORE_URL']
  const processCases = cases.filter((c) => sample.includes(c.name))
  t.equal(processCases.length, sample.length)
  await Promise.all(
    processCases.map(async ({ name, env, message }) => {
      const dir = path.join(dataDir, name.replace(/[^A-Za-z0-9]/g, '_'))
      const { code, stderr } = await run(['serve'], { PORT: port, TARGETWATCH_DATA_DIR: dir, TARGETWATCH_ADMIN_KEY: 'config-test-admin-key', ...env })
      const line = stderr.trim().replace(/^targetwatch: /, '')
      t.equal(code, 1, `${name}: exit code 1`)
      t.match(line, message, `${name}: says which variable and why`)
      t.notMatch(stderr, /\n\s+at /, `${name}: no stack trace`)
      t.notOk(existsSync(dir), `${name}: nothing was written`)
    }),
  )
})

t.test('bad command-line options of simulate and serve --demo are refused the same way', async (t) => {
  const options: [string[], RegExp][] = [
    [['simulate', '--until', '2020-02-30', '--key', 'k'], /^simulate --until: must be a date YYYY-MM-DD, got '2020-02-30'$/],
    [['serve', '--demo', '--scale', '3'], /^serve --demo --scale: must be a number in \(0, 2\], got '3'$/],
  ]
  await Promise.all(
    options.map(async ([args, message]) => {
      const { code, stderr } = await run(args, { TARGETWATCH_DATA_DIR: path.join(os.tmpdir(), 'targetwatch-never-created') })
      t.equal(code, 1, `${args.join(' ')}: exit code 1`)
      t.match(stderr.trim().replace(/^targetwatch: /, ''), message, `${args.join(' ')}: names the option`)
    }),
  )
})
