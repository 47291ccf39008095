// Shared by the audit tests: a SQLite-backed service listening on 127.0.0.1, facts posted in
// batches, and the CLI run as a real child process.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { batch } from '../helpers/facts.ts'
import { adminKey, startHarness, type Harness } from '../helpers/harness.ts'
import { projectRoot } from '../helpers/process.ts'
import { persistentStore } from '../helpers/test-store.ts'
import type { EventStore } from '../../services/store/port.ts'

export const auth = { authorization: `Bearer ${adminKey}` }

/**
 * A harness on SQLite in a temp dir (or `dataDir`; on PostgreSQL with TARGETWATCH_TEST_STORE),
 * listening on 127.0.0.1; checkpoints only when asked.
 */
export const listening = async (
  options: { dataDir?: string; env?: Record<string, string>; clock?: () => Date; openStore?: () => EventStore | Promise<EventStore> } = {},
) => {
  const h = await startHarness({
    // A store the test made (the EventStoreDB adapter on its stand-in) names its own kind.
    ...(options.openStore ? { store: 'eventstoredb' as const, openStore: options.openStore } : { store: persistentStore() }),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    env: { TARGETWATCH_LEDGER_CHECKPOINT_EVERY: '1000000', TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: '0', ...options.env },
  })
  const address = await h.app.listen({ port: 0, host: '127.0.0.1' })
  return { ...h, url: address }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const getJson = async (url: string): Promise<any> => {
  const response = await fetch(url, { headers: auth })
  const body = await response.json()
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`)
  return body
}

export const postEvents = async (h: Harness, events: unknown[]) => {
  const response = await h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events } })
  if (response.statusCode !== 200 || response.json().errors) throw new Error(`batch failed: ${response.body.slice(0, 500)}`)
  const items = response.json().items as { position: number }[]
  // Reads without a position are eventually consistent (docs/ARCHITECTURE.md, section 4): the
  // tests read what they wrote, so they wait for the read models as a client passes `position`.
  await h.services.runner.waitFor(Math.max(0, ...items.map((item) => item.position)))
  return items
}

/** `count` sampling batches named `${prefix}-i`, every `failEvery`-th failing. */
export const samplingBatches = (prefix: string, count: number, data: Record<string, unknown> = {}, failEvery = 0) =>
  Array.from({ length: count }, (_, i) =>
    batch({}, {
      batchId: `${prefix}-${i}`,
      sampledOn: `2020-0${1 + (i % 6)}-${String(1 + (i % 28)).padStart(2, '0')}`,
      result: failEvery > 0 && i % failEvery === 0 ? 'fail' : 'pass',
      ...data,
    }),
  )

/** Signs a tree head now through the API (admin). */
export const checkpointNow = async (h: Harness) => {
  await h.services.audit.tree.waitForPosition(await h.services.store.head())
  const response = await h.app.inject({ method: 'POST', url: '/v1/audit/checkpoints', headers: h.auth() })
  if (response.statusCode !== 201) throw new Error(`checkpoint: ${response.statusCode} ${response.body}`)
  return response.json() as { position: number; treeSize: number; rootHash: string }
}

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** `targetwatch <args>` as a child process, stdin from `input` when given. */
export const cli = (args: string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(options.input ?? '')
  })
