// `targetwatch replay` folds the log from position 1 and prints the compliance table (target,
// zh title, status, value, threshold) that the service answers; --as-of shows the past.
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { cliLogSource } from '../helpers/test-store.ts'
import { auth, cli, listening, postEvents, samplingBatches } from './helpers.ts'

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-replay-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

let now = new Date('2020-07-05T02:00:00Z')
const served = (async () => {
  const h = await listening({ dataDir, clock: () => now })
  await postEvents(h, samplingBatches('R', 200, { region: 'qiannan', sampledOn: '2020-06-02' }, 40))
  now = new Date('2020-07-20T02:00:00Z')
  await postEvents(h, [{ type: 'SamplingResultCorrected', data: { batchId: 'R-0', result: 'pass', reason: 're-test' } }])
  const answer = (await h.app.inject({ method: 'GET', url: '/v1/targets?at=2020-06-30', headers: h.auth() })).json()
  const exported = await (await fetch(`${h.url}/v1/audit/events`, { headers: auth })).text()
  await h.close()
  return { answer, exported }
})()

t.test('the table lists every target with its zh title, status, value and threshold, as the service answers', async (t) => {
  const { answer } = await served
  const source = await cliLogSource(dataDir)
  const run = await cli(['replay', '--at', '2020-06-30', ...source.args], { env: source.env })
  t.equal(run.code, 0, run.stderr)
  const lines = run.stdout.split('\n')
  t.match(lines[0], /^at 2020-06-30T23:59:59\.999\+08:00, log position 202$/, 'the 2020 plan and 201 events')
  t.match(lines[1], /^plan guizhou-2020 revision 0: 2020年全省市场监管工作要点 \/ Key Points of Market Supervision Work in Guizhou Province, 2020$/)
  t.match(lines[3], /^target\s+标题\s+status\s+value\s+threshold$/)
  for (const target of answer.targets as { id: string; title: { zh: string }; status: string; value: number | null }[]) {
    const line = lines.find((l) => l.startsWith(`${target.id} `))
    if (!line) return t.fail(`no line for ${target.id}`)
    const value = target.value === null ? '—' : String(Number(target.value.toFixed(4)))
    if (!(line.includes(target.title.zh) && new RegExp(`\\s${target.status}\\s+${value.replace('.', '\\.')}\\s`).test(line)))
      return t.fail(`${target.id}: ${line}`)
  }
  t.pass(`${answer.targets.length} targets agree with /v1/targets`)
  t.match(lines.find((l) => l.startsWith('food-sampling-pass-rate ')), /0\.98\s+≥ 0\.98$/, '196 of 200 after one correction')
})

t.test('--as-of replays what the log held before the correction, also from an export file', async (t) => {
  const { exported } = await served
  const file = path.join(dataDir, 'history.ndjson')
  writeFileSync(file, exported)
  const run = await cli(['replay', '--at', '2020-06-30', '--as-of', '2020-07-10T00:00:00+08:00', '--file', file, '--region', 'qiannan', '--json'])
  t.equal(run.code, 0, run.stderr)
  const body = JSON.parse(run.stdout)
  t.equal(body.position, 201)
  t.match(body.plan, { id: 'guizhou-2020', revision: 0 })
  t.match(body.targets.find((x: { id: string }) => x.id === 'food-sampling-pass-rate'), { scope: 'qiannan', value: 0.975, status: 'breached' })
  const source = await cliLogSource(dataDir)
  const bad = await cli(['replay', '--at', 'mid-June', ...source.args], { env: source.env })
  t.equal(bad.code, 2)
  t.match(bad.stderr, /replay: --at must be a date YYYY-MM-DD or an instant, got 'mid-June'/)
})
