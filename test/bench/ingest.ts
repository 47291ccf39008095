// Ingest figures: durable single-event POSTs at 50 connections against a bare fastify route with
// the same body schema; batches of 1,000 into a log that already holds 1M events against raw
// better-sqlite3 inserts of the very rows the service wrote.
import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { clientEventTypes } from '../../domain/events.ts'
import type { BenchConfig } from './config.ts'
import { createGenerator, type GeneratedFact } from './generator.ts'
import { load } from './load.ts'
import { copyLog, type SeededLog } from './logs.ts'
import { firstScrub, reporterKey, runChild, startBenchService, startCeilingServer } from './processes.ts'
import type { Figure } from './table.ts'

type Log = (line: string) => void

/** Facts a client can send in any order: each opens its own stream, or reports an indicator. */
const independent = (fact: GeneratedFact) => fact.revisionBefore < 0 || fact.submitted.type === 'IndicatorReported'

// Clients leave the id to the service (it is optional): the service mints it.
const clientJson = (fact: GeneratedFact) => JSON.stringify({ type: fact.submitted.type, data: fact.submitted.data })

/** `count` bodies of facts that can be sent in any order (test/bench/scrub-load.ts too). */
export const independentFacts = (count: number, firstSerial: number): string[] => {
  const generator = createGenerator({ total: count, seed: 7, firstSerial })
  const bodies: string[] = []
  while (bodies.length < count) {
    const fact = generator.next()
    if (independent(fact)) bodies.push(clientJson(fact))
  }
  return bodies
}

const best = (values: number[]) => Math.max(...values)

/** Appends and group commits so far, from the service's Prometheus counters. */
const groupCommits = async (url: string) => {
  const text = await (await fetch(`${url}/metrics`)).text()
  const counter = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)
  return { appends: counter('targetwatch_store_appends_total'), commits: counter('targetwatch_store_commits_total') }
}

/** Durable single-row commits a second on this disk now (context for the ingest figures, no goal). */
export const durableCommits = async (work: string): Promise<Figure> => {
  const { commits, ms } = await runChild<{ commits: number; ms: number }>('commit-child.ts', [path.join(work, 'commit.db')])
  return {
    name: 'durable SQLite commits, one row each (WAL, synchronous=FULL)',
    value: commits / (ms / 1000),
    unit: 'commits/s',
    note: `the fsync floor under every acknowledged append: ${(ms / commits).toFixed(2)} ms each`,
  }
}

/** Where a single-ingest run's service keeps its log: SQLite in its data dir (the default), or another store. */
export interface IngestStore {
  /** In the figure's name, e.g. ' on PostgreSQL'; empty for the embedded default. */
  label: string
  /** The service's environment for a new, empty store for round `round`. */
  fresh: (round: number) => Promise<Record<string, string>>
}

const embedded: IngestStore = { label: '', fresh: async () => ({}) }

export const singleIngest = async (config: BenchConfig, work: string, log: Log, store: IngestStore = embedded): Promise<Figure> => {
  const bodies = independentFacts(config.seconds * 40_000, 50_000_000)
  const service: number[] = []
  const ceiling: number[] = []
  const perCommit: number[] = []
  let failed = 0
  for (let round = 1; round <= config.repeat; round++) {
    const bare = await startCeilingServer('post')
    const ceilingRun = await load({ url: `${bare.url}/v1/events`, method: 'POST', connections: config.connections, seconds: config.seconds, bodies })
    await bare.stop()
    const dataDir = path.join(work, `ingest-${round}`)
    fs.rmSync(dataDir, { recursive: true, force: true })
    const server = await startBenchService(dataDir, await store.fresh(round))
    await firstScrub(server)
    const key = await reporterKey(server)
    const before = await groupCommits(server.url)
    const run = await load({
      url: `${server.url}/v1/events`,
      method: 'POST',
      connections: config.connections,
      seconds: config.seconds,
      bodies,
      headers: { authorization: `Bearer ${key}` },
    })
    const after = await groupCommits(server.url)
    await server.stop()
    fs.rmSync(dataDir, { recursive: true, force: true })
    const appendsPerCommit = (after.appends - before.appends) / (after.commits - before.commits)
    log(
      `  single ingest${store.label} round ${round}: service ${run.perSecond.toFixed(0)}/s (${run.failed} failed, ` +
        `${appendsPerCommit.toFixed(1)} appends per commit, p50 ${run.latencyP50Ms} ms), bare fastify ${ceilingRun.perSecond.toFixed(0)}/s`,
    )
    service.push(run.perSecond)
    ceiling.push(ceilingRun.perSecond)
    perCommit.push(appendsPerCommit)
    failed += run.failed
  }
  return {
    name: `durable single-event ingest${store.label}, POST /v1/events, ${config.connections} connections`,
    value: best(service),
    unit: 'events/s',
    ceiling: { name: 'bare fastify POST, same body schema, no store', value: best(ceiling) },
    goal: { compare: '>=', target: 0.7 },
    note:
      `group commit: ${(perCommit.reduce((sum, value) => sum + value, 0) / perCommit.length).toFixed(1)} appends per fsync` +
      // Only 2xx answers count; a failure is a fault of the run to look into, never hidden.
      (failed > 0 ? `; ${failed} requests not answered 2xx over the rounds (not counted)` : ''),
  }
}

export const batchBodies = (batches: number): string[] => {
  const generator = createGenerator({ total: batches * 1000, seed: 11, firstSerial: 80_000_000 })
  return Array.from({ length: batches }, () => {
    const events: unknown[] = []
    for (let i = 0; i < 1000; i++) {
      const fact = generator.next()
      events.push({ type: fact.submitted.type, data: fact.submitted.data })
    }
    return JSON.stringify({ events })
  })
}

const headOf = (file: string) => {
  const db = new Database(file, { readonly: true })
  const head = db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck().get() as number
  db.close()
  return head
}

/** Facts recorded after `after` (the service may also record events of its own, e.g. signed tree heads). */
const factsAfter = (file: string, after: number) => {
  const db = new Database(file, { readonly: true })
  const types = clientEventTypes.map(() => '?').join(', ')
  const count = db.prepare(`SELECT count(*) FROM events WHERE position > ? AND type IN (${types})`).pluck().get(after, ...clientEventTypes) as number
  db.close()
  return count
}

export const batchIngest = async (config: BenchConfig, seeded: SeededLog, work: string, log: Log): Promise<Figure> => {
  const batches = 20
  const bodies = batchBodies(batches)
  const service: number[] = []
  const ceiling: number[] = []
  for (let round = 1; round <= config.repeat; round++) {
    const serviceDir = path.join(work, `batch-${round}`)
    const file = copyLog(seeded, serviceDir)
    const server = await startBenchService(serviceDir)
    const scrubSeconds = await firstScrub(server)
    const key = await reporterKey(server)
    const before = headOf(file)
    const run = await load({
      url: `${server.url}/v1/events/batch`,
      method: 'POST',
      connections: 1,
      amount: batches,
      bodies,
      headers: { authorization: `Bearer ${key}` },
    })
    await server.stop()
    const written = factsAfter(file, before)
    if (run.failed > 0 || written !== batches * 1000) throw new Error(`batch ingest recorded ${written} of ${batches * 1000} facts (${run.failed} failed requests)`)
    const ceilingDir = path.join(work, `batch-ceiling-${round}`)
    const raw = await runChild<{ rows: number; ms: number }>('raw-insert-child.ts', [file, copyLog(seeded, ceilingDir), String(before)])
    fs.rmSync(serviceDir, { recursive: true, force: true })
    fs.rmSync(ceilingDir, { recursive: true, force: true })
    const perSecond = written / run.seconds
    const rawPerSecond = raw.rows / (raw.ms / 1000)
    log(`  batch ingest round ${round}: service ${perSecond.toFixed(0)} events/s, raw inserts ${rawPerSecond.toFixed(0)} rows/s (after the start's scrub, ${scrubSeconds.toFixed(1)} s)`)
    service.push(perSecond)
    ceiling.push(rawPerSecond)
  }
  return {
    name: `batch ingest, POST /v1/events/batch of 1,000, ${seeded.count.toLocaleString('en-US')} events stored`,
    value: best(service),
    unit: 'events/s',
    ceiling: { name: 'raw better-sqlite3 inserts of the same rows, 1,000 per transaction', value: best(ceiling) },
    goal: { compare: '>=', target: 0.8 },
  }
}
