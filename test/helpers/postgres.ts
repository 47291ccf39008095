// A real PostgreSQL for tests (README, "PostgreSQL store"). With DATABASE_URL set, that server is
// used; otherwise a throwaway cluster (postgres-cluster.ts: initdb in a temp dir, 127.0.0.1 on a
// free port) is started once per test file and stopped when the file's tests end (or the process
// exits). Each caller gets a fresh database of its own, so tests never see each other's events.
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import { startCluster as startOwnCluster, withDatabase } from './postgres-cluster.ts'

export { postgresBinDir } from './postgres-cluster.ts'

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
      return withDatabase(adminUrl, name)
    },
  }
}

/** Starts a throwaway cluster in a temp dir on a free port; stop() ends it and removes the dir. */
export const startCluster = async (): Promise<PostgresServer> => {
  const cluster = await startOwnCluster()
  return serverAt(cluster.adminUrl, cluster.dataDir, cluster.stop, { crash: cluster.crash, restart: cluster.restart })
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
