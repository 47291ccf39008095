// A PostgreSQL cluster this process owns, with no test framework attached, for the tests
// (postgres.ts wraps it in a tap teardown) and for `npm run bench` (test/bench/postgres.ts keeps
// its cluster between runs, like the seeded SQLite logs). initdb runs as the `postgres` user when
// we are root (initdb refuses root); the server listens on 127.0.0.1 only, on a free port, with its
// socket in the data dir. fsync and synchronous_commit stay at their defaults (on): a commit it
// acknowledges is durable, as in production.
import { execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { freePort } from './process.ts'

/** The directory of initdb and pg_ctl: POSTGRES_BIN, else the newest /usr/lib/postgresql/N/bin, else PATH. */
export const postgresBinDir = (): string | null => {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))
    for (const version of versions) if (existsSync(path.join(root, version, 'bin', 'initdb'))) return path.join(root, version, 'bin')
  }
  try {
    return path.dirname(execFileSync('which', ['initdb'], { encoding: 'utf8' }).trim())
  } catch {
    return null
  }
}

const isRoot = () => process.getuid?.() === 0

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Runs a PostgreSQL binary as the cluster's owner: `postgres` when we are root. */
const runAsOwner = (binary: string, args: string[]) => {
  const command = isRoot() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] as const : [binary, args] as const
  execFileSync(command[0], command[1], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 })
}

const ownByPostgres = (dir: string) => {
  if (!isRoot()) return
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }))
  chownSync(dir, id('-u'), id('-g'))
}

export interface Cluster {
  /** Connection string of the maintenance database `postgres`. */
  adminUrl: string
  dataDir: string
  /** Stops the server; removes the data dir unless the cluster was started with `keep`. Idempotent. */
  stop: () => void
  /** SIGKILL the postmaster (its backends go with it): a crash. */
  crash: () => void
  /** Start again after a crash (recovery), retrying while the old shared memory is released. */
  restart: () => void
}

export interface ClusterOptions {
  /** Use (and initialise when empty) this data dir instead of a new temp dir. */
  dataDir?: string
  /** Keep the data dir when stopping (a bench keeps its seeded databases between runs). */
  keep?: boolean
  /** Extra server settings, e.g. { shared_buffers: '256MB' }. */
  settings?: Record<string, string>
}

/** Starts a cluster on a free port bound to 127.0.0.1; `stop()` ends it (also at process exit). */
export const startCluster = async (options: ClusterOptions = {}): Promise<Cluster> => {
  const bin = postgresBinDir()
  if (bin === null) throw new Error('PostgreSQL is not installed (apt-get install postgresql) and DATABASE_URL is not set')
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'targetwatch-pg-'))
  mkdirSync(dataDir, { recursive: true })
  ownByPostgres(dataDir)
  if (!existsSync(path.join(dataDir, 'PG_VERSION')))
    runAsOwner(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
  const port = await freePort()
  const settings = { listen_addresses: '127.0.0.1', max_connections: '200', shared_buffers: '64MB', ...options.settings }
  const serverOptions = [`-p ${port}`, `-k ${dataDir}`, ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`)].join(' ')
  const startServer = () =>
    runAsOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-o', serverOptions, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '120', 'start'])
  startServer()
  const crash = () => {
    // The postmaster's pid is the first line of postmaster.pid.
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    process.kill(pid, 'SIGKILL')
    for (let i = 0; i < 200 && isAlive(pid); i++) execFileSync('sleep', ['0.05'])
  }
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      // A kept cluster shuts down cleanly (no recovery at its next start); a throwaway one at once.
      runAsOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', options.keep ? 'fast' : 'immediate', '-w', 'stop'])
    } finally {
      if (!options.keep) rmSync(dataDir, { recursive: true, force: true })
    }
  }
  process.once('exit', stop)
  const restart = () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return startServer()
      } catch (error) {
        if (attempt >= 20) throw error
        execFileSync('sleep', ['0.25'])
      }
    }
  }
  return { adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir, stop, crash, restart }
}

/** The same URL on another database of the same server. */
export const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}
