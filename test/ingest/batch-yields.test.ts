// Issue 16 item 10: a big batch yields to the event loop between chunks, so other requests are
// answered while it runs. A 10,000-fact batch is posted to the real service (a child process);
// once its body is sent, /healthz is asked: its answer comes back before the batch's (before the
// fix it came after: the batch held the loop to its end). The batch's items are all appended.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startService } from '../helpers/process.ts'
import { bigBatch } from '../bench/batch-latency.ts'

const adminKey = 'test-admin-key-0123456789'

t.test('/healthz is answered while a 10,000-fact batch is in progress', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-yield-'))
  const service = await startService({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey, TARGETWATCH_RATE_LIMIT: '0' })
  t.teardown(async () => {
    service.child.kill('SIGTERM')
    await service.exited
    rmSync(dataDir, { recursive: true, force: true })
  })
  const order: string[] = []
  const batch = fetch(`${service.url}/v1/events/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    body: JSON.stringify(bigBatch(10_000, 'yield')),
  }).then(async (response) => {
    order.push('batch')
    return { status: response.status, body: (await response.json()) as { errors: boolean; items: { status: number }[] } }
  })
  // The body (1.5 MB) is on its way; give the service a moment to have read it and started.
  await new Promise((r) => setTimeout(r, 300))
  const health = await fetch(`${service.url}/healthz`)
  order.push('healthz')
  t.equal(health.status, 200)
  const answered = await batch
  t.equal(answered.status, 200)
  t.equal(answered.body.items.filter((item) => item.status === 201).length, 10_000, 'every fact appended')
  t.same(order, ['healthz', 'batch'], '/healthz answered before the batch finished')
})
