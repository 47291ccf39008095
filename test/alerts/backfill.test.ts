// Live only, unless asked: history the service did not watch (an import with the original
// times) is replayed into the alert history but sent to nobody; alerts.backfill sends it; the
// window of a crash (acknowledged facts the reactor had not judged yet) is live news.
import t, { type Test } from 'tap'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { batch } from '../helpers/facts.ts'
import { startHarness } from '../helpers/harness.ts'
import { deliveriesOf, fastAlerts, postBatch, startReceiver, subscribe, waitUntil } from './helpers.ts'

const fingerprint = 'guizhou-2020:food-sampling-pass-rate:zunyi'
const filter = { targets: ['food-sampling-pass-rate'], regions: ['zunyi'] }

/** Appends tested batches straight to the log, as an import does: with their original recordedAt. */
const importBatches = async (dataDir: string, days: { recordedAt: string; pass: number; fail: number }[]) => {
  const store = createSqliteStore({ file: path.join(dataDir, 'events.db') })
  let n = 0
  for (const day of days) {
    const results = [...Array(day.pass).fill('pass'), ...Array(day.fail).fill('fail')] as string[]
    await Promise.all(
      results.map((result) => {
        const { type, data } = batch({}, { batchId: `H-${n++}`, region: 'zunyi', sampledOn: day.recordedAt.slice(0, 10), result })
        const meta = { principal: 'import', requestId: 'import', schemaVersion: 1 }
        return store.append(`sampling-${data.batchId}`, [{ id: randomUUID(), type, occurredAt: day.recordedAt, data, meta, recordedAt: day.recordedAt }], 'no_stream')
      }),
    )
  }
  await store.close()
}

// June 2020: met on the 1st, breached on the 2nd (100/110), met again on the 3rd (500/510).
const june = [
  { recordedAt: '2020-06-01T10:00:00+08:00', pass: 100, fail: 0 },
  { recordedAt: '2020-06-02T10:00:00+08:00', pass: 0, fail: 10 },
  { recordedAt: '2020-06-03T10:00:00+08:00', pass: 400, fail: 0 },
]

const scenario = async (t: Test, env: Record<string, string>) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-backfill-'))
  await importBatches(dataDir, june)
  const receiver = await startReceiver()
  const h = await startHarness({ store: 'sqlite', dataDir, env: { ...fastAlerts, ...env } })
  t.teardown(async () => {
    await h.close()
    await receiver.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const webhook = await subscribe(h, { url: receiver.url, filter })
  receiver.secrets.push(webhook.secret)
  const alerts = async () => (await h.app.inject({ method: 'GET', url: `/v1/alerts?fingerprint=${fingerprint}`, headers: h.auth() })).json()
  return { h, receiver, webhook, alerts, dataDir }
}

t.test('an imported June 2020 is replayed into the alert history, day by day, and sent to nobody', async (t) => {
  const { h, receiver, webhook, alerts } = await scenario(t, {})
  const history = (await alerts()).history
  t.same(
    history.map((a: Record<string, unknown>) => [a.status, a.to, String(a.evaluatedAt).slice(0, 10), a.notified, a.suppressed]),
    [
      ['resolved', 'met', '2020-06-03', false, 'backfill'],
      ['firing', 'breached', '2020-06-02', false, 'backfill'],
    ],
    'the breach of 2 June and its end on 3 June, as a live reactor would have seen them',
  )
  t.same(await deliveriesOf(h, webhook.id), [], 'no delivery for history')
  t.match((await alerts()).evaluation, { replayed: { from: 0 }, live: true })

  // What happens from now on is news.
  await postBatch(h, Array.from({ length: 20 }, () => batch({}, { region: 'zunyi', result: 'fail' })))
  await waitUntil('the live breach delivered', () => receiver.received.length === 1)
  t.match(receiver.received[0]!.verified, { data: { fingerprint, status: 'firing', sequence: 3, from: 'met', to: 'breached' } })
})

t.test('alerts.backfill sends the replayed history', async (t) => {
  const { h, receiver, webhook } = await scenario(t, { TARGETWATCH_ALERTS_BACKFILL: '1' })
  await waitUntil('both deliveries', async () => (await deliveriesOf(h, webhook.id)).filter((d) => d.status === 'delivered').length === 2)
  const messages = receiver.received.map((r) => r.verified as { timestamp: string; data: Record<string, unknown> })
  t.same(
    messages.map((m) => [m.data.status, m.data.sequence, m.timestamp.slice(0, 10)]).sort((a, b) => Number(a[1]) - Number(b[1])),
    [
      ['firing', 1, '2020-06-02'],
      ['resolved', 2, '2020-06-03'],
    ],
  )
})

t.test('a restart judges nothing twice; facts acknowledged just before a crash but never judged are live', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-restart-'))
  const receiver = await startReceiver()
  t.teardown(async () => {
    await receiver.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const open = () => startHarness({ store: 'sqlite', dataDir, env: fastAlerts })
  const first = await open()
  const webhook = await subscribe(first, { url: receiver.url, filter })
  receiver.secrets.push(webhook.secret)
  await postBatch(first, Array.from({ length: 100 }, () => batch({}, { region: 'zunyi' })))
  await postBatch(first, Array.from({ length: 10 }, () => batch({}, { region: 'zunyi', result: 'fail' })))
  await waitUntil('the breach delivered and recorded', async () => (await deliveriesOf(first, webhook.id))[0]?.status === 'delivered')
  await first.services.alerts.reactor.flush()
  const alertEvents = async (h: typeof first) => (await h.app.inject({ method: 'GET', url: '/v1/alerts?limit=1000', headers: h.auth() })).json().history.length
  const before = await alertEvents(first)
  await first.close()

  const second = await open()
  await second.services.alerts.reactor.flush()
  t.equal(await alertEvents(second), before, 'no transition recorded again after a restart')
  await second.close()

  // Facts appended while the reactor could not judge them (as if it crashed right after the acks).
  const store = createSqliteStore({ file: path.join(dataDir, 'events.db') })
  for (let i = 0; i < 400; i++) {
    const { type, data } = batch({}, { region: 'zunyi' })
    await store.append(`sampling-${data.batchId}`, [{ id: randomUUID(), type, occurredAt: new Date().toISOString(), data, meta: { principal: 'test', requestId: 'crash-window', schemaVersion: 1 } }], 'no_stream')
  }
  await store.close()
  const third = await open()
  t.teardown(third.close)
  await waitUntil('the resolution delivered after the restart', () => receiver.received.length === 2)
  t.match(receiver.received[1]!.verified, { data: { fingerprint, status: 'resolved', sequence: 2 } })
})
