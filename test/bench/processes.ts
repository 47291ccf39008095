// Everything measured runs in a child process of its own, so the load generator (autocannon, in
// this process) never shares an event loop with the server, and each child's peak RSS is its own.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startService, type ServiceProcess } from '../helpers/process.ts'

const here = path.dirname(fileURLToPath(import.meta.url))
export const benchAdminKey = 'bench-admin-key-0123456789abcdef'

/** Runs test/bench/<script> with tsx; resolves with the JSON it prints on its last stdout line. */
export const runChild = <T>(script: string, args: string[], env: Record<string, string> = {}): Promise<T> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.on('error', reject)
    child.on('exit', (code) => {
      const last = output.trim().split('\n').at(-1) ?? ''
      if (code !== 0) return reject(new Error(`${script} exited with ${code}: ${output}`))
      try {
        resolve(JSON.parse(last) as T)
      } catch {
        reject(new Error(`${script} printed no result: ${output}`))
      }
    })
  })

export interface Server {
  url: string
  stop: () => Promise<void>
  /** What the process has printed so far. */
  output: () => string
}

/** SIGTERM, and SIGKILL after a minute with what the process printed last (a hung shutdown is a finding, not a wait). */
const stopChild = async (service: ServiceProcess): Promise<void> => {
  service.child.kill('SIGTERM')
  const timer = setTimeout(() => {
    process.stderr.write(`  WARNING: the service did not stop within 60 s of SIGTERM; killing it. Its last output:\n${service.output().slice(-4000)}\n`)
    service.child.kill('SIGKILL')
  }, 60_000)
  await service.exited
  clearTimeout(timer)
}

/** The real service (`targetwatch serve`) on a data dir, with request logging off (LOG_LEVEL=warn). */
export const startBenchService = async (dataDir: string, env: Record<string, string> = {}): Promise<Server> => {
  // Benchmarks measure the service, not its per-key rate limit nor its cap of requests per
  // keep-alive connection: autocannon does not honour the `connection: close` of the 1,000th
  // answer and goes on sending on that socket, and Node answers each of those requests 503.
  // BENCH_CPU_PROF=<dir>: every service process writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : []
  const serviceEnv = { TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: benchAdminKey, TARGETWATCH_RATE_LIMIT: '0', TARGETWATCH_HTTP_MAX_REQUESTS_PER_SOCKET: '0', ...env }
  const service = await startService(serviceEnv, 600_000, profile)
  return { url: service.url, stop: () => stopChild(service), output: service.output }
}

/** A bare fastify server: `post` (the ingest body schema, no store) or `get <file>` (a static JSON body). */
export const startCeilingServer = (mode: 'post' | 'get', file?: string): Promise<Server> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'ceiling-server.ts'), mode, ...(file ? [file] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<void>((done) => child.on('exit', () => done()))
    child.on('error', reject)
    child.stdout.setEncoding('utf8').once('data', (line: string) => {
      const url = line.trim()
      resolve({
        url,
        output: () => url,
        stop: async () => {
          child.kill('SIGTERM')
          await exited
        },
      })
    })
  })

export const postJson = async (url: string, body: unknown, key = benchAdminKey): Promise<any> => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  })
  if (response.status >= 300) throw new Error(`POST ${url}: ${response.status} ${await response.text()}`)
  return response.json()
}

/** An unscoped reporter key, as a reporting system would use. */
export const reporterKey = async (service: Server): Promise<string> =>
  (await postJson(`${service.url}/v1/keys`, { name: 'bench reporting system', role: 'reporter' })).key

/**
 * Resolves, with its duration in seconds, once the service's first integrity scrub has ended: at
 * start it re-verifies the whole log (then every TARGETWATCH_SCRUB_INTERVAL, 6 h by default), on a
 * thread of its own for a large log, which on two cores still takes the CPU the serving needs
 * (test/bench/scrub-load.ts measures what it takes). Ingest figures are of the steady state, so they start after it,
 * as `settle` (logs.ts) waits for the followers' catch-up.
 */
export const firstScrub = async (service: Server, timeoutMs = 600_000): Promise<number> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const text = await (await fetch(`${service.url}/metrics`)).text()
    const seconds = /^targetwatch_scrub_last_run\{field="duration_seconds"\} (\S+)$/m.exec(text)?.[1]
    if (seconds !== undefined) return Number(seconds)
    if (Date.now() > deadline) throw new Error(`the service's first integrity scrub had not ended after ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}
