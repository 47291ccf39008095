// Moving a store: a SQLite log with corrections and signed heads is exported by the CLI and
// imported into PostgreSQL by the CLI. On the target every event keeps its position and hash,
// `targetwatch verify` passes with both signed heads, the tree built on PostgreSQL has the same
// root at every size as the one built on SQLite, and the service answers identically.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { RecordedEvent } from '../../services/store/port.ts'
import { checkpointNow, cli, postEvents, samplingBatches } from '../audit/helpers.ts'
import { startHarness } from '../helpers/harness.ts'
import { freshDatabaseUrl } from '../helpers/postgres.ts'

const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-move-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
const ndjson = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as RecordedEvent)
const quiet = { TARGETWATCH_LEDGER_CHECKPOINT_EVERY: '1000000', TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: '0', TARGETWATCH_DISPATCHER_LEASE: 'off' }

t.test('export from SQLite, import into PostgreSQL: same positions and hashes, verify passes, same tree heads and answers', async (t) => {
  let now = new Date('2020-07-01T02:00:00Z')
  const source = path.join(root, 'sqlite')
  const h = await startHarness({ store: 'sqlite', dataDir: source, clock: () => now, env: quiet })
  await postEvents(h, samplingBatches('M', 120, { region: 'tongren' }, 15))
  await checkpointNow(h)
  now = new Date('2020-07-02T02:00:00Z')
  await postEvents(h, [{ type: 'SamplingResultCorrected', data: { batchId: 'M-15', result: 'pass', reason: 're-test' } }])
  await checkpointNow(h)
  const head = await h.services.store.head()
  const roots = Array.from({ length: head }, (_, size) => h.services.audit.tree.root(size + 1).toString('hex'))
  const answer = (await h.app.inject({ method: 'GET', url: '/v1/targets?at=2020-06-30', headers: h.auth() })).json()
  await h.close()

  const exported = await cli(['export', '--data', source])
  t.equal(exported.code, 0, exported.stderr)
  const file = path.join(root, 'log.ndjson')
  writeFileSync(file, exported.stdout)

  const target = path.join(root, 'postgres')
  const env = { TARGETWATCH_STORE: 'postgres', DATABASE_URL: await freshDatabaseUrl('move'), TARGETWATCH_DATA_DIR: target }
  const imported = await cli(['import', '--file', file], { env })
  t.equal(imported.code, 0, imported.stderr)
  t.match(JSON.parse(imported.stdout), { imported: head, head, store: 'postgres' })

  const verified = await cli(['verify'], { env })
  t.equal(verified.code, 0, verified.stderr)
  t.match(JSON.parse(verified.stdout), { ok: true, checked: head, head, signedHeads: { checked: 2 } }, 'verify on PostgreSQL: chains, tree and both signed heads')

  const moved = await startHarness({ store: 'postgres', dataDir: target, env: { ...quiet, DATABASE_URL: env.DATABASE_URL } })
  t.teardown(moved.close)
  const events: RecordedEvent[] = []
  for await (const event of moved.services.store.readAll()) events.push(event)
  t.same(events, ndjson(exported.stdout), 'every event identical: position, ids, times, meta and hash')
  await moved.services.audit.tree.waitFor(head)
  t.same(Array.from({ length: head }, (_, size) => moved.services.audit.tree.root(size + 1).toString('hex')), roots, `the same tree root at each of the ${head} sizes`)
  const checkpoints = (await moved.app.inject({ method: 'GET', url: '/v1/audit/checkpoints', headers: moved.auth() })).json()
  t.same(checkpoints.checkpoints.map((c: { rootHash: string; treeSize: number }) => c.rootHash), checkpoints.checkpoints.map((c: { treeSize: number }) => roots[c.treeSize - 1]), 'the signed heads carry the roots PostgreSQL computes')
  const live = (await moved.app.inject({ method: 'GET', url: '/v1/audit/verify', headers: moved.auth() })).json()
  t.match(live, { ok: true, checked: head }, 'GET /v1/audit/verify on the moved service')
  await moved.services.runner.waitFor(head)
  t.same((await moved.app.inject({ method: 'GET', url: '/v1/targets?at=2020-06-30', headers: moved.auth() })).json(), answer, 'the moved service answers identically')
})
