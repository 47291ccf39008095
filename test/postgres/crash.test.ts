// Acknowledged = durable on PostgreSQL: SIGKILL at random moments while clients append singles
// and batches, TARGETWATCH_PG_CRASH_KILLS times (10). On odd rounds the service is killed; on
// even rounds the PostgreSQL server is killed too (when this file started it: a crash followed
// by WAL recovery). After every kill: each acknowledged event is in the log exactly once,
// positions are dense, chains, tree and signed heads verify, and the restarted service's
// projections equal a fold from zero.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { evaluateCatalog } from '../projections/fixtures.ts'
import { firstDifference } from '../../services/audit/attest.ts'
import { verifyLog } from '../../services/audit/verify.ts'
import { storeSource } from '../../services/audit/verify-sources.ts'
import { complianceProjection } from '../../projections/compliance.ts'
import { seedPlan } from '../../seeds/plans.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { createPostgresStore } from '../../services/store/postgres.ts'
import { batch, entity } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { postgres } from '../helpers/postgres.ts'
import { startService, type ServiceProcess } from '../helpers/process.ts'

const kills = Number(process.env.TARGETWATCH_PG_CRASH_KILLS ?? 10)
const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }
t.setTimeout(600_000)

/** Clients appending until `stop` resolves; returns the ids the service acknowledged. */
const appendUntil = async (service: ServiceProcess, round: number, kill: () => void): Promise<Set<string>> => {
  const acknowledged = new Set<string>()
  let alive = true
  void service.exited.then(() => (alive = false))
  let n = 0
  let killed = false
  const single = async () => {
    while (alive && !killed) {
      const fact =
        n % 3 === 0 ? { id: randomUUID(), ...entity(round * 1_000_000 + n++) } : batch({ id: randomUUID() }, { sampledOn: '2020-06-15', result: n++ % 40 === 0 ? 'fail' : 'pass' })
      try {
        const response = await fetch(`${service.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(fact) })
        if (response.status === 201 || response.status === 200) acknowledged.add(fact.id)
      } catch {
        return
      }
    }
  }
  const batches = async () => {
    while (alive && !killed) {
      const events = Array.from({ length: 50 }, () => batch({ id: randomUUID() }, { region: 'bijie', sampledOn: '2020-07-01' }))
      try {
        const response = await fetch(`${service.url}/v1/events/batch`, { method: 'POST', headers, body: JSON.stringify({ events }) })
        if (response.status !== 200) continue
        const body = (await response.json()) as { items: { index: number; status: number }[] }
        for (const item of body.items) if (item.status === 201) acknowledged.add(events[item.index]!.id)
      } catch {
        return
      }
    }
  }
  const killer = (async () => {
    const deadline = Date.now() + 10_000
    while (acknowledged.size < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 800)))
    kill()
    killed = true
  })()
  await Promise.all([killer, ...Array.from({ length: 12 }, single), batches(), batches(), service.exited])
  return acknowledged
}

const readLog = async (url: string): Promise<RecordedEvent[]> => {
  const store = await createPostgresStore({ connectionString: url })
  const events: RecordedEvent[] = []
  for await (const event of store.readAll()) events.push(event)
  await store.close()
  return events
}

const verifyReport = async (url: string) => {
  const store = await createPostgresStore({ connectionString: url })
  try {
    return await verifyLog(await storeSource(store), { trustedKeys: null, given: [] })
  } finally {
    await store.close()
  }
}

t.test(`SIGKILL ${kills} times under concurrent appends on PostgreSQL: nothing acknowledged is lost or doubled`, async (t) => {
  const server = await postgres()
  const url = await server.freshDatabase('crash')
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-pg-crash-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = {
    TARGETWATCH_STORE: 'postgres',
    DATABASE_URL: url,
    TARGETWATCH_DATA_DIR: dataDir,
    TARGETWATCH_ADMIN_KEY: adminKey,
    TARGETWATCH_SNAPSHOT_EVERY: '500',
    TARGETWATCH_RATE_LIMIT: '0',
    TARGETWATCH_LEDGER_CHECKPOINT_EVERY: '300',
  }
  const acknowledged = new Set<string>()
  const at = '2020-12-31T23:59:59.999+08:00'
  const catalog = seedPlan()
  let problems = 0
  let serverCrashes = 0

  for (let round = 1; round <= kills; round++) {
    const service = await startService(env, 60_000)
    if (round > 1) {
      const log = await readLog(url)
      const served = (await (await fetch(`${service.url}/v1/targets?at=${encodeURIComponent(at)}&position=${log.length}`, { headers })).json()) as { targets: unknown[] }
      const rebuilt = log.reduce(complianceProjection.evolve, complianceProjection.initialState())
      const difference = firstDifference(served.targets, JSON.parse(JSON.stringify(evaluateCatalog(rebuilt, catalog, { at }))))
      if (difference) {
        problems++
        t.fail(`round ${round}: the restarted projections differ from a rebuild`, { difference })
      }
    }
    const crashServer = round % 2 === 0 && server.crash !== undefined
    const kill = () => {
      if (crashServer) {
        server.crash!()
        serverCrashes++
      }
      service.child.kill('SIGKILL')
    }
    for (const id of await appendUntil(service, round, kill)) acknowledged.add(id)
    if (crashServer) server.restart!()

    const log = await readLog(url)
    const counts = new Map<string, number>()
    for (const event of log) counts.set(event.id, (counts.get(event.id) ?? 0) + 1)
    const missing = [...acknowledged].filter((id) => !counts.has(id))
    const doubled = [...counts].filter(([, c]) => c > 1)
    const gaps = log.filter((e, i) => e.position !== i + 1).length
    const report = await verifyReport(url)
    if (missing.length || doubled.length || gaps || !report.ok) {
      problems++
      t.fail(`round ${round}: ${missing.length} lost, ${doubled.length} doubled, ${gaps} gaps, verify ${report.ok ? 'ok' : JSON.stringify(report).slice(0, 400)}`)
    }
  }
  const log = await readLog(url)
  t.equal(problems, 0, `${kills} kills survived`)
  t.ok(acknowledged.size >= 30 * kills, `${acknowledged.size} acknowledged events checked after every kill`)
  t.comment(`pg crash: ${kills} SIGKILLs (${serverCrashes} of them of the PostgreSQL server too), ${acknowledged.size} acknowledged events, ${log.length} in the log, 0 lost, 0 doubled`)
})
