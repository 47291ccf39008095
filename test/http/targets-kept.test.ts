// GET /v1/targets keeps its serialised answer per (position, business day, region, scope): the
// kept answer must be exactly what evaluating again gives, and must never outlive the log moving
// or leak between keys of different scopes.
import t from 'tap'
import { batch } from '../helpers/facts.ts'
import { createKey, startHarness, type Harness } from '../helpers/harness.ts'

const get = (h: Harness, url: string, key?: string) => h.app.inject({ method: 'GET', url, headers: h.auth(key) })
const post = (h: Harness, events: unknown[]) => h.app.inject({ method: 'POST', url: '/v1/events/batch', headers: h.auth(), payload: { events } })

t.test('a kept answer equals a fresh evaluation, and the next fact changes it', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  await post(h, Array.from({ length: 30 }, (_, i) => batch({}, { batchId: `K-${i}`, region: 'zunyi', result: i < 3 ? 'fail' : 'pass' })))
  const first = await get(h, '/v1/targets?at=2020-06-30')
  const again = await get(h, '/v1/targets?at=2020-06-30')
  t.equal(first.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(again.body, first.body, 'the same answer twice')
  const attested = await get(h, '/v1/targets?at=2020-06-30&attest=true')
  t.same(attested.json().targets, first.json().targets, 'the evaluated (attested) path agrees')
  const sameDay = await get(h, '/v1/targets?at=2020-06-30T09:00:00%2B08:00')
  t.same(sameDay.json().targets, first.json().targets, 'another instant of the same business day')
  t.not(sameDay.json().at, first.json().at, 'but its own `at`')
  await post(h, [batch({}, { batchId: 'K-late', region: 'zunyi', result: 'fail' })])
  await h.services.runner.waitFor(await h.services.store.head())
  const moved = await get(h, '/v1/targets?at=2020-06-30')
  t.equal(moved.json().position, first.json().position + 1)
  const zunyi = (body: { targets: { id: string; regions: { region: string; sample: number }[] }[] }) =>
    body.targets.find((target) => target.id === 'food-sampling-pass-rate')!.regions.find((region) => region.region === 'zunyi')!.sample
  t.equal(zunyi(moved.json()), zunyi(first.json()) + 1, 'the new fact is counted')
})

t.test('a scoped key never gets the answer kept for an unscoped one', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const scoped = await createKey(h, 'viewer', ['zunyi'])
  const everyone = (await get(h, '/v1/targets?at=2020-06-30')).json()
  const zunyiOnly = (await get(h, '/v1/targets?at=2020-06-30', scoped)).json()
  t.equal(everyone.position, zunyiOnly.position)
  const regionsOf = (body: { targets: { regions: { region: string }[] }[] }) => new Set(body.targets.flatMap((target) => target.regions.map((r) => r.region)))
  t.ok(regionsOf(everyone).size > 1)
  t.same([...regionsOf(zunyiOnly)], ['zunyi'])
})
