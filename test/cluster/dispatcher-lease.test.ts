// The webhook dispatcher runs only while its instance holds the `webhook-dispatcher` lease:
// with the lease on, a delivery still goes out, the lease is in the log, and a clean shutdown
// releases it so another instance need not wait for the time-to-live.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { leaseStream } from '../../services/cluster/lease-state.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { startHarness } from '../helpers/harness.ts'
import { deliveriesOf, fastAlerts, startReceiver, subscribe, waitUntil } from '../alerts/helpers.ts'

const leaseEvents = async (dataDir: string): Promise<string[]> => {
  const store = createSqliteStore({ file: path.join(dataDir, 'events.db') })
  const types: string[] = []
  for await (const event of store.readStream(leaseStream('webhook-dispatcher'))) types.push(event.type)
  await store.close()
  return types
}

t.test('with the lease on, the holder delivers and releases the lease on close', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-lease-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const receiver = await startReceiver()
  t.teardown(receiver.close)
  const h = await startHarness({ store: 'sqlite', dataDir, env: { ...fastAlerts, TARGETWATCH_DISPATCHER_LEASE: 'on', TARGETWATCH_DISPATCHER_LEASE_TTL_MS: '3000' } })
  const webhook = await subscribe(h, { url: receiver.url })
  receiver.secrets.push(webhook.secret)
  const queued = (await h.app.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/test`, headers: h.auth() })).json()
  await waitUntil('the test delivery', async () => (await deliveriesOf(h, webhook.id)).find((d) => d.id === queued.id && d.status === 'delivered'))
  t.equal(receiver.received[0]?.verifyError, null, 'delivered and verified by the receiver')
  await h.close()
  const types = await leaseEvents(dataDir)
  t.equal(types[0], 'LeaseAcquired', 'the lease was taken before delivering')
  t.equal(types.at(-1), 'LeaseReleased', 'and released on close')
})

t.test('on the embedded store the lease is off by default: nothing about it in the log', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-lease-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const h = await startHarness({ store: 'sqlite', dataDir })
  t.equal(h.services.config.dispatcherLease.enabled, false)
  await h.close()
  t.same(await leaseEvents(dataDir), [])
})
