// Time travel on every compliance read: `at` is the business date, `asOf`/`position` what the
// log held. A corrected sampling result reads as reported before the correction was recorded
// and as corrected after; historical answers come from snapshots plus replay and equal a fold
// from zero; and every answer is identical after a full rebuild (snapshots deleted, restart).
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { evaluateTarget } from '../projections/fixtures.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { foldCompliance } from '../../services/audit/replay.ts'
import { canonicalJson } from '../../domain/canonical-json.ts'
import { listening, postEvents, samplingBatches } from './helpers.ts'

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-travel-'))
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
const target = seedPlan().targets.find((x) => x.id === 'food-sampling-pass-rate')!

let now = new Date('2020-06-20T02:00:00Z')
const clock = () => now
const env = { TARGETWATCH_SNAPSHOT_EVERY: '100' }
const zunyi = (body: { regions: { region: string; value: number | null; sample: number }[] }) => body.regions.find((r) => r.region === 'zunyi')!

/** 400 batches in Zunyi, 8 failing (0.98 met), recorded 2020-06-20; 10 failures corrected to pass on 2020-07-10. */
const recorded = (async () => {
  const h = await listening({ dataDir, clock, env })
  await postEvents(h, samplingBatches('Z', 400, { region: 'zunyi', sampledOn: '2020-05-12' }, 50))
  const reported = h.services.runner.position()
  now = new Date('2020-07-10T02:00:00Z')
  await postEvents(h, [0, 50, 100, 150].map((i) => ({ type: 'SamplingResultCorrected', data: { batchId: `Z-${i}`, result: 'pass', reason: 're-test' } })))
  const corrected = h.services.runner.position()
  return { h, reported, corrected }
})()
let closed = false
t.teardown(async () => {
  if (!closed) await (await recorded).h.close()
})

const get = async (h: Awaited<typeof recorded>['h'], url: string) => {
  const response = await h.app.inject({ method: 'GET', url, headers: h.auth() })
  if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`)
  return response.json()
}

t.test('a corrected result reads as reported on a date, and as corrected later', async (t) => {
  const { h, reported, corrected } = await recorded
  const detail = '/v1/targets/food-sampling-pass-rate?at=2020-06-30'
  t.match(zunyi(await get(h, detail)), { value: 0.99, sample: 400 }, 'now: 4 of 8 failures corrected')
  t.match(zunyi(await get(h, `${detail}&asOf=2020-07-01T00:00:00%2B08:00`)), { value: 0.98, sample: 400 }, 'as the log held it on 1 July')
  t.match(zunyi(await get(h, `${detail}&position=${reported}`)), { value: 0.98 }, 'at the position before the corrections')
  t.match(zunyi(await get(h, `${detail}&position=${reported + 2}`)), { value: 0.985 }, 'halfway through the corrections')
  t.match(zunyi(await get(h, `${detail}&asOf=2020-07-10T12:00:00%2B08:00`)), { value: 0.99 }, 'after they were recorded')
  t.equal((await get(h, `${detail}&position=${reported}`)).position, reported)

  const list = (asOf: string) => get(h, `/v1/targets?at=2020-06-30&asOf=${encodeURIComponent(asOf)}`)
  const before = (await list('2020-07-01T00:00:00+08:00')).targets.find((x: { id: string }) => x.id === target.id)
  const after = (await list('2020-07-11T00:00:00+08:00')).targets.find((x: { id: string }) => x.id === target.id)
  t.match(zunyi(before), { value: 0.98 }, 'the list route honours asOf too')
  t.match(zunyi(after), { value: 0.99 })
  t.equal(corrected, reported + 4)
})

t.test('historical answers from snapshots plus replay equal a fold from zero at every position probed', async (t) => {
  const { h, corrected } = await recorded
  for (const position of [1, 99, 100, 101, 250, 399, 401, corrected]) {
    const { state } = await foldCompliance(h.services.store.readAll({ to: position }), position)
    const expected = JSON.parse(JSON.stringify(evaluateTarget(state, target, { at: '2020-06-30T23:59:59.999+08:00' })))
    const answer = await get(h, `/v1/targets/food-sampling-pass-rate?at=2020-06-30&position=${position}`)
    const { position: _position, projection: _projection, catalogVersion: _version, plan: _plan, at: _at, businessDate, ...rest } = answer
    // The target's own date is businessDate (`at` is the instant asked, as on the list route).
    const figures = { ...rest, at: businessDate }
    if (canonicalJson(figures) !== canonicalJson(expected)) return t.fail(`position ${position} differs from a fold from zero`, { figures, expected })
  }
  t.pass('8 positions across snapshot boundaries agree')
})

t.test('every answer is identical after a full rebuild: snapshots deleted, service restarted', async (t) => {
  const { h, reported } = await recorded
  const urls = [
    '/v1/targets?at=2020-06-30',
    '/v1/targets?at=2020-06-30&asOf=2020-07-01T00:00:00%2B08:00',
    `/v1/targets/food-sampling-pass-rate?at=2020-06-30&position=${reported}`,
    '/v1/targets/food-sampling-pass-rate?at=2020-12-31&region=zunyi',
  ]
  const before = await Promise.all(urls.map((url) => get(h, url)))
  closed = true
  await h.close()
  rmSync(path.join(dataDir, 'snapshots.db'))
  rmSync(path.join(dataDir, 'snapshots.db-wal'), { force: true })
  rmSync(path.join(dataDir, 'snapshots.db-shm'), { force: true })
  const rebuilt = await listening({ dataDir, clock, env })
  t.teardown(rebuilt.close)
  const after = await Promise.all(urls.map((url) => get(rebuilt, url)))
  urls.forEach((url, i) => t.same(after[i], before[i], url))
})
