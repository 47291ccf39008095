// The simulator as a client of the real HTTP API: a small year goes in without a rejection, the
// targets come out as designed, a second run is idempotent; the CLI prints its summary; and
// `serve --demo` fills its own data dir in the background and hands out a dashboard link.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { demoDataDir } from '../../services/cli/demo.ts'
import { loadConfig } from '../../services/config.ts'
import { loadCatalog } from '../../seeds/catalog.ts'
import { postYear, waitForProjection } from '../../seeds/simulate/client.ts'
import { countByType, simulatedEvents, simulateYear } from '../../seeds/simulate/year.ts'
import { adminKey, startHarness } from '../helpers/harness.ts'
import { freePort, projectRoot } from '../helpers/process.ts'

const catalog = loadCatalog()

const statuses = async (url: string, key: string, at?: string) => {
  const response = await fetch(`${url}/v1/targets${at ? `?at=${at}` : ''}`, { headers: { authorization: `Bearer ${key}` } })
  const body = (await response.json()) as { targets: { id: string; status: string; value: number }[] }
  return Object.fromEntries(body.targets.map((target) => [target.id, target]))
}

t.test('a small year through POST /v1/events/batch: all accepted, designed outcomes, idempotent again', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const url = (await h.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
  const options = { seed: 5, scale: 0.01, catalog }
  const expected = countByType(simulatedEvents(options))
  const progress: string[] = []

  const first = await postYear(simulateYear(options), { url, key: adminKey, batchSize: 500, onProgress: (p) => progress.push(p.date) })
  t.equal(first.rejected, 0, `no rejections ${JSON.stringify(first.errors)}`)
  for (const [type, count] of Object.entries(expected)) t.equal(first.byType[type as keyof typeof expected].appended, count, `${type}: ${count} appended`)
  t.ok(first.requests > 5, `${first.requests} requests`)
  t.equal(progress[0], '2020-01-01', 'progress is reported day by day')
  t.ok(progress.at(-1)! > '2020-12-31', 'through the late reports of January 2021')

  await waitForProjection(url, first.lastPosition)
  const closed = await statuses(url, adminKey)
  // Scale-free targets come out as the simulated year was designed.
  for (const id of ['national-agri-demo-zones', 'provincial-agri-demo-zones', 'licence-separation-coverage', 'food-sampling-pass-rate', 'elevator-inspection-rate'])
    t.equal(closed[id]!.status, 'met', `${id} is met`)
  for (const id of ['relocation-public-service-pilots', 'ip-strong-province-deliverables', 'new-measurement-standards', 'joint-random-inspection-coverage'])
    t.equal(closed[id]!.status, 'missed', `${id} is missed`)
  t.equal(closed['wholesale-testing-systems']!.status, 'breached', 'one market in Qianxinan still has no testing system')
  t.equal(closed['party-branch-standardization']!.status, 'stale', "Qiandongnan's missing December report leaves the province stale")
  t.equal(closed['new-market-entities']!.status, 'missed', 'at scale 0.01 the 500,000 are out of reach')
  const september = await statuses(url, adminKey, '2020-09-20')
  t.equal(september['school-kitchen-transparency']!.status, 'stale', 'Bijie skipped August: in late September the province is stale')

  const again = await postYear(simulateYear(options), { url, key: adminKey })
  t.equal(again.appended, 0, 'a second run appends nothing')
  t.equal(again.existing, first.appended, 'every event answers 200: already recorded')
  t.equal(again.rejected, 0)
})

const runCli = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })

t.test('npm run simulate: progress, a summary by type, and where every target stands', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const url = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const { code, stdout, stderr } = await runCli(['simulate', '--seed', '9', '--scale', '0.004', '--until', '2020-03-31', '--url', url, '--key', adminKey], {})
  t.equal(code, 0, stderr)
  t.match(stdout, /targetwatch simulate: seed 9, scale 0\.004, until 2020-03-31/)
  t.match(stdout, /2020-03-\d\d\s+\[[█░]+\]/, 'a progress line per month when not on a terminal')
  t.match(stdout, /MarketEntityRegistered\s+[\d,]+\s+0\s+0/, 'appended, already there, rejected by type')
  t.match(stdout, /targets at 2020-03-31: /)
  for (const target of catalog.targets) t.ok(stdout.includes(target.title.zh), `${target.id} is listed by its Chinese title`)
  t.match(stdout, /scale 0\.004: registrations and sampling are 0\.4% of a real year/)
})

t.test('serve --demo: its own data dir, a dashboard link with a read-only key, the year filling in', async (t) => {
  t.equal(demoDataDir(loadConfig({}), {}, '/srv/tw'), '/srv/tw/data-demo', 'by default ./data-demo')
  t.equal(demoDataDir(loadConfig({ TARGETWATCH_DATA_DIR: '/var/tw' }), { TARGETWATCH_DATA_DIR: '/var/tw' }, '/srv/tw'), '/var/tw', 'unless the operator names one')

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-demo-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), 'serve', '--demo', '--scale', '0.004'], {
    cwd: projectRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TARGETWATCH_DATA_DIR: dataDir, LOG_LEVEL: 'info', TARGETWATCH_ADMIN_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')))
  let output = ''
  const finished = new Promise<void>((resolve) => {
    const watch = (chunk: Buffer) => {
      output += chunk
      if (output.includes('demo: the simulated year is in')) resolve()
    }
    child.stdout!.on('data', watch)
    child.stderr!.on('data', watch)
  })
  const started = Date.now()
  await Promise.race([finished, exited])
  t.match(output, /demo: the simulated year is in/, `the year was posted in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  const link = /(http:\/\/127\.0\.0\.1:\d+)\/#key=(tw_\S+)/.exec(output)
  t.ok(link, 'a dashboard link with a key is printed')
  const [, url, viewer] = link!
  t.equal((await fetch(`${url}/`)).status, 200, 'the dashboard is served')
  const targets = await statuses(url!, viewer!)
  t.equal(targets['national-agri-demo-zones']!.status, 'met', 'and the figures are in')
  const write = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: '{}' })
  t.equal(write.status, 403, "the link's key only reads")
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'and the demo stops cleanly')
})
