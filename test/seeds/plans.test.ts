import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { prefectures } from '../../seeds/simulate/regions.ts'
import type { Target } from '../../domain/targets.ts'
import type { Plan } from '../../domain/plans.ts'
import { PlanInvalid, parsePlan } from '../../domain/plan-validation.ts'
import { PlanFileError, builtInKnownRegions, loadPlanFile, seedPlan, targetById } from '../../seeds/plans.ts'

const planText = readFileSync(new URL('../../seeds/plans/guizhou-2020.zh.txt', import.meta.url), 'utf8')
const idsOf = (plan: Plan, metric: Target['metric']) => plan.targets.filter((t) => t.metric === metric).map((t) => t.id)
const readingTargetIds = (plan: Plan) => idsOf(plan, 'reading_ratio')
const milestoneTargetIds = (plan: Plan) => idsOf(plan, 'milestone_count')
const catalog = seedPlan()
const target = (id: string): Target => {
  const found = targetById(catalog, id)
  if (!found) throw new Error(`no target ${id}`)
  return found
}

t.test('the shipped plan loads and covers the whole year 2020 in Asia/Shanghai', async (t) => {
  t.equal(catalog.id, 'guizhou-2020')
  t.equal(catalog.regionSet, 'guizhou')
  t.same(catalog.period, { start: '2020-01-01', end: '2020-12-31', timeZone: 'Asia/Shanghai' })
  t.ok(catalog.targets.length >= 18)
  for (const { id, period } of catalog.targets) {
    t.same(period, { start: '2020-01-01', end: '2020-12-31', timeZone: 'Asia/Shanghai' }, id)
  }
})

t.test('every required target is there with its metric, comparator and threshold', async (t) => {
  const required: [string, Target['metric'], Target['comparator'], number][] = [
    ['food-sampling-pass-rate', 'event_ratio', 'gte', 0.98],
    ['food-sampling-density', 'event_rate_per_1000', 'gte', 3],
    ['elevator-inspection-rate', 'reading_ratio', 'gte', 0.95],
    ['elevator-registration-rate', 'reading_ratio', 'gte', 0.95],
    ['elevator-rescue-arrival', 'mean_duration', 'lte', 20],
    ['new-market-entities', 'event_count', 'gte', 500_000],
    ['school-kitchen-transparency', 'reading_ratio', 'eq', 1],
    ['food-risk-grading', 'reading_ratio', 'gte', 0.8],
    ['wholesale-vendor-records', 'reading_ratio', 'eq', 1],
    ['wholesale-testing-systems', 'reading_ratio', 'eq', 1],
    ['party-branch-standardization', 'reading_ratio', 'gte', 0.8],
    ['licensed-producer-inspection', 'reading_ratio', 'eq', 1],
    ['specialty-industry-standards', 'milestone_count', 'gte', 12],
    ['national-agri-demo-zones', 'milestone_count', 'gte', 3],
    ['provincial-agri-demo-zones', 'milestone_count', 'gte', 30],
    ['new-measurement-standards', 'milestone_count', 'gte', 12],
    ['inspection-certificate-coding', 'milestone_count', 'gte', 9],
    ['quality-improvement-campaigns', 'milestone_count', 'gte', 6],
    ['provincial-quality-conference', 'milestone_count', 'gte', 1],
    ['governors-quality-award', 'milestone_count', 'gte', 1],
    ['ip-protection-opinion', 'milestone_count', 'gte', 1],
  ]
  for (const [id, metric, comparator, threshold] of required) {
    t.match(target(id), { metric, comparator, threshold }, id)
  }
})

t.test('ratio and mean targets carry their minimum samples, counts are judged at period end', async (t) => {
  t.equal(target('food-sampling-pass-rate').minimumSample, 100)
  t.equal(target('elevator-rescue-arrival').minimumSample, 30)
  t.equal(target('elevator-rescue-arrival').unit, 'minutes')
  for (const id of ['food-sampling-density', 'new-market-entities', 'food-risk-grading']) {
    t.equal(target(id).evaluation, 'by_period_end', id)
  }
})

t.test('named milestone items: the three national zones and the nine prefectures', async (t) => {
  t.same(
    target('national-agri-demo-zones').items?.map((i) => [i.title.zh.slice(0, 4), i.region]),
    [
      ['水城猕猴', 'liupanshui'],
      ['德江花椒', 'tongren'],
      ['遵义辣椒', 'zunyi'],
    ],
  )
  const coding = target('inspection-certificate-coding')
  t.same(coding.items?.map((i) => i.id), [...prefectures])
  t.same(coding.items?.map((i) => i.region), [...prefectures])
})

t.test('every clause is quoted verbatim from the plan', async (t) => {
  for (const { id, clause } of catalog.targets) t.ok(planText.includes(clause.zh), `${id}: ${clause.zh}`)
})

t.test('every section names a heading of the plan', async (t) => {
  for (const { id, section } of catalog.targets) {
    const [chapter, heading] = section.zh.split('、', 2)
    t.match(chapter, /^[一二三四五]$/, id)
    t.ok(planText.includes(`\n${heading}`), `${id}: ${heading}`)
  }
})

t.test('every text is bilingual and every target has responsible units', async (t) => {
  const filled = (text: { zh: string; en: string }) => text.zh.trim() !== '' && text.en.trim() !== ''
  for (const target of catalog.targets) {
    const texts = [target.title, target.section, target.clause, ...target.responsibleUnits, ...(target.items ?? []).map((i) => i.title)]
    t.ok(texts.every(filled), target.id)
    t.ok(target.responsibleUnits.length >= 1, `${target.id} has a lead unit`)
    t.ok(target.measure && filled(target.measure), `${target.id} says what is measured`)
  }
})

t.test('the commitment follows the wording: 力争 is strive; an occasion or an undated open list informational; everything else firm', async (t) => {
  // 以…为契机: the clause names an occasion, not a result. 等项目建设 with no date: an open list of works in progress.
  const informational: Record<string, string> = { 'ip-protection-opinion': '为契机', 'inspection-centre-projects': '等项目建设' }
  for (const { id, clause, commitment } of catalog.targets) {
    const expected = clause.zh.includes('力争') ? 'strive' : id in informational ? 'informational' : 'firm'
    t.equal(commitment, expected, id)
    if (id in informational) t.ok(clause.zh.includes(informational[id]!), `${id}: ${informational[id]}`)
  }
  t.equal(target('relocation-public-service-pilots').commitment, 'strive')
})

t.test('every target says why it is encoded as it is, quoting its clause', async (t) => {
  // Inner quotes of a quotation are ‘…’; the plan's text writes them “…”.
  const asInPlan = (text: string) => text.replaceAll('‘', '“').replaceAll('’', '”')
  for (const { id, clause, semanticsNote } of catalog.targets) {
    t.ok(semanticsNote && semanticsNote.zh.trim() && semanticsNote.en.trim(), `${id} has a semanticsNote {zh, en}`)
    // The note opens with its clause, quoted (…… marks what the quotation leaves out).
    const opening = asInPlan(/^“(.+?)”/.exec(semanticsNote?.zh ?? '')?.[1] ?? '')
    const parts = opening.split('……')
    t.ok(opening !== '' && parts.every((part) => clause.zh.includes(part)), `${id}: the note quotes its clause (${opening})`)
  }
})

t.test('reading targets report monthly with a grace period', async (t) => {
  for (const id of readingTargetIds(catalog)) t.same(target(id).reporting, { cadence: 'monthly', graceDays: 15 }, id)
})

t.test('helpers find targets by id and by the events that feed them', async (t) => {
  t.equal(targetById(catalog, 'elevator-rescue-arrival')?.threshold, 20)
  t.equal(targetById(catalog, 'no-such-target'), undefined)
  const reading = readingTargetIds(catalog)
  const milestones = milestoneTargetIds(catalog)
  t.ok(reading.includes('elevator-inspection-rate'))
  t.notOk(reading.includes('food-sampling-pass-rate'))
  t.ok(milestones.includes('national-agri-demo-zones'))
  t.ok(reading.every((id) => target(id).metric === 'reading_ratio'))
  t.ok(milestones.every((id) => target(id).metric === 'milestone_count'))
})

t.test('every event-fed target names what it is computed from', async (t) => {
  // 合格率 is judged for 监督抽检 (and batches that name no purpose); the density counts all 抽检监测.
  t.same(target('food-sampling-pass-rate').computedFrom, { fact: 'SamplingBatchTested', filter: { purpose: ['supervision', 'unspecified'] } })
  t.same(target('food-sampling-density').computedFrom, { fact: 'SamplingBatchTested' })
  t.same(target('new-market-entities').computedFrom, { fact: 'MarketEntityRegistered' })
  t.same(target('elevator-rescue-arrival').computedFrom, { fact: 'RescueRequested', until: 'RescuerArrived' })
  for (const id of readingTargetIds(catalog)) t.same(target(id).computedFrom, { indicator: id }, id)
})

// Broken catalogs: a copy of the shipped one, changed in one place, written to a temp file.
const scratch = mkdtempSync(join(tmpdir(), 'targetwatch-catalog-'))
t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
let written = 0
const writeCatalog = (text: string): string => {
  const file = join(scratch, `catalog-${++written}.json`)
  writeFileSync(file, text)
  return file
}
const indexOf = (id: string): number => catalog.targets.findIndex((t) => t.id === id)
/** Loads a changed copy of the shipped plan; fails unless that throws a PlanFileError. */
const loadBroken = (change: (json: any) => void): { file: string; error: PlanFileError & { details: { problems: { path: string }[] } } } => {
  const json = structuredClone(catalog)
  change(json)
  const file = writeCatalog(JSON.stringify(json))
  try {
    loadPlanFile(file)
  } catch (error) {
    if (error instanceof PlanFileError) return { file, error: error as never }
    throw error
  }
  throw new Error('the broken catalog loaded')
}

t.test('a wrong type is reported with the file and the JSON path', async (t) => {
  const { file, error } = loadBroken((json) => (json.targets[3].threshold = '3'))
  t.match(error.message, `${file}: /targets/3/threshold must be number`)
  t.equal(error.code, 'PLAN_FILE_INVALID')
  t.match(error.details.problems, [{ path: '/targets/3/threshold' }])
})

t.test('an unknown metric is reported with the allowed ones', async (t) => {
  const { file, error } = loadBroken((json) => (json.targets[0].metric = 'event_sum'))
  t.match(error.message, `${file}: /targets/0/metric must be one of event_ratio, event_rate_per_1000`)
})

t.test('a duplicate id names both places', async (t) => {
  const { file, error } = loadBroken((json) => (json.targets[1].id = json.targets[0].id))
  t.match(error.message, `${file}: /targets/1/id duplicates /targets/0/id`)
})

t.test('items and threshold must agree', async (t) => {
  const at = indexOf('national-agri-demo-zones')
  const { file, error } = loadBroken((json) => (json.targets[at].threshold = 2))
  t.match(error.message, `${file}: /targets/${at}/threshold must equal the number of items (3), is 2`)
})

t.test('a missing clause is reported on its target', async (t) => {
  const { file, error } = loadBroken((json) => delete json.targets[5].clause)
  t.match(error.message, `${file}: /targets/5 must have required property 'clause'`)
})

t.test('all problems are reported at once, one line each', async (t) => {
  const { error } = loadBroken((json) => {
    json.targets[0].unknownField = true
    json.targets[2].period.start = '2020-02-30'
  })
  const lines = error.message.split('\n')
  t.ok(lines.some((line) => line.endsWith("/targets/0 must not have the property 'unknownField'")), error.message)
  t.ok(lines.some((line) => line.includes('/targets/2/period/start must match format "date"')), error.message)
})

t.test('optional fields are absent or well typed, never null', async (t) => {
  const at = indexOf('food-sampling-pass-rate')
  const { error } = loadBroken((json) => (json.targets[at].minimumSample = null))
  t.match(error.message, `/targets/${at}/minimumSample must be integer`)
})

t.test('semantic rules a schema cannot express', async (t) => {
  const passRate = indexOf('food-sampling-pass-rate')
  const rescue = indexOf('elevator-rescue-arrival')
  const elevator = indexOf('elevator-inspection-rate')
  const zones = indexOf('national-agri-demo-zones')
  const cases: [string, (json: any) => void, string][] = [
    ['ratio threshold above 1', (json) => (json.targets[passRate].threshold = 98), `/targets/${passRate}/threshold must be within [0, 1]`],
    ['missing minimum sample', (json) => delete json.targets[passRate].minimumSample, `/targets/${passRate} must have minimumSample`],
    ['ratio sample above 100', (json) => (json.targets[passRate].minimumSample = 500), `/targets/${passRate}/minimumSample must be at most 100`],
    ['mean sample above 30', (json) => (json.targets[rescue].minimumSample = 31), `/targets/${rescue}/minimumSample must be at most 30`],
    ['reading without reporting', (json) => delete json.targets[elevator].reporting, `/targets/${elevator} must have reporting`],
    ['unknown item region', (json) => (json.targets[zones].items[0].region = 'guizhou'), `/targets/${zones}/items/0/region must be a region id`],
    ['duplicate item id', (json) => (json.targets[zones].items[1].id = json.targets[zones].items[0].id), `/targets/${zones}/items/1/id duplicates`],
    ['period ends before it starts', (json) => (json.targets[0].period.end = '2019-12-31'), '/targets/0/period start 2020-01-01 is after end 2019-12-31'],
    ['target period outside the plan', (json) => (json.targets[0].period.end = '2021-03-31'), "/targets/0/period 2020-01-01..2021-03-31 is not within the plan's period"],
    ['a filter on a field the fact does not have', (json) => (json.targets[passRate].computedFrom.filter = { kind: 'enterprise' }), `/targets/${passRate}/computedFrom/filter/kind SamplingBatchTested has no field 'kind'`],
    ['a filter value the field does not take', (json) => (json.targets[passRate].computedFrom.filter = { stage: 'retail' }), `/targets/${passRate}/computedFrom/filter/stage 'retail' is not a stage`],
    ['a count computed from no fact', (json) => delete json.targets[indexOf('new-market-entities')].computedFrom, `/targets/${indexOf('new-market-entities')} must name the fact`],
    ['a ratio of a fact that has no result', (json) => (json.targets[passRate].computedFrom.fact = 'MarketEntityRegistered'), `/targets/${passRate}/computedFrom/fact a event_ratio target is computed from InspectionBatchTested or SamplingBatchTested`],
    ['an unknown region set', (json) => (json.regionSet = 'atlantis'), "/regionSet 'atlantis' is not a region set that exists"],
    ['unit does not fit the metric', (json) => (json.targets[rescue].unit = 'ratio'), `/targets/${rescue}/unit must be minutes`],
  ]
  for (const [name, change, expected] of cases) t.match(loadBroken(change).error.message, expected, name)
})

t.test('unreadable and malformed files are catalog errors naming the file', async (t) => {
  const missing = join(scratch, 'missing.json')
  t.throws(() => loadPlanFile(missing), { name: 'PlanFileError', message: new RegExp(`^${missing}: / cannot be read`) })
  const malformed = writeCatalog('{ "version": ')
  t.throws(() => loadPlanFile(malformed), { name: 'PlanFileError', message: new RegExp(`^${malformed}: / is not valid JSON`) })
})

t.test('parsePlan names the source it is given', async (t) => {
  const json = structuredClone(catalog) as Plan & { targets: any[] }
  json.targets[3].threshold = 'three'
  t.throws(() => parsePlan(json, builtInKnownRegions(), 'seeds/plans/guizhou-2020.json'), {
    message: 'seeds/plans/guizhou-2020.json: /targets/3/threshold must be number',
  })
  t.equal(parsePlan(structuredClone(catalog), builtInKnownRegions(), 'copy').targets.length, catalog.targets.length)
  t.type(t.throws(() => parsePlan({ ...catalog, id: 'Bad Id' }, builtInKnownRegions())), PlanInvalid)
})
