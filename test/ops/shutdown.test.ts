// Graceful shutdown of the real process: SIGTERM while clients are appending. The service stops
// accepting, finishes the requests it took, snapshots the read models and exits 0; every event
// it acknowledged is in the log.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { complianceProjection } from '../../projections/compliance.ts'
import { createSqliteSnapshotStore } from '../../services/runner/snapshots.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { batch, entity } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { startService, type ServiceProcess } from '../helpers/process.ts'

const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }

interface Load {
  acknowledged: Map<string, number>
  inFlight: () => number
  done: Promise<unknown>
}

/** Clients that append until the service stops answering; acknowledged id → position. */
const appendUntilRefused = (service: ServiceProcess): Load => {
  const acknowledged = new Map<string, number>()
  let inFlight = 0
  let n = 0
  const request = async (route: string, body: unknown) => {
    inFlight += 1
    try {
      const response = await fetch(`${service.url}${route}`, { method: 'POST', headers, body: JSON.stringify(body) })
      return { status: response.status, body: response.ok ? await response.json() : await response.text() }
    } finally {
      inFlight -= 1
    }
  }
  const single = async () => {
    for (;;) {
      const fact = n++ % 2 === 0 ? { id: randomUUID(), ...entity(5_000_000 + n) } : { id: randomUUID(), ...batch({}, { sampledOn: '2020-04-20' }) }
      try {
        const answer = await request('/v1/events', fact)
        if (answer.status === 201 || answer.status === 200) acknowledged.set(fact.id, (answer.body as { position: number }).position)
        else if (answer.status === 503) return // closing: the service refuses new work
      } catch {
        return // connection refused or closed: the service is gone
      }
    }
  }
  const batches = async () => {
    for (;;) {
      const events = Array.from({ length: 100 }, () => ({ id: randomUUID(), ...batch({}, { region: 'tongren', sampledOn: '2020-04-21' }) }))
      try {
        const answer = await request('/v1/events/batch', { events })
        if (answer.status === 503) return
        if (answer.status !== 200) continue
        for (const item of (answer.body as { items: { index: number; status: number; position: number }[] }).items)
          if (item.status === 201 || item.status === 200) acknowledged.set(events[item.index]!.id, item.position)
      } catch {
        return
      }
    }
  }
  const done = Promise.all([...Array.from({ length: 12 }, single), batches(), batches()])
  return { acknowledged, inFlight: () => inFlight, done }
}

t.test('SIGTERM while appends are in flight: every acknowledged event is kept and the process exits 0', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-shutdown-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const service = await startService({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey, TARGETWATCH_SNAPSHOT_EVERY: '1000000', LOG_LEVEL: 'info' })
  t.teardown(() => void (service.child.exitCode === null && service.child.kill('SIGKILL')))

  const load = appendUntilRefused(service)
  // Let the load build up, then signal while requests are being served.
  while (load.acknowledged.size < 300) await new Promise((resolve) => setTimeout(resolve, 20))
  const inFlightAtSignal = load.inFlight()
  service.child.kill('SIGTERM')
  const code = await service.exited
  await load.done

  t.ok(inFlightAtSignal > 0, `${inFlightAtSignal} requests were in flight at SIGTERM`)
  t.equal(code, 0, 'the process exited 0')
  t.equal(service.child.signalCode, null, 'by itself, not killed by the signal')
  t.match(service.output(), /"signal":"SIGTERM".*"msg":"shutting down"/, 'and said why')

  const store = createSqliteStore({ file: path.join(dataDir, 'events.db') })
  const logged = new Map<string, number>()
  for await (const event of store.readAll()) logged.set(event.id, event.position)
  const head = await store.head()
  await store.close()
  const missing = [...load.acknowledged].filter(([id, position]) => logged.get(id) !== position)
  t.same(missing, [], `all ${load.acknowledged.size} acknowledged events are in the log at their positions`)

  // The read models were snapshotted on the way out: a restart resumes instead of replaying.
  const snapshots = createSqliteSnapshotStore(path.join(dataDir, 'snapshots.db'))
  const snapshot = snapshots.latest(complianceProjection.name, complianceProjection.version)
  snapshots.close()
  const lastAcknowledged = Math.max(...load.acknowledged.values())
  t.ok(snapshot && snapshot.position >= lastAcknowledged && snapshot.position <= head, `the compliance snapshot is at ${snapshot?.position} (last acknowledged ${lastAcknowledged}, head ${head})`)
})
