// The simulator's command line and `serve --demo`, as real processes: the CLI prints progress, a
// summary by type and every target's status; the demo fills its own data dir in the background
// and hands out a dashboard link with a read-only key.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { demoDataDir } from '../../services/cli/demo.ts'
import { loadConfig } from '../../services/config.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { adminKey, startHarness } from '../helpers/harness.ts'
import { freePort, projectRoot } from '../helpers/process.ts'

t.setTimeout(240_000) // a loaded two-core machine runs other suites beside this one

const catalog = seedPlan()

const statuses = async (url: string, key: string) => {
  const response = await fetch(`${url}/v1/targets`, { headers: { authorization: `Bearer ${key}` } })
  const body = (await response.json()) as { targets: { id: string; status: string }[] }
  return Object.fromEntries(body.targets.map((target) => [target.id, target]))
}

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
  const { code, stdout, stderr } = await runCli(['simulate', '--seed', '9', '--scale', '0.002', '--until', '2020-03-31', '--url', url, '--key', adminKey], {})
  t.equal(code, 0, stderr)
  t.match(stdout, /targetwatch simulate: seed 9, scale 0\.002, until 2020-03-31/)
  t.match(stdout, /2020-03-\d\d\s+\[[█░]+\]/, 'a progress line per month when not on a terminal')
  t.match(stdout, /MarketEntityRegistered\s+[\d,]+\s+0\s+0/, 'appended, already there, rejected by type')
  t.match(stdout, /targets at 2020-03-31: /)
  for (const target of catalog.targets) t.ok(stdout.includes(target.title.zh), `${target.id} is listed by its Chinese title`)
  t.match(stdout, /scale 0\.002: registrations and sampling are 0\.2% of a real year/)
})

t.test('serve --demo: its own data dir, a dashboard link with a read-only key, the year filling in', async (t) => {
  t.equal(demoDataDir(loadConfig({}), {}, '/srv/tw'), '/srv/tw/data-demo', 'by default ./data-demo')
  t.equal(demoDataDir(loadConfig({ TARGETWATCH_DATA_DIR: '/var/tw' }), { TARGETWATCH_DATA_DIR: '/var/tw' }, '/srv/tw'), '/var/tw', 'unless the operator names one')

  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-demo-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), 'serve', '--demo', '--scale', '0.002'], {
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
  // The volumes are 0.002 of the year's: the demo's plan scales their thresholds alike, so the
  // verdicts are the full-size year's (met), not "missed" for the scale.
  t.equal(targets['new-market-entities']!.status, 'met', 'new market entities: the full-size verdict')
  t.equal(targets['food-sampling-density']!.status, 'met', 'sampling density: the full-size verdict')
  t.equal((targets['new-market-entities'] as unknown as { threshold: number }).threshold, 1000, '500,000 scaled by 0.002')
  const plan = (await (await fetch(`${url}/v1/plans/guizhou-2020`, { headers: { authorization: `Bearer ${viewer}` } })).json()) as { title: { en: string }; revision: number }
  t.match(plan.title.en, /demo: .*scale 0\.002/, 'and the plan says it is a scaled demo')
  const write = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: '{}' })
  t.equal(write.status, 403, "the link's key only reads")
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'and the demo stops cleanly')
})
