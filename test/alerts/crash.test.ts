// SIGKILL between two attempts of a delivery (a real child process on a SQLite data dir): the
// pending delivery is the log's, so the restarted service completes it with the same
// webhook-id, and the alert is not raised a second time.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { batch } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { startService, type ServiceProcess } from '../helpers/process.ts'
import { startReceiver, waitUntil } from './helpers.ts'

const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }

const call = async (service: ServiceProcess, method: string, url: string, body?: unknown) => {
  const response = await fetch(`${service.url}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const json = (await response.json()) as Record<string, any>
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`)
  return json
}

const post = (service: ServiceProcess, events: unknown[]) => call(service, 'POST', '/v1/events/batch', { events })

t.test('SIGKILL between attempts: after restart the delivery completes with the same webhook-id', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-alerts-crash-'))
  const receiver = await startReceiver((n) => ({ status: n === 1 ? 500 : 200 }))
  const services: ServiceProcess[] = []
  t.teardown(async () => {
    for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL')
    await receiver.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const env = {
    TARGETWATCH_DATA_DIR: dataDir,
    TARGETWATCH_ADMIN_KEY: adminKey,
    TARGETWATCH_WEBHOOK_ALLOW_PRIVATE: '1',
    // Long enough for the kill to land between the first attempt and the second.
    TARGETWATCH_WEBHOOK_RETRY_SCHEDULE: '3s,3s',
    TARGETWATCH_ALERTS_DEBOUNCE: '20ms',
  }

  const first = await startService(env)
  services.push(first)
  const webhook = await call(first, 'POST', '/v1/webhooks', { url: receiver.url, filter: { targets: ['food-sampling-pass-rate'], regions: ['zunyi'] } })
  receiver.secrets.push(webhook.secret)
  const ids = Array.from({ length: 200 }, (_, i) => `Z-${i}`)
  await post(first, ids.slice(0, 195).map((batchId) => batch({}, { batchId, region: 'zunyi' })))
  // 195 passes, then 5 fails: 0.975 on 200 batches, breached.
  await post(first, ids.slice(195).map((batchId) => batch({}, { batchId, region: 'zunyi', result: 'fail' })))

  const [pending] = await waitUntil('the first attempt recorded', async () => {
    const { deliveries } = await call(first, 'GET', `/v1/webhooks/${webhook.id}/deliveries`)
    return deliveries.length === 1 && deliveries[0].attempts.length === 1 ? deliveries : null
  })
  first.child.kill('SIGKILL')
  await first.exited
  t.equal(receiver.received.length, 1, 'killed after one attempt')
  t.equal(pending.attempts[0].statusCode, 500)
  t.equal(pending.status, 'pending')

  const second = await startService(env)
  services.push(second)
  const delivered = await waitUntil(
    'the delivery completed after the restart',
    async () => {
      const { deliveries } = await call(second, 'GET', `/v1/webhooks/${webhook.id}/deliveries`)
      return deliveries[0]?.status === 'delivered' ? deliveries : null
    },
    20_000,
  )
  t.equal(delivered.length, 1, 'one delivery')
  t.same(delivered[0].attempts.map((a: { statusCode: number }) => a.statusCode), [500, 200], 'the attempt before the kill and the one after')
  t.equal(receiver.received.length, 2)
  t.equal(receiver.received[0]!.headers['webhook-id'], pending.id)
  t.equal(receiver.received[1]!.headers['webhook-id'], pending.id, 'the same webhook-id after the restart')
  t.same(receiver.received.map((r) => r.verifyError), [null, null])
  t.match(receiver.received[1]!.verified, { type: 'target.status_changed', data: { fingerprint: 'guizhou-2020:food-sampling-pass-rate:zunyi', status: 'firing', sequence: 1 } })

  const alerts = await call(second, 'GET', '/v1/alerts?fingerprint=guizhou-2020:food-sampling-pass-rate:zunyi')
  t.equal(alerts.history.length, 1, 'the restart did not raise the alert again')
  second.child.kill('SIGTERM')
  await second.exited
})
