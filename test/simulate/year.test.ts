// The simulated year as a specification: deterministic, valid, and shaped like 2020 in Guizhou —
// volumes from the plan and the census, a deep February, skewed rescue times with slower
// regions, late reporters, the three national demonstration zones, a mix of met and missed.
import t from 'tap'
import { createHash } from 'node:crypto'
import { parseClientEvent } from '../../domain/parse-event.ts'
import { populationOf, provincePopulation, regionIds } from '../../seeds/simulate/regions.ts'
import { checkUscc } from '../../domain/uscc.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { regionTotals, simulatedEvents, countByType, type SimulatedEvent } from '../../seeds/simulate/year.ts'

const catalog = seedPlan()
const year = simulatedEvents({ seed: 11, scale: 0.02, plan: catalog })
const ofType = <T extends SimulatedEvent['type']>(type: T) => year.filter((e): e is Extract<SimulatedEvent, { type: T }> => e.type === type)
// A tenth of a year, for the statistics that need more than a handful of events.
const tenth = simulatedEvents({ seed: 3, scale: 0.1, plan: catalog, until: '2020-12-31' })
const digest = (events: SimulatedEvent[]) => createHash('sha256').update(JSON.stringify(events)).digest('hex')

t.test('the same seed gives the same year; another seed another one', async (t) => {
  t.equal(digest(simulatedEvents({ seed: 11, scale: 0.02, plan: catalog })), digest(year), 'ids, values and order are reproducible')
  const other = simulatedEvents({ seed: 12, scale: 0.02, plan: catalog })
  t.not(digest(other), digest(year))
  const ids = new Set(year.map((e) => e.id))
  t.notOk(other.some((e) => ids.has(e.id)), 'no event id repeats across seeds')
  const usccs = new Set(ofType('MarketEntityRegistered').map((e) => e.data.uscc))
  t.notOk(other.some((e) => e.type === 'MarketEntityRegistered' && usccs.has(e.data.uscc)), 'no USCC repeats across seeds')
})

t.test('every fact is valid as the API takes it, ids and USCCs are unique', async (t) => {
  const problems: string[] = []
  for (const event of year) {
    try {
      parseClientEvent(event)
    } catch (error) {
      problems.push(`${event.type}: ${(error as Error).message}`)
    }
  }
  t.same(problems.slice(0, 5), [], `all ${year.length} events pass the schemas`)
  t.equal(new Set(year.map((e) => e.id)).size, year.length, 'event ids are unique')
  const usccs = ofType('MarketEntityRegistered').map((e) => e.data.uscc)
  t.equal(new Set(usccs).size, usccs.length, 'USCCs are unique')
  t.ok(usccs.every((code) => checkUscc(code).ok), 'every USCC has a valid check character')
  t.ok(usccs.every((code) => /^9[123]52/.test(code)), 'registered by market regulation (9), as enterprise, individual or cooperative, in Guizhou (52)')
  t.ok(year.every((e) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.id)), 'ids are version-4 UUIDs')
})

t.test('facts come in the order they occurred, each after what it depends on', async (t) => {
  t.ok(year.every((e, i) => i === 0 || year[i - 1]!.occurredAt <= e.occurredAt), 'occurredAt never goes back')
  const seen = new Map<string, string>()
  const late: string[] = []
  for (const event of year) {
    if (event.type === 'RescueRequested' || event.type === 'SamplingBatchTested') seen.set(event.type === 'RescueRequested' ? event.data.incidentId : event.data.batchId, event.occurredAt)
    if (event.type === 'RescuerArrived' && !seen.has(event.data.incidentId)) late.push(event.data.incidentId)
    if (event.type === 'SamplingResultCorrected' && !seen.has(event.data.batchId)) late.push(event.data.batchId)
  }
  t.same(late, [], 'no arrival before its request, no correction before its test')
})

t.test('volumes follow the plan and the 2020 census', async (t) => {
  const full = regionTotals(1)
  const prefectures = regionIds.filter((r) => populationOf(r) !== null)
  const batches = regionIds.reduce((sum, r) => sum + full[r].sampling, 0)
  const density = (batches * 1000) / provincePopulation
  t.ok(density > 3.05 && density < 3.3, `about 3.1 batches per 1,000 residents province-wide (${density.toFixed(3)})`)
  const short = prefectures.filter((r) => (full[r].sampling * 1000) / populationOf(r)! < 3)
  t.ok(short.length >= 1 && short.length <= 3, `a few prefectures fall short of 3 per 1,000: ${short.join(', ')}`)
  const entities = regionIds.reduce((sum, r) => sum + full[r].entities, 0)
  t.ok(entities >= 500_000 && entities < 600_000, `${entities} new market entities: the 500,000 of the plan, and some`)
  t.ok(full.guiyang.entities > full.bijie.entities, 'the capital registers more than the more populous Bijie')
  const scaled = regionTotals(0.1)
  t.ok(Math.abs(regionIds.reduce((sum, r) => sum + scaled[r].entities, 0) - entities / 10) <= 10, 'scale 0.1 is a tenth of the volume')
  const counts = countByType(year)
  t.ok(counts.IndicatorReported > 1000 && counts.MilestoneAchieved > 70, 'readings and milestones do not scale')
  t.equal(counts.RescueRequested, counts.RescuerArrived, 'every entrapment ends with a rescuer on site')
})

t.test('seasonality: February 2020 is a deep dip', async (t) => {
  const byMonth = (dates: string[]) => {
    const months = new Array(12).fill(0)
    for (const date of dates) months[Number(date.slice(5, 7)) - 1] += 1
    return months
  }
  const registrations = byMonth(ofType('MarketEntityRegistered').map((e) => e.data.registeredOn))
  const normal = registrations.slice(3).reduce((a, b) => a + b, 0) / 9
  t.ok(registrations[1] < 0.35 * normal, `February: ${registrations[1]} registrations against ${Math.round(normal)} in a normal month`)
  t.ok(registrations[11] > normal, 'a year-end push in December')
  const sampling = byMonth(ofType('SamplingBatchTested').map((e) => e.data.sampledOn))
  t.ok(sampling[1] < 0.25 * (sampling.slice(3).reduce((a, b) => a + b, 0) / 9), 'hardly any sampling in February')
})

t.test('rescue arrival times are right-skewed, and some regions are slower', async (t) => {
  const reported = new Map<string, { region: string; at: number }>()
  const minutes: { region: string; value: number }[] = []
  for (const e of tenth) {
    if (e.type === 'RescueRequested') reported.set(e.data.incidentId, { region: e.data.region, at: Date.parse(e.data.reportedAt) })
    if (e.type === 'RescuerArrived') {
      const request = reported.get(e.data.incidentId)!
      minutes.push({ region: request.region, value: (Date.parse(e.data.arrivedAt) - request.at) / 60_000 })
    }
  }
  const values = minutes.map((m) => m.value).sort((a, b) => a - b)
  const mean = values.reduce((a, b) => a + b, 0) / values.length
  const median = values[Math.floor(values.length / 2)]!
  t.ok(mean > median, `mean ${mean.toFixed(1)} > median ${median.toFixed(1)} minutes: a long tail`)
  t.ok(values.filter((v) => v < 20).length / values.length > 0.75, 'most rescuers arrive within 20 minutes')
  t.ok(mean < 20, 'the province meets the 20-minute mean')
  const regionMean = (region: string) => {
    const own = minutes.filter((m) => m.region === region)
    return own.reduce((a, m) => a + m.value, 0) / own.length
  }
  t.ok(regionMean('qiandongnan') > 20, `Qiandongnan is slower (${regionMean('qiandongnan').toFixed(1)} min)`)
  t.ok(regionMean('guiyang') < regionMean('qiandongnan'), 'than the capital')
})

t.test('pass rates around 98-99%, a few regions worse', async (t) => {
  const rate = (region?: string) => {
    const tested = tenth.filter((e) => e.type === 'SamplingBatchTested' && (!region || e.data.region === region)) as Extract<SimulatedEvent, { type: 'SamplingBatchTested' }>[]
    return tested.filter((e) => e.data.result === 'pass').length / tested.length
  }
  t.ok(rate() > 0.98 && rate() < 0.99, `province ${(rate() * 100).toFixed(2)}%`)
  t.ok(rate('qianxinan') < 0.98 && rate('tongren') < 0.98, 'Qianxinan and Tongren fall below 98%')
  t.ok(tenth.some((e) => e.type === 'SamplingBatchTested' && e.data.result === 'fail' && (e.data.failedItems?.length ?? 0) > 0), 'failures name what failed')
  t.ok(tenth.some((e) => e.type === 'SamplingResultCorrected'), 'some results are corrected on appeal')
})

t.test('monthly readings: some regions late or silent, Gui’an from March', async (t) => {
  const readings = ofType('IndicatorReported')
  const has = (region: string, asOf: string, indicator?: string) =>
    readings.some((e) => e.data.region === region && e.data.asOf === asOf && (!indicator || e.data.indicator === indicator))
  t.notOk(has('bijie', '2020-08-31'), 'Bijie never sends its August figures')
  t.ok(has('bijie', '2020-09-30'), 'but reports again in September')
  t.notOk(has('qiandongnan', '2020-12-31', 'party-branch-standardization'), 'Qiandongnan misses one December report')
  t.notOk(has('guian', '2020-01-31') || has('guian', '2020-02-29'), 'Gui’an reports from March')
  const delays = readings.map((e) => (Date.parse(e.occurredAt) - Date.parse(`${e.data.asOf}T23:59:59+08:00`)) / 86_400_000)
  t.ok(delays.some((d) => d > 15), 'some reports arrive after the 15-day grace')
  t.ok(readings.every((e) => e.data.numerator <= e.data.denominator))
})

t.test('milestones: the three named national demonstration zones, and some items never achieved', async (t) => {
  const milestones = ofType('MilestoneAchieved')
  const zones = milestones.filter((e) => e.data.targetId === 'national-agri-demo-zones')
  t.same(
    zones.map((e) => [e.data.itemId, e.data.region]).sort(),
    [['dejiang-sichuan-pepper', 'tongren'], ['shuicheng-kiwifruit', 'liupanshui'], ['zunyi-chili-pepper', 'zunyi']],
  )
  t.ok(zones.every((e) => e.data.title.includes('国家农业标准化种植示范区')), 'titled as the plan names them')
  const achieved = (target: string) => milestones.filter((e) => e.data.targetId === target).length
  t.equal(achieved('provincial-agri-demo-zones'), 30)
  t.equal(achieved('relocation-public-service-pilots'), 1, 'the strive-for pilot in Dafang is not won')
  t.equal(achieved('ip-strong-province-deliverables'), 4, 'the 2021-2035 outline is not finished in 2020')
  t.equal(achieved('new-measurement-standards'), 10, 'two measurement standards short of twelve')
  const months = new Set(milestones.map((e) => e.data.achievedOn.slice(5, 7)))
  t.ok(months.size >= 9, `spread over ${months.size} months`)
})

t.test('every food batch says whether it is 监督抽检 or 风险监测; risk monitoring finds more problems', async (t) => {
  const batches = tenth.filter((e): e is Extract<SimulatedEvent, { type: 'SamplingBatchTested' }> => e.type === 'SamplingBatchTested')
  t.ok(batches.every((e) => e.data.purpose === 'supervision' || e.data.purpose === 'risk_monitoring'), 'every batch names its purpose')
  const risk = batches.filter((e) => e.data.purpose === 'risk_monitoring')
  const share = risk.length / batches.length
  t.ok(share > 0.1 && share < 0.15, `risk monitoring is about one batch in eight (${share.toFixed(3)})`)
  const failRate = (list: typeof batches) => list.filter((e) => e.data.result === 'fail').length / list.length
  const supervision = batches.filter((e) => e.data.purpose === 'supervision')
  t.ok(failRate(risk) > 2 * failRate(supervision), `problems: ${failRate(risk).toFixed(4)} of risk monitoring, ${failRate(supervision).toFixed(4)} of supervision`)
})

t.test('milestones of the targets added from the plan; the inspection-centre projects still being built', async (t) => {
  const milestones = ofType('MilestoneAchieved')
  const items = (target: string) => milestones.filter((e) => e.data.targetId === target).map((e) => e.data.itemId).sort()
  t.same(items('quality-improvement-campaigns'), ['campaign-1', 'campaign-2', 'campaign-3', 'campaign-4', 'campaign-5', 'campaign-6'])
  t.same(items('provincial-quality-conference'), ['conference-held'])
  t.same(items('governors-quality-award'), ['third-award-selection'])
  t.same(items('ip-protection-opinion'), ['opinion-issued'])
  t.same(items('inspection-centre-projects'), ['big-data-security-metrology-centre', 'cigarette-manufacturing-metrology-centre'], 'two of five finished in 2020')
  const conference = milestones.find((e) => e.data.targetId === 'provincial-quality-conference')!
  t.equal(conference.data.achievedOn.slice(0, 7), '2020-09', 'in Quality Month')
})

t.test('--until cuts a prefix of the same year', async (t) => {
  const june = simulatedEvents({ seed: 11, scale: 0.02, plan: catalog, until: '2020-06-30' })
  const expected = year.filter((e) => e.occurredAt.slice(0, 10) <= '2020-06-30')
  t.equal(june.length, expected.length)
  t.equal(digest(june), digest(expected))
  t.throws(() => simulatedEvents({ seed: 1, scale: 0, plan: catalog }), /scale must be in \(0, 2\]/)
})
