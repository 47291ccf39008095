// Signed tree heads are recorded every N events or every T while events are unsigned (an idle
// log gets one final head, not one per T forever); the ledger key lives in the data dir with
// mode 0600, survives restarts, or comes from TARGETWATCH_LEDGER_KEY.
import t from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../../services/config.ts'
import { startHarness } from '../helpers/harness.ts'
import { postEvents, samplingBatches } from './helpers.ts'

type Head = { position: number; treeSize: number; rootHash: string; keyId: string }

const checkpointsOf = async (h: Awaited<ReturnType<typeof startHarness>>) =>
  (await h.app.inject({ method: 'GET', url: '/v1/audit/checkpoints', headers: h.auth() })).json() as {
    checkpoints: Head[]
    unsigned: number
    treeSize: number
  }

/** Polls `probe` every 20 ms until it returns true (at most ~10 s: bounded, never a timing assertion). */
const eventually = async (probe: () => Promise<boolean>) => {
  for (let i = 0; i < 500; i++) {
    if (await probe()) return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}

t.test('every N events a head is signed over the events before it', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_LEDGER_CHECKPOINT_EVERY: '10', TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: '0' } })
  t.teardown(h.close)
  for (let i = 0; i < 25; i++) await postEvents(h, samplingBatches(`N${i}`, 1))
  t.ok(await eventually(async () => (await checkpointsOf(h)).checkpoints.length >= 2), 'two heads after 25 events')
  const { checkpoints, unsigned } = await checkpointsOf(h)
  t.same(checkpoints.map((c) => c.treeSize), [10, 21], 'the second counts 10 new events after the first head’s own event')
  t.ok(checkpoints.every((c) => c.position > c.treeSize), 'each recorded after the events it signs')
  t.equal(unsigned, 6, 'events 23..28 await the next head (position 1 is the 2020 plan, published at first start)')
  t.equal(checkpoints[0].keyId, h.services.audit.key.keyId)
})

t.test('every T while events are unsigned, and not again while the log is idle', async (t) => {
  const h = await startHarness({ env: { TARGETWATCH_LEDGER_CHECKPOINT_EVERY: '1000000', TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: '50ms' } })
  t.teardown(h.close)
  await postEvents(h, samplingBatches('I', 3))
  // A head may already have been signed over the plan alone if the machine was slow to post the
  // batches (the interval runs from start): what must hold is that the events all end up signed.
  t.ok(await eventually(async () => {
    const { checkpoints, unsigned } = await checkpointsOf(h)
    return unsigned === 0 && checkpoints.length >= 1
  }), 'a head within a few intervals')
  const settled = await checkpointsOf(h)
  const latest = settled.checkpoints.at(-1)!
  t.equal(latest.treeSize, latest.position - 1, 'the latest head covers every event before it (the plan and the 3 batches)')
  t.ok(settled.checkpoints.length <= 2, 'one head, or two if one came between the plan and the batches')
  await new Promise((resolve) => setTimeout(resolve, 400))
  const idle = await checkpointsOf(h)
  t.same(idle.checkpoints, settled.checkpoints, 'eight idle intervals later, no new head')
  t.equal(idle.unsigned, 0)
  await postEvents(h, samplingBatches('J', 1))
  t.ok(await eventually(async () => (await checkpointsOf(h)).checkpoints.length === settled.checkpoints.length + 1), 'a new event gets a new head')
  t.equal((await checkpointsOf(h)).checkpoints.at(-1)!.treeSize, latest.position + 1, 'covering the previous head’s event and the new one')
})

t.test('the key is created in the data dir with mode 0600 and kept across restarts', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-key-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const first = await startHarness({ store: 'sqlite', dataDir })
  const keyId = first.services.audit.key.keyId
  await first.close()
  const file = path.join(dataDir, 'ledger-ed25519.pem')
  t.equal(statSync(file).mode & 0o777, 0o600)
  const second = await startHarness({ store: 'sqlite', dataDir })
  t.equal(second.services.audit.key.keyId, keyId, 'the same key after a restart')
  await second.close()

  const memoryDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-key-'))
  t.teardown(() => rmSync(memoryDir, { recursive: true, force: true }))
  const memory = await startHarness({ dataDir: memoryDir })
  await memory.close()
  t.notOk(existsSync(path.join(memoryDir, 'ledger-ed25519.pem')), 'the memory store writes no key file')
})

t.test('TARGETWATCH_LEDGER_KEY gives the key; a key of another kind is refused', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const h = await startHarness({ env: { TARGETWATCH_LEDGER_KEY: pem } })
  t.teardown(h.close)
  const served = (await h.app.inject({ method: 'GET', url: '/v1/audit/public-key' })).json()
  t.equal(served.publicKeyPem, publicKey.export({ type: 'spki', format: 'pem' }).toString())
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  await t.rejects(startHarness({ env: { TARGETWATCH_LEDGER_KEY: rsa } }), { message: /TARGETWATCH_LEDGER_KEY: the ledger key must be Ed25519, got rsa/ })
})

t.test('bad cadence settings stop start-up naming the variable', async (t) => {
  t.throws(() => loadConfig({ TARGETWATCH_LEDGER_CHECKPOINT_EVERY: '0' }), { message: /^TARGETWATCH_LEDGER_CHECKPOINT_EVERY: must be a whole number of at least 1/ })
  t.throws(() => loadConfig({ TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: 'often' }), { message: /^TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: must be a duration/ })
  t.match(loadConfig({ TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: '2m' }).ledger, { checkpointIntervalMs: 120_000, checkpointEvery: 10_000 })
  t.equal(loadConfig({ TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: '0' }).ledger.checkpointIntervalMs, 0)
})
