// SIGKILL while clients append: every acknowledged event survives exactly once, every stream's
// hash chain verifies, and the restarted service's projections equal a rebuild from zero.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { evaluateCatalog } from '../../domain/evaluate.ts'
import { complianceProjection } from '../../projections/compliance.ts'
import { loadCatalog } from '../../seeds/catalog.ts'
import { verifyStreamChain } from '../../services/store/hashing.ts'
import type { RecordedEvent } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { batch, entity } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { startService, type ServiceProcess } from '../helpers/process.ts'

const kills = 3
const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }

/** Clients appending until the service dies; returns the ids the service acknowledged. */
const appendUntilDead = async (service: ServiceProcess, round: number): Promise<Set<string>> => {
  const acknowledged = new Set<string>()
  let alive = true
  service.exited.then(() => (alive = false))
  let n = 0
  const single = async () => {
    while (alive) {
      const fact = n % 3 === 0 ? { id: randomUUID(), ...entity(round * 1_000_000 + n++) } : batch({ id: randomUUID() }, { sampledOn: '2020-06-15', result: n++ % 40 === 0 ? 'fail' : 'pass' })
      try {
        const response = await fetch(`${service.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(fact) })
        if (response.status === 201 || response.status === 200) acknowledged.add(fact.id)
      } catch {
        return // connection refused or reset: the process is gone
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
  const killer = new Promise<void>((resolve) =>
    setTimeout(() => {
      service.child.kill('SIGKILL')
      resolve()
    }, 700 + Math.floor(Math.random() * 800)),
  )
  await Promise.all([killer, ...Array.from({ length: 16 }, single), batches(), batches(), service.exited])
  return acknowledged
}

const readLog = async (file: string): Promise<RecordedEvent[]> => {
  const store = createSqliteStore({ file })
  const events: RecordedEvent[] = []
  for await (const event of store.readAll()) events.push(event)
  await store.close()
  return events
}

t.test(`SIGKILL ${kills} times under concurrent appends: nothing acknowledged is lost`, async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-crash-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = { TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey, TARGETWATCH_SNAPSHOT_EVERY: '500' }
  const acknowledged = new Set<string>()

  for (let round = 0; round < kills; round++) {
    const service = await startService(env)
    for (const id of await appendUntilDead(service, round)) acknowledged.add(id)
    t.equal(service.child.signalCode, 'SIGKILL', `round ${round + 1}: the service was killed`)
  }
  t.ok(acknowledged.size > 200, `clients had ${acknowledged.size} events acknowledged before the kills`)

  const log = await readLog(path.join(dataDir, 'events.db'))
  const counts = new Map<string, number>()
  for (const event of log) counts.set(event.id, (counts.get(event.id) ?? 0) + 1)
  const missing = [...acknowledged].filter((id) => !counts.has(id))
  const duplicated = [...counts].filter(([, c]) => c > 1)
  t.same(missing, [], 'every acknowledged id is in the log')
  t.same(duplicated, [], 'no id appears twice')
  t.same(
    log.map((e) => e.position),
    log.map((_, i) => i + 1),
    'positions are dense',
  )
  const streams = new Map<string, RecordedEvent[]>()
  for (const event of log) streams.set(event.stream, [...(streams.get(event.stream) ?? []), event])
  const broken = [...streams].filter(([, events]) => verifyStreamChain(events) !== null).map(([s]) => s)
  t.same(broken, [], `all ${streams.size} stream chains verify`)

  // The restarted service resumes from its snapshots; a fold from zero must agree with it.
  const service = await startService(env)
  t.teardown(() => service.child.kill('SIGKILL'))
  const at = '2020-12-31T23:59:59.999+08:00'
  const served = (await (await fetch(`${service.url}/v1/targets?at=${encodeURIComponent(at)}`, { headers })).json()) as {
    position: number
    targets: unknown[]
  }
  t.equal(served.position, log.length, 'the restarted read models reached the log head')
  const rebuilt = log.reduce(complianceProjection.evolve, complianceProjection.initialState())
  t.same(served.targets, evaluateCatalog(rebuilt, loadCatalog(), { at }), 'projections equal a rebuild from zero')
})
