// SIGKILL at random moments while clients append singles and batches. After every kill: each
// acknowledged event is in the log exactly once, positions are dense, every per-stream chain and
// the Merkle tree with its signed heads verify (`targetwatch verify`), and the restarted
// service's projections equal a fold from zero. TARGETWATCH_CRASH_KILLS sets the count (20).
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { evaluateCatalog } from '../projections/fixtures.ts'
import { firstDifference } from '../../services/audit/attest.ts'
import { complianceProjection } from '../../projections/compliance.ts'
import { seedPlan } from '../../seeds/plans.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { batch, entity } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { startService, type ServiceProcess } from '../helpers/process.ts'
import { verifyLog } from '../../services/audit/verify.ts'
import { dataDirSource } from '../../services/audit/verify-sources.ts'

const kills = Number(process.env.TARGETWATCH_CRASH_KILLS ?? 20)
const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }
// 20 restarts of a real process take minutes on a loaded 2-core machine.
t.setTimeout(600_000)

/** Clients appending until the service dies; returns the ids the service acknowledged. */
const appendUntilKilled = async (service: ServiceProcess, round: number): Promise<Set<string>> => {
  const acknowledged = new Set<string>()
  let alive = true
  void service.exited.then(() => (alive = false))
  let n = 0
  const single = async () => {
    while (alive) {
      const fact =
        n % 3 === 0
          ? { id: randomUUID(), ...entity(round * 1_000_000 + n++) }
          : batch({ id: randomUUID() }, { sampledOn: '2020-06-15', result: n++ % 40 === 0 ? 'fail' : 'pass' })
      try {
        const response = await fetch(`${service.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(fact) })
        if (response.status === 201 || response.status === 200) acknowledged.add(fact.id)
      } catch {
        return // refused or reset: the process is gone
      }
    }
  }
  const batches = async () => {
    while (alive) {
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
  // Kill at a random moment once appends are flowing (startup speed varies with machine load).
  const killer = (async () => {
    const deadline = Date.now() + 10_000
    while (acknowledged.size < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 800)))
    service.child.kill('SIGKILL')
  })()
  await Promise.all([killer, ...Array.from({ length: 12 }, single), batches(), batches(), service.exited])
  return acknowledged
}

const readLog = async (file: string): Promise<RecordedEvent[]> => {
  const store = createSqliteStore({ file })
  const events: RecordedEvent[] = []
  // Plain copies: the events outlive the store opened to read them.
  for await (const event of store.readAll()) events.push(structuredClone({ ...event, meta: { ...event.meta }, data: event.data }))
  await store.close()
  return events
}

t.test(`SIGKILL ${kills} times under concurrent appends: nothing acknowledged is lost or doubled`, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-crash-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = {
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

  for (let round = 1; round <= kills; round++) {
    const service = await startService(env)
    if (round > 1) {
      // The restarted service resumed from snapshots: it must agree with a fold from zero.
      const log = await readLog(path.join(dataDir, 'events.db'))
      const served = (await (await fetch(`${service.url}/v1/targets?at=${encodeURIComponent(at)}&position=${log.length}`, { headers })).json()) as { targets: unknown[] }
      const rebuilt = log.reduce(complianceProjection.evolve, complianceProjection.initialState())
      const expected = JSON.parse(JSON.stringify(evaluateCatalog(rebuilt, catalog, { at })))
      const difference = firstDifference(served.targets, expected)
      if (difference) {
        problems++
        t.fail(`round ${round}: the restarted projections differ from a rebuild`, { difference })
      }
    }
    for (const id of await appendUntilKilled(service, round)) acknowledged.add(id)
    if (service.child.signalCode !== 'SIGKILL') t.fail(`round ${round}: the service ended with ${service.child.exitCode}, not the kill`)

    const log = await readLog(path.join(dataDir, 'events.db'))
    const counts = new Map<string, number>()
    for (const event of log) counts.set(event.id, (counts.get(event.id) ?? 0) + 1)
    const missing = [...acknowledged].filter((id) => !counts.has(id))
    const doubled = [...counts].filter(([, c]) => c > 1)
    const gaps = log.filter((e, i) => e.position !== i + 1).length
    // What `targetwatch verify --data` does: chains, tree and signed heads from the raw SQLite file.
    const source = dataDirSource(dataDir) as Parameters<typeof verifyLog>[0] & { close?: () => void | Promise<void> }
    const report = await verifyLog(source, { trustedKeys: null, given: [] })
    await source.close?.()
    const verify = { ok: report.ok, out: JSON.stringify(report) }
    if (missing.length || doubled.length || gaps || !verify.ok) {
      problems++
      t.fail(`round ${round}: ${missing.length} lost, ${doubled.length} doubled, ${gaps} gaps, verify ${verify.ok ? 'ok' : verify.out.slice(0, 400)}`)
    }
  }
  const log = await readLog(path.join(dataDir, 'events.db'))
  t.equal(problems, 0, `${kills} kills survived`)
  t.ok(acknowledged.size >= 30 * kills, `${acknowledged.size} acknowledged events checked after every kill`)
  t.comment(`crash: ${kills} SIGKILLs, ${acknowledged.size} acknowledged events, ${log.length} in the log, 0 lost, 0 doubled`)
})
