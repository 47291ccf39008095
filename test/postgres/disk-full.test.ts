// A full disk on PostgreSQL: the service's database lives in a tablespace on a small tmpfs
// (mounted by the test as root; the WAL stays in the cluster's data dir). Appends fail with 503
// and a clear error once the tablespace is full (SQLSTATE 53100), nothing is half-written (a
// refused append leaves the head where it was), reads keep working, appends succeed again once
// space returns, and every acknowledged event is in the log, which verifies.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { verifyLog } from '../../services/audit/verify.ts'
import { storeSource } from '../../services/audit/verify-sources.ts'
import { createPostgresStore } from '../../services/store/postgres.ts'
import { batch } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { postgres } from '../helpers/postgres.ts'
import { startService } from '../helpers/process.ts'

const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }
const postgresIds = () => [Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }))] as const

const mountTmpfs = (dir: string, size: string): string | null => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' })
    return null
  } catch (error) {
    return (error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message
  }
}

t.test('appends on a full tablespace get 503, nothing half-written, and recover when space returns', async (t) => {
  const server = await postgres()
  // The tablespace must be a directory of the server's own machine: only a cluster started here.
  if (server.dataDir === null || process.getuid?.() !== 0) {
    t.fail('a full tablespace needs root (to mount a tmpfs) and the cluster test/helpers/postgres.ts starts (unset DATABASE_URL)')
    return
  }
  const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-pg-disk-'))
  const refusedMount = mountTmpfs(root, '16m')
  if (refusedMount !== null) {
    rmSync(root, { recursive: true, force: true })
    t.fail(`cannot mount a tmpfs here (${refusedMount}): the full disk cannot be simulated`)
    return
  }
  const name = `tw_full_${randomUUID().slice(0, 8)}`
  const tablespace = path.join(root, 'tablespace')
  mkdirSync(tablespace)
  chownSync(tablespace, ...postgresIds())
  await server.admin(`CREATE TABLESPACE ${name} LOCATION '${tablespace}'`)
  await server.admin(`CREATE DATABASE ${name} TABLESPACE ${name}`)
  const url = Object.assign(new URL(server.adminUrl), { pathname: `/${name}` }).toString()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-pg-disk-data-'))
  const service = await startService({
    TARGETWATCH_STORE: 'postgres',
    DATABASE_URL: url,
    TARGETWATCH_DATA_DIR: dataDir,
    TARGETWATCH_ADMIN_KEY: adminKey,
    TARGETWATCH_RATE_LIMIT: '0',
    TARGETWATCH_SNAPSHOT_EVERY: '100000',
    TARGETWATCH_DISPATCHER_LEASE: 'off',
  }, 60_000)
  t.teardown(async () => {
    service.child.kill('SIGKILL')
    await service.exited
    await server.admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
    await server.admin(`DROP TABLESPACE IF EXISTS ${name}`).catch(() => undefined)
    execFileSync('umount', ['-l', root], { stdio: 'ignore' })
    rmSync(root, { recursive: true, force: true })
    rmSync(dataDir, { recursive: true, force: true })
  })
  // Leave about 1.5 MB of the tmpfs: room for some events, then none.
  const filler = path.join(root, 'filler')
  const free = Number(execFileSync('df', ['-B1', '--output=avail', root]).toString().split('\n')[1])
  writeFileSync(filler, Buffer.alloc(Math.max(0, free - 1_500_000)))
  t.comment(`disk full: a 16 MB tmpfs holding tablespace ${name}, ${Math.round(free / 1e5) / 10} MB free before the filler`)

  const acknowledged: string[] = []
  let refused: { status: number; error: { code: string; message: string } } | null = null
  for (let round = 0; round < 400 && !refused; round++) {
    const events = Array.from({ length: 50 }, () => batch({ id: randomUUID() }))
    const response = await fetch(`${service.url}/v1/events/batch`, { method: 'POST', headers, body: JSON.stringify({ events }) })
    const body = (await response.json()) as { items: { index: number; status: number; error?: { code: string; message: string } }[] }
    for (const item of body.items) {
      if (item.status === 201) acknowledged.push(events[item.index]!.id)
      else refused ??= { status: item.status, error: item.error! }
    }
  }
  t.ok(refused, `the tablespace filled after ${acknowledged.length} acknowledged events`)
  t.equal(refused!.status, 503, 'a full disk is 503, not 500')
  t.match(refused!.error, { code: 'STORE_UNAVAILABLE', message: /53100.*(No space left|could not extend)/is }, 'naming the condition')

  const headOf = async () => ((await (await fetch(`${service.url}/readyz`)).json()) as { head: number }).head
  let refusals = 0
  for (let i = 0; i < 30; i++) {
    const before = await headOf()
    const fact = batch({ id: randomUUID() })
    const response = await fetch(`${service.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(fact) })
    const after = await headOf()
    if (response.status === 201) {
      acknowledged.push(fact.id)
      if (after !== before + 1) t.fail(`an acknowledged append moved the head by ${after - before}`)
    } else {
      refusals++
      if (response.status !== 503) t.fail(`a refused append on a full disk answered ${response.status}`)
      if (after !== before) t.fail('a refused append moved the head')
    }
  }
  t.ok(refusals > 0, `${refusals} of 30 single appends refused with 503 and no trace`)
  const read = await fetch(`${service.url}/v1/targets/food-sampling-pass-rate?at=2020-12-31`, { headers })
  t.equal(read.status, 200, 'reads keep working on a full disk')

  rmSync(filler)
  const recovered = await fetch(`${service.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(batch({ id: randomUUID() })) })
  t.equal(recovered.status, 201, 'appends succeed once space returns')
  acknowledged.push(((await recovered.json()) as { id: string }).id)
  service.child.kill('SIGTERM')
  await service.exited

  const store = await createPostgresStore({ connectionString: url })
  t.teardown(() => store.close())
  const ids = new Set<string>()
  for await (const event of store.readAll()) ids.add(event.id)
  t.same(acknowledged.filter((id) => !ids.has(id)), [], `all ${acknowledged.length} acknowledged events are in the log`)
  t.match(await verifyLog(await storeSource(store), { trustedKeys: null, given: [] }), { ok: true, checked: ids.size }, 'the log verifies')
})
