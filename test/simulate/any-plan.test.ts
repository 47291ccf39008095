// The simulator for a plan other than the 2020 one: a period read from the plan's measures alone
// (every metric kind, a county-level region set, a quarterly reading), deterministic, inside the
// plan's period and regions; and `targetwatch simulate --plan` posting it to a real service over
// HTTP, every fact accepted and every target evaluated.
import t from 'tap'
import { spawn } from 'node:child_process'
import path from 'node:path'
import { parseClientEvent } from '../../domain/parse-event.ts'
import type { Plan } from '../../domain/plans.ts'
import type { RegionSet } from '../../domain/regions.ts'
import { simulatePlan } from '../../seeds/simulate/any-plan.ts'
import { zunyi2021 } from '../fixtures/zunyi-2021.ts'
import { adminKey, startHarness } from '../helpers/harness.ts'
import { projectRoot } from '../helpers/process.ts'

t.setTimeout(240_000)

const text = (zh: string, en: string) => ({ zh, en })
const base = zunyi2021.targets[0]!
const extra = (id: string, zh: string, en: string, fields: Record<string, unknown>) => ({
  ...base,
  id,
  title: text(zh, en),
  clause: text(zh, en),
  minimumSample: undefined,
  ...fields,
})

/** The test plan: the fixture's two targets and one of every other metric kind. */
const plan = {
  ...zunyi2021,
  id: 'zunyi-2021-all-kinds',
  targets: [
    ...zunyi2021.targets,
    extra('new-entities', '新增市场主体', 'New market entities', { metric: 'event_count', computedFrom: { fact: 'MarketEntityRegistered' }, comparator: 'gte', threshold: 3000, unit: 'entities', evaluation: 'by_period_end' }),
    extra('food-density', '食品抽检密度', 'Food sampling density', { metric: 'event_rate_per_1000', computedFrom: { fact: 'SamplingBatchTested' }, comparator: 'gte', threshold: 2, unit: 'batches_per_1000_residents', evaluation: 'by_period_end' }),
    extra('rescue-arrival', '电梯救援到场时间', 'Elevator rescue arrival', { metric: 'mean_duration', computedFrom: { fact: 'RescueRequested', until: 'RescuerArrived' }, comparator: 'lte', threshold: 25, unit: 'minutes', evaluation: 'continuous', minimumSample: 30 }),
    extra('standards', '地方标准制定', 'Local standards issued', { metric: 'milestone_count', computedFrom: undefined, comparator: 'gte', threshold: 6, unit: 'items', evaluation: 'by_period_end' }),
  ].map((target) => JSON.parse(JSON.stringify(target))),
} as unknown as Plan
const regions = zunyi2021.regionSet as unknown as RegionSet
const memberIds = new Set(regions.regions.map((r) => r.id))

const businessDate = (data: Record<string, unknown>): string | undefined =>
  (data.sampledOn ?? data.registeredOn ?? data.asOf ?? data.achievedOn ?? (typeof data.reportedAt === 'string' ? data.reportedAt.slice(0, 10) : undefined)) as string | undefined

t.test('a period read from the measures: every kind of fact, inside the period and the region set, deterministic', async (t) => {
  const events = [...simulatePlan({ seed: 3, scale: 0.5, plan, regions })].flatMap((day) => day.events)
  const types = new Map<string, number>()
  for (const event of events) types.set(event.type, (types.get(event.type) ?? 0) + 1)
  for (const type of ['InspectionBatchTested', 'SamplingBatchTested', 'MarketEntityRegistered', 'RescueRequested', 'RescuerArrived', 'IndicatorReported', 'MilestoneAchieved'])
    t.ok((types.get(type) ?? 0) > 0, `${type}: ${types.get(type) ?? 0}`)
  const invalid = events.filter((e) => {
    try {
      parseClientEvent({ id: e.id, type: e.type, occurredAt: e.occurredAt, data: e.data })
      return false
    } catch {
      return true
    }
  })
  t.same(invalid.slice(0, 3), [], 'every fact is valid against the event schema')
  const outside = events.filter((e) => {
    const data = e.data as Record<string, unknown>
    const date = businessDate(data)
    return (typeof data.region === 'string' && !memberIds.has(data.region)) || (date !== undefined && (date < plan.period.start || date > plan.period.end))
  })
  t.same(outside, [], "no fact names a region outside the plan's set or a business date outside its period")
  const drug = events.filter((e) => e.type === 'InspectionBatchTested')
  t.ok(drug.every((e) => (e.data as { program: string }).program === 'drug'), "inspection batches are of the filter's program")
  const readings = events.filter((e) => e.type === 'IndicatorReported').map((e) => (e.data as { asOf: string }).asOf)
  t.same([...new Set(readings)].sort(), ['2021-03-31', '2021-06-30', '2021-09-30', '2021-12-31'], 'the quarterly reading is reported at quarter ends')
  const again = [...simulatePlan({ seed: 3, scale: 0.5, plan, regions })].flatMap((day) => day.events)
  t.same(again.map((e) => e.id), events.map((e) => e.id), 'the same seed gives the same events')
  const other = [...simulatePlan({ seed: 4, scale: 0.5, plan, regions })].flatMap((day) => day.events)
  t.not(other[0]!.id, events[0]!.id, 'another seed another period')
  const cut = [...simulatePlan({ seed: 3, scale: 0.5, plan, regions, until: '2021-06-30' })]
  t.ok(cut.length > 0 && cut.every((day) => day.date <= '2021-06-30'), '`until` cuts a prefix')
  t.throws(() => [...simulatePlan({ seed: 3, scale: 3, plan, regions })], /scale must be in/)
})

const runCli = (args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('exit', (code) => resolve({ code, stdout, stderr }))
  })

t.test('targetwatch simulate --plan: a published plan simulated over HTTP, every target evaluated', async (t) => {
  const h = await startHarness({ store: 'sqlite' })
  t.teardown(h.close)
  const url = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const unknown = await runCli(['simulate', '--plan', 'no-such-plan', '--url', url, '--key', adminKey])
  t.equal(unknown.code, 1, 'an unpublished plan is refused')
  t.match(unknown.stderr, /no such plan is published/)
  const bad = await runCli(['simulate', '--plan', 'Not A Plan', '--url', url, '--key', adminKey])
  t.not(bad.code, 0)
  t.match(bad.stderr, /--plan.*plan id/)

  const published = await fetch(`${url}/v1/plans`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(plan),
  })
  t.equal(published.status, 201, await published.text())
  const { code, stdout, stderr } = await runCli(['simulate', '--plan', plan.id, '--seed', '5', '--scale', '0.5', '--url', url, '--key', adminKey])
  t.equal(code, 0, stderr)
  t.match(stdout, new RegExp(`plan ${plan.id}, seed 5, scale 0\\.5`))
  t.match(stdout, /total\s+[\d,]+\s+[\d,]+\s+0\n/, 'nothing rejected')
  for (const target of plan.targets) t.ok(stdout.includes(target.title.zh), `${target.id} is listed by its Chinese title`)

  const answer = (await (await fetch(`${url}/v1/plans/${plan.id}/targets`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as {
    targets: { id: string; status: string; value: number | null }[]
  }
  t.same(answer.targets.map((r) => r.id), plan.targets.map((target) => target.id))
  for (const report of answer.targets) {
    t.not(report.status, 'no_data', `${report.id} is evaluated: ${report.status}`)
    t.not(report.value, null, `${report.id} has a value: ${report.value}`)
  }
})
