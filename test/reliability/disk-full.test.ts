// A full disk: the service runs on a small tmpfs (mounted by the test as root). Appends fail
// with 503 and a clear error, nothing is half-written, reads keep working, and appends succeed
// again once space returns. Every acknowledged event is in the log afterwards.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { batch } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { startService } from '../helpers/process.ts'

const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }

const mountTmpfs = (dir: string, size: string): boolean => {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

t.test('appends on a full disk get 503, nothing half-written, and recover when space returns', async (t) => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-disk-'))
  const mounted = mountTmpfs(root, '6m')
  t.teardown(() => {
    if (mounted) execFileSync('umount', ['-l', root], { stdio: 'ignore' })
    rmSync(root, { recursive: true, force: true })
  })
  // Without root (no mount), the same scenario runs against a size cap inside SQLite instead.
  t.comment(mounted ? 'disk full: a 6 MB tmpfs mounted by the test' : 'disk full: mount impossible here; simulated with TARGETWATCH_SQLITE_MAX_PAGES')
  const dataDir = path.join(root, 'data')
  mkdirSync(dataDir)
  const service = await startService({
    TARGETWATCH_DATA_DIR: dataDir,
    TARGETWATCH_ADMIN_KEY: adminKey,
    TARGETWATCH_RATE_LIMIT: '0',
    TARGETWATCH_SNAPSHOT_EVERY: '100000',
    ...(mounted ? {} : { TARGETWATCH_SQLITE_MAX_PAGES: '600' }),
  })
  t.teardown(() => service.child.kill('SIGKILL'))
  service.exited.then((code) => { if (code !== 0 && code !== null) t.comment(`service exited ${code}:\n${service.output().split("\n").filter((l) => !l.includes("STORE_UNAVAILABLE")).join("\n").slice(-4000)}`) })
  const filler = path.join(root, 'filler')
  if (mounted) {
    // Leave about 1.5 MB: room for some events, then none.
    const free = Number(execFileSync('df', ['-B1', '--output=avail', root]).toString().split('\n')[1])
    writeFileSync(filler, Buffer.alloc(Math.max(0, free - 1_500_000)))
  }

  const acknowledged: string[] = []
  let refused: { status: number; body: { error: { code: string; message: string } } } | null = null
  for (let round = 0; round < 400 && !refused; round++) {
    const events = Array.from({ length: 50 }, () => batch({ id: randomUUID() }))
    const response = await fetch(`${service.url}/v1/events/batch`, { method: 'POST', headers, body: JSON.stringify({ events }) })
    const body = (await response.json()) as { items: { index: number; status: number; error?: { code: string; message: string } }[] }
    for (const item of body.items) {
      if (item.status === 201) acknowledged.push(events[item.index]!.id)
      else if (!refused) refused = { status: item.status, body: { error: item.error! } }
    }
  }
  t.ok(refused, `the disk filled after ${acknowledged.length} acknowledged events`)
  t.equal(refused!.status, 503, 'a full disk is 503, not 500')
  t.match(refused!.body.error, { code: 'STORE_UNAVAILABLE', message: /SQLITE_FULL|disk|full/i })

  // Near the edge some small appends still fit, others do not: a refused one must leave no trace.
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

  // Space returns.
  if (mounted) rmSync(filler)
  if (mounted) {
    const recovered = await fetch(`${service.url}/v1/events`, { method: 'POST', headers, body: JSON.stringify(batch({ id: randomUUID() })) })
    t.equal(recovered.status, 201, 'appends succeed once space returns')
    acknowledged.push(((await recovered.json()) as { id: string }).id)
  }
  service.child.kill('SIGTERM')
  await service.exited

  const store = createSqliteStore({ file: path.join(dataDir, 'events.db') })
  const ids = new Set<string>()
  for await (const event of store.readAll()) ids.add(event.id)
  await store.close()
  t.same(acknowledged.filter((id) => !ids.has(id)), [], `all ${acknowledged.length} acknowledged events are in the log`)
  const verify = execFileSync(process.execPath, ['--import', 'tsx', 'services/cli.ts', 'verify', '--data', dataDir], { encoding: 'utf8' })
  t.match(verify, /ok|verified/i, 'the log verifies')
})
