// GET /readyz of the real process: 503 while the read models lag the log by more than
// TARGETWATCH_READY_LAG_EVENTS, 200 again once they catch up. The lag is made by a second writer
// on the same log file (as an import or another instance would), whose events this process
// folds only when its own next commit wakes its subscription.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { batch } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { startService } from '../helpers/process.ts'

const readyz = async (url: string) => {
  const response = await fetch(`${url}/readyz`)
  return { status: response.status, body: (await response.json()) as { ready: boolean; head: number; projected: number } }
}

t.test('/readyz is 503 while the projections lag beyond the bound, 200 once caught up', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-ready-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const service = await startService({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey, TARGETWATCH_READY_LAG_EVENTS: '25' })
  t.teardown(async () => {
    service.child.kill('SIGTERM')
    await service.exited
  })
  const post = (fact: unknown) =>
    fetch(`${service.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(fact) })

  t.equal((await post(batch())).status, 201)
  const before = await readyz(service.url)
  t.equal(before.status, 200)
  t.same(before.body, { ready: true, head: before.body.head, projected: before.body.head }, 'caught up')

  const other = createSqliteStore({ file: path.join(dataDir, 'events.db') })
  const appendOther = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const fact = batch()
      const meta = { principal: 'readiness-test', requestId: 'readiness-test', schemaVersion: 1 }
      await other.append(`sampling-${fact.data.batchId}`, [{ id: randomUUID(), type: fact.type, occurredAt: new Date().toISOString(), data: fact.data, meta }], 'no_stream')
    }
  }
  await appendOther(20)
  const within = await readyz(service.url)
  t.equal(within.status, 200, `a lag of ${within.body.head - within.body.projected} events is within the bound of 25`)
  await appendOther(40)
  await other.close()

  const lagging = await readyz(service.url)
  t.equal(lagging.status, 503, 'beyond the bound: not ready')
  t.equal(lagging.body.ready, false)
  t.equal(lagging.body.head - lagging.body.projected, 60, 'head and projected show the lag')

  // The service's own next commit wakes its subscription, which reads the other writer's events too.
  t.equal((await post(batch())).status, 201)
  let after = await readyz(service.url)
  for (let tries = 0; after.status !== 200 && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    after = await readyz(service.url)
  }
  t.equal(after.status, 200, 'ready again')
  t.ok(after.body.ready && after.body.projected === after.body.head && after.body.head > lagging.body.head, "everything, the other writer's events included, is projected")
})
