// A real PostgreSQL for tests (README, "PostgreSQL store"). With DATABASE_URL set, that server is
// used; otherwise a throwaway cluster is started once per test file: initdb in a temp dir (as the
// `postgres` user when running as root), pg_ctl on a free port bound to 127.0.0.1 with its socket
// in the same dir, and stopped when the file's tests end (or the process exits). Each caller gets
// a fresh database of its own, so tests never see each other's events.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import t from 'tap'
import { freePort } from './process.ts'

export interface PostgresServer {
  /** Connection string of the maintenance database (`postgres`), for creating databases. */
  adminUrl: string
  /** The cluster's data dir when this helper started it (null with DATABASE_URL). */
  dataDir: string | null
  /** A new empty database; its connection string. */
  freshDatabase: (label?: string) => Promise<string>
  /** Runs SQL on the maintenance database (e.g. CREATE TABLESPACE). */
  admin: (sql: string) => Promise<void>
  stop: () => void
  /** Only for a cluster this helper started: SIGKILL the server (a crash), and start it again (recovery). */
  crash?: () => void
  restart?: () => void
}

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

/** Runs a PostgreSQL binary as the cluster's owner: `postgres` when we are root (initdb refuses root). */
const runAsOwner = (binary: string, args: string[]) => {
  const command = isRoot() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] as const : [binary, args] as const
  execFileSync(command[0], command[1], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 })
}

const withUrlDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

const adminOn = (adminUrl: string) => async (sql: string) => {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

const serverAt = (adminUrl: string, dataDir: string | null, stop: () => void, extra: Pick<PostgresServer, 'crash' | 'restart'> = {}): PostgresServer => {
  const admin = adminOn(adminUrl)
  return {
    adminUrl,
    dataDir,
    admin,
    stop,
    ...extra,
    freshDatabase: async (label = 'test') => {
      const name = `tw_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase().slice(0, 30)}_${randomUUID().replaceAll('-', '').slice(0, 12)}`
      await admin(`CREATE DATABASE ${name}`)
      return withUrlDatabase(adminUrl, name)
    },
  }
}

/** Starts a throwaway cluster in a temp dir on a free port; stop() ends it and removes the dir. */
export const startCluster = async (): Promise<PostgresServer> => {
  const bin = postgresBinDir()
  if (bin === null) throw new Error('PostgreSQL is not installed (apt-get install postgresql) and DATABASE_URL is not set')
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-pg-'))
  if (isRoot()) chownSync(dataDir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })))
  const port = await freePort()
  runAsOwner(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
  const options = `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=64MB`
  const startServer = () => runAsOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-o', options, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', 'start'])
  startServer()
  // The postmaster's pid is the first line of postmaster.pid; SIGKILL takes its children down with it.
  const crash = () => {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
    process.kill(pid, 'SIGKILL')
    for (let i = 0; i < 200 && isAlive(pid); i++) execFileSync('sleep', ['0.05'])
  }
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    try {
      runAsOwner(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'])
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
  process.once('exit', stop)
  // After a crash the orphaned backends leave within moments; until then the shared memory is busy.
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
  return serverAt(`postgres://postgres@127.0.0.1:${port}/postgres`, dataDir, stop, { crash, restart })
}

let shared: Promise<PostgresServer> | null = null

/**
 * The test file's PostgreSQL: DATABASE_URL's server, or a cluster started on first use and stopped
 * when the file's tests have ended.
 */
export const postgres = (): Promise<PostgresServer> =>
  (shared ??= (async () => {
    const url = process.env.DATABASE_URL
    if (url) return serverAt(url, null, () => undefined)
    const server = await startCluster()
    t.teardown(server.stop)
    return server
  })())

/** A fresh database on the test file's server. */
export const freshDatabaseUrl = async (label?: string): Promise<string> => (await postgres()).freshDatabase(label)
