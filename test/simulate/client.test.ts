// The simulator as a client of the real HTTP API: a small year goes in without a rejection, the
// targets come out as designed, and a second run is idempotent.
import t from 'tap'
import { seedPlan } from '../../seeds/plans.ts'
import { postYear, waitForProjection } from '../../seeds/simulate/client.ts'
import { countByType, simulatedEvents, simulateYear } from '../../seeds/simulate/year.ts'
import { adminKey, startHarness } from '../helpers/harness.ts'

t.setTimeout(240_000) // a loaded two-core machine runs other suites beside this one

const catalog = seedPlan()

const statuses = async (url: string, key: string, at?: string) => {
  const response = await fetch(`${url}/v1/targets${at ? `?at=${at}` : ''}`, { headers: { authorization: `Bearer ${key}` } })
  const body = (await response.json()) as { targets: { id: string; status: string; value: number; stale: boolean; staleRegions?: string[]; coverage?: { missing: string[] } }[] }
  return Object.fromEntries(body.targets.map((target) => [target.id, target]))
}

t.test('a small year through POST /v1/events/batch: all accepted, designed outcomes, idempotent again', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const url = (await h.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1')
  const options = { seed: 5, scale: 0.005, plan: catalog }
  const expected = countByType(simulatedEvents(options))
  const progress: string[] = []

  const first = await postYear(simulateYear(options), { url, key: adminKey, batchSize: 500, onProgress: (p) => progress.push(p.date) })
  t.equal(first.rejected, 0, `no rejections ${JSON.stringify(first.errors)}`)
  for (const [type, count] of Object.entries(expected)) t.equal(first.byType[type as keyof typeof expected].appended, count, `${type}: ${count} appended`)
  t.ok(first.requests > 3, `${first.requests} requests`)
  t.equal(progress[0], '2020-01-01', 'progress is reported day by day')
  t.ok(progress.at(-1)! > '2020-12-31', 'through the late reports of January 2021')

  await waitForProjection(url, first.lastPosition)
  const closed = await statuses(url, adminKey)
  // Scale-free targets come out as the simulated year was designed.
  for (const id of ['national-agri-demo-zones', 'provincial-agri-demo-zones', 'licence-separation-coverage', 'food-sampling-pass-rate', 'elevator-inspection-rate'])
    t.equal(closed[id]!.status, 'met', `${id} is met`)
  for (const id of ['relocation-public-service-pilots', 'ip-strong-province-deliverables', 'new-measurement-standards', 'joint-random-inspection-coverage'])
    t.equal(closed[id]!.status, 'missed', `${id} is missed`)
  t.equal(closed['wholesale-testing-systems']!.status, 'missed', 'one market in Qianxinan still has no testing system at the year end')
  t.match(closed['party-branch-standardization'], { status: 'met', stale: true, staleRegions: ['qiandongnan'] }, "Qiandongnan's missing December report: the province met over the others, flagged stale")
  t.equal(closed['new-market-entities']!.status, 'missed', 'at scale 0.005 the 500,000 are out of reach')
  const september = await statuses(url, adminKey, '2020-09-20')
  t.match(september['school-kitchen-transparency'], { stale: true, staleRegions: ['bijie'], coverage: { missing: ['bijie'] } }, 'Bijie skipped August: in late September the province is flagged stale')

  const again = await postYear(simulateYear(options), { url, key: adminKey })
  t.equal(again.appended, 0, 'a second run appends nothing')
  t.equal(again.existing, first.appended, 'every event answers 200: already recorded')
  t.equal(again.rejected, 0)
})
