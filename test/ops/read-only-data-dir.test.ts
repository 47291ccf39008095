// Issue 16 item 12: a data directory the service cannot write makes start fail with one clear
// line naming the directory (no stack trace) and a non-zero exit. The process runs as a user
// without write permission on the directory (nobody when the tests run as root, who may write
// anywhere; the directory is made read-only otherwise).
import t from 'tap'
import { spawn } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { projectRoot } from '../helpers/process.ts'
import { createSqliteSnapshotStore } from '../../services/runner/snapshots.ts'

const runServe = (env: Record<string, string>): Promise<{ code: number | null; output: string }> =>
  new Promise((resolve) => {
    const asRoot = process.getuid?.() === 0
    // Without tap's NODE_OPTIONS (its spawn hook adds them back; env(1) drops them before node
    // starts): its process-info hook would write into the project as the other user and fail.
    const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), 'serve'], {
      cwd: projectRoot,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', HOME: os.tmpdir(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    })
    let output = ''
    child.stdout.on('data', (chunk) => (output += chunk))
    child.stderr.on('data', (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

t.test('serve with a read-only data directory exits 1 naming the directory, without a stack trace', async (t) => {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-readonly-'))
  chmodSync(parent, 0o755)
  const dataDir = path.join(parent, 'data')
  mkdirSync(dataDir)
  chmodSync(dataDir, 0o555)
  t.teardown(() => rmSync(parent, { recursive: true, force: true }))
  const { code, output } = await runServe({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_STORE: 'sqlite', TARGETWATCH_ADMIN_KEY: 'test-admin-key-0123456789' })
  t.equal(code, 1, 'exits 1')
  t.match(output, dataDir, 'names the directory')
  t.match(output, /TARGETWATCH_DATA_DIR/, 'names the setting')
  t.notMatch(output, /^\s+at /m, 'no stack trace')
})

t.test('the snapshot store names its file and directory when it cannot open them', async (t) => {
  const missing = path.join(os.tmpdir(), `targetwatch-missing-${process.pid}`, 'snapshots.db')
  t.throws(() => createSqliteSnapshotStore(missing), {
    name: 'ConfigError',
    message: new RegExp(`cannot open the snapshot file ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*${path.dirname(missing).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
  })
})
