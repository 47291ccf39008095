// The PostgreSQL rows of `npm run bench` (issue 17), each against a ceiling measured in the same
// run: durable single-event ingest against the bare fastify POST (as SQLite's row), batches of
// 1,000 into the main-scale log against raw `pg` multi-row INSERTs of the same rows, and the
// rebuild of every projection against a raw `pg` scan. The server is DATABASE_URL's when set;
// otherwise a cluster the bench owns in BENCH_DIR/postgres-cluster (127.0.0.1, a free port, fsync
// on), kept between runs with its seeded log (imported from the seeded SQLite log, as an
// operator moves a store) and stopped when the section ends.
import fs from 'node:fs'
import path from 'node:path'
import pg from 'pg'
import { clientEventTypes } from '../../domain/events.ts'
import { schemaVersion as postgresSchemaVersion } from '../../services/store/postgres/schema.ts'
import { startCluster, withDatabase } from '../helpers/postgres-cluster.ts'
import { formatScale, type BenchConfig } from './config.ts'
import { generatorVersion } from './generator.ts'
import { batchBodies, singleIngest } from './ingest.ts'
import { load } from './load.ts'
import { copyLog, settle, type SeededLog } from './logs.ts'
import { firstScrub, reporterKey, runChild, startBenchService } from './processes.ts'
import type { Figure } from './table.ts'

type Log = (line: string) => void

interface BenchServer {
  adminUrl: string
  /** Where the server is, for the figures' notes. */
  where: string
  /** Identifies the server across runs (a seeded database is reused only on the same one). */
  identity: string
  stop: () => void
}

const query = async <T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}

const startServer = async (config: BenchConfig, log: Log): Promise<BenchServer> => {
  const url = process.env.DATABASE_URL
  if (url) {
    const { host, pathname } = new URL(url)
    return { adminUrl: url, where: `DATABASE_URL (${host})`, identity: `${host}${pathname}`, stop: () => undefined }
  }
  const dataDir = path.join(config.dir, 'postgres-cluster')
  log(`  starting PostgreSQL in ${dataDir} (kept for later runs, stopped at the end of this section)`)
  const cluster = await startCluster({ dataDir, keep: true, settings: { shared_buffers: '256MB' } })
  return { adminUrl: cluster.adminUrl, where: `a cluster of the bench's own (${dataDir})`, identity: dataDir, stop: cluster.stop }
}

/** Database names are ours (no user input): safe to splice into DDL. */
const recreate = async (server: BenchServer, name: string, template?: string) => {
  await query(server.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await query(server.adminUrl, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`)
}

const drop = (server: BenchServer, name: string) => query(server.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)

const serviceEnv = (server: BenchServer, database: string) => ({ TARGETWATCH_STORE: 'postgres', DATABASE_URL: withDatabase(server.adminUrl, database) })

interface PostgresLog {
  count: number
  database: string
  url: string
  /** The service's data dir over it (snapshots, the Merkle tree's side file, keys), settled. */
  dir: string
}

/** The seeded SQLite log, imported into its own database once and kept while its recipe holds. */
const seededPostgresLog = async (server: BenchServer, seeded: SeededLog, root: string, log: Log): Promise<PostgresLog> => {
  const scale = formatScale(seeded.count)
  const database = `tw_bench_log_${scale.toLowerCase()}`
  const dir = path.join(root, `postgres-log-${scale}`)
  const recipeFile = path.join(dir, 'seeded.json')
  const recipe = JSON.stringify({ count: seeded.count, generatorVersion, postgresSchemaVersion, server: server.identity, database })
  const result = { count: seeded.count, database, url: withDatabase(server.adminUrl, database), dir }
  const exists = (await query(server.adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [database])).length > 0
  if (exists && fs.existsSync(recipeFile) && fs.readFileSync(recipeFile, 'utf8') === recipe) return result
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  await recreate(server, database)
  log(`  importing the ${scale} SQLite log into PostgreSQL database ${database} (kept for later runs)`)
  const imported = await runChild<{ imported: number; ms: number }>('pg-seed-child.ts', [seeded.events, result.url])
  log(`  imported ${imported.imported} events in ${(imported.ms / 1000).toFixed(0)} s (${Math.round(imported.imported / (imported.ms / 1000))}/s)`)
  await settle(dir, serviceEnv(server, database), log)
  fs.writeFileSync(recipeFile, recipe)
  return result
}

const headOf = async (url: string) => Number((await query<{ position: string }>(url, 'SELECT position FROM targetwatch.log_head'))[0].position)

const factsAfter = async (url: string, after: number) =>
  Number(
    (await query<{ count: string }>(url, 'SELECT count(*) AS count FROM targetwatch.events WHERE position > $1 AND type = ANY($2::text[])', [after, clientEventTypes]))[0]
      .count,
  )

const best = (values: number[]) => Math.max(...values)

const noGoal = (sqliteGoal: number) => `no goal set for PostgreSQL (SQLite's: >= ${sqliteGoal})`

const batchIngest = async (config: BenchConfig, server: BenchServer, seeded: PostgresLog, work: string, log: Log): Promise<Figure> => {
  const batches = 20
  const bodies = batchBodies(batches)
  const service: number[] = []
  const ceiling: number[] = []
  for (let round = 1; round <= config.repeat; round++) {
    const serviceDb = `tw_bench_batch_${round}`
    const ceilingDb = `tw_bench_batch_ceiling_${round}`
    await recreate(server, serviceDb, seeded.database)
    await recreate(server, ceilingDb, seeded.database)
    // The copies are written out now, not by a checkpoint in the middle of whoever measures next.
    await query(server.adminUrl, 'CHECKPOINT')
    const serviceDir = path.join(work, `postgres-batch-${round}`)
    copyLog(seeded, serviceDir)
    const serviceUrl = withDatabase(server.adminUrl, serviceDb)
    const started = await startBenchService(serviceDir, serviceEnv(server, serviceDb))
    const scrubSeconds = await firstScrub(started)
    const key = await reporterKey(started)
    const before = await headOf(serviceUrl)
    const run = await load({
      url: `${started.url}/v1/events/batch`,
      method: 'POST',
      connections: 1,
      amount: batches,
      bodies,
      headers: { authorization: `Bearer ${key}` },
    })
    await started.stop()
    const written = await factsAfter(serviceUrl, before)
    if (run.failed > 0 || written !== batches * 1000) throw new Error(`batch ingest on PostgreSQL recorded ${written} of ${batches * 1000} facts (${run.failed} failed requests)`)
    const raw = await runChild<{ rows: number; ms: number }>('pg-raw-insert-child.ts', [serviceUrl, withDatabase(server.adminUrl, ceilingDb), String(before)])
    await drop(server, serviceDb)
    await drop(server, ceilingDb)
    fs.rmSync(serviceDir, { recursive: true, force: true })
    const perSecond = written / run.seconds
    const rawPerSecond = raw.rows / (raw.ms / 1000)
    log(`  batch ingest on PostgreSQL round ${round}: service ${perSecond.toFixed(0)} events/s, raw inserts ${rawPerSecond.toFixed(0)} rows/s (after the start's scrub, ${scrubSeconds.toFixed(1)} s)`)
    service.push(perSecond)
    ceiling.push(rawPerSecond)
  }
  return {
    name: `batch ingest on PostgreSQL, POST /v1/events/batch of 1,000, ${seeded.count.toLocaleString('en-US')} events stored`,
    value: best(service),
    unit: 'events/s',
    ceiling: { name: 'raw pg multi-row INSERTs of the same rows, 1,000 per transaction', value: best(ceiling) },
    note: noGoal(0.8),
  }
}

const rebuild = async (config: BenchConfig, seeded: PostgresLog, work: string, log: Log): Promise<Figure> => {
  const rebuilds: { ms: number; maxRssMb: number; projections: string[] }[] = []
  const scans: number[] = []
  for (let round = 1; round <= config.repeat; round++) {
    const scan = await runChild<{ rows: number; ms: number }>('pg-scan-child.ts', [seeded.url])
    const run = await runChild<{ events: number; ms: number; maxRssMb: number; projections: string[] }>('rebuild-child.ts', [
      seeded.url,
      path.join(work, 'postgres-rebuild-snapshots.db'),
    ])
    log(`  rebuild on PostgreSQL round ${round}: ${(run.ms / 1000).toFixed(2)} s (peak RSS ${run.maxRssMb.toFixed(0)} MB), raw scan ${(scan.ms / 1000).toFixed(2)} s`)
    rebuilds.push(run)
    scans.push(scan.ms)
  }
  const fastest = Math.min(...rebuilds.map((run) => run.ms))
  return {
    name: `rebuild of every projection from zero on PostgreSQL, ${formatScale(seeded.count)} events`,
    value: seeded.count / (fastest / 1000),
    unit: 'events/s',
    ceiling: { name: 'raw pg scan of the events table (keyset pages of 10,000, rows as arrays)', value: seeded.count / (Math.min(...scans) / 1000) },
    note: `${noGoal(0.8)}; peak RSS ${Math.max(...rebuilds.map((run) => run.maxRssMb)).toFixed(0)} MB`,
  }
}

export const postgresFigures = async (config: BenchConfig, seeded: SeededLog, work: string, log: Log): Promise<Figure[]> => {
  const server = await startServer(config, log)
  try {
    const version = (await query<{ server_version: string }>(server.adminUrl, 'SHOW server_version'))[0].server_version
    log(`  PostgreSQL ${version} on ${server.where}`)
    const single = await singleIngest(config, work, log, {
      label: ' on PostgreSQL',
      fresh: async (round) => {
        const database = `tw_bench_single_${round}`
        await recreate(server, database)
        return serviceEnv(server, database)
      },
    })
    for (let round = 1; round <= config.repeat; round++) await drop(server, `tw_bench_single_${round}`)
    // The goal of 0.7 is SQLite's (issue 18); the PostgreSQL row has none yet.
    delete single.goal
    single.note = `${single.note}; ${noGoal(0.7)}; PostgreSQL ${version.split(' ')[0]}`
    const seededLog = await seededPostgresLog(server, seeded, config.dir, log)
    return [single, await batchIngest(config, server, seededLog, work, log), await rebuild(config, seededLog, work, log)]
  } finally {
    server.stop()
  }
}
