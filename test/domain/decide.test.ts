// Deciders as specifications: given the stream's events, when a fact is submitted, then the
// recorded event, or the error.
import t, { type Test } from 'tap'
import { judge, type DecisionContext, type StreamEvent } from '../../domain/decide/index.ts'
import { parseClientEvent } from '../../domain/parse-event.ts'
import { planDirectory } from '../../domain/plan-directory.ts'
import { planOf, target } from '../projections/fixtures.ts'

const title = { zh: '项', en: 'item' }
const context: DecisionContext = {
  now: '2021-01-10T00:00:00Z',
  plans: planDirectory(
    [
      planOf(
        target({ id: 'elevator-inspection-rate', metric: 'reading_ratio', threshold: 0.95, reporting: { cadence: 'monthly', graceDays: 15 }, minimumSample: undefined }),
        target({ id: 'national-agri-demo-zones', metric: 'milestone_count', threshold: 1, unit: 'items', minimumSample: undefined, items: [{ id: 'shuicheng-kiwifruit', title, region: 'liupanshui' }] }),
        target({ id: 'specialty-industry-standards', metric: 'milestone_count', threshold: 12, unit: 'items', minimumSample: undefined }),
      ),
    ],
    ['guiyang', 'liupanshui', 'zunyi', 'anshun', 'bijie', 'tongren', 'qianxinan', 'qiandongnan', 'qiannan', 'guian'],
  ),
}

const given = (history: StreamEvent[]) => ({
  when: (fact: unknown) => {
    const judgement = judge(history, parseClientEvent(fact), context)
    return {
      then: (t: Test, expected: StreamEvent) => t.same(judgement.decide(), expected),
      thenThrows: (t: Test, code: string, message: RegExp) =>
        t.throws(() => judgement.decide(), { code, message }),
      region: judgement.region,
    }
  },
})

const tested = { type: 'SamplingBatchTested', data: { batchId: 'B1', region: 'zunyi', stage: 'catering', sampledOn: '2020-04-02', result: 'pass' } }

t.test('sampling: tested once, corrections carry the batch context', async (t) => {
  given([]).when(tested).then(t, tested)
  given([tested]).when(tested).thenThrows(t, 'BATCH_ALREADY_TESTED', /batch B1 was already tested/)
  const correction = { type: 'SamplingResultCorrected', data: { batchId: 'B1', result: 'fail', reason: 'lab re-test' } }
  given([tested])
    .when(correction)
    .then(t, { type: 'SamplingResultCorrected', data: { ...correction.data, region: 'zunyi', sampledOn: '2020-04-02', previousResult: 'pass', stage: 'catering', purpose: null } })
  t.equal(given([tested]).when(correction).region, 'zunyi', 'a correction takes the region of its stream')
  given([]).when(correction).thenThrows(t, 'BATCH_NOT_FOUND', /no test result to correct/)
  given([]).when({ ...tested, data: { ...tested.data, sampledOn: '2021-02-01' } }).thenThrows(t, 'VALIDATION_FAILED', /sampledOn: 2021-02-01 is in the future/)
  given([]).when({ ...tested, data: { ...tested.data, failedItems: ['lead'] } }).thenThrows(t, 'VALIDATION_FAILED', /passing batch has no failed items/)
})

t.test('rescue: requested once; one arrival, not before the report', async (t) => {
  const requested = { type: 'RescueRequested', data: { incidentId: 'I1', region: 'bijie', reportedAt: '2020-07-01T08:00:00+08:00' } }
  given([]).when(requested).then(t, requested)
  given([requested]).when(requested).thenThrows(t, 'RESCUE_ALREADY_REQUESTED', /already requested/)
  const arrived = { type: 'RescuerArrived', data: { incidentId: 'I1', arrivedAt: '2020-07-01T00:15:00Z' } }
  given([requested])
    .when(arrived)
    .then(t, { type: 'RescuerArrived', data: { ...arrived.data, region: 'bijie', reportedAt: '2020-07-01T08:00:00+08:00' } })
  given([requested])
    .when({ ...arrived, data: { ...arrived.data, arrivedAt: '2020-06-30T23:59:00Z' } })
    .thenThrows(t, 'ARRIVAL_BEFORE_REPORT', /before the incident was reported/)
  given([requested, arrived]).when(arrived).thenThrows(t, 'RESCUER_ALREADY_ARRIVED', /already arrived/)
  given([]).when(arrived).thenThrows(t, 'RESCUE_NOT_REQUESTED', /no rescue request/)
})

t.test('market entity: registered once', async (t) => {
  const registered = { type: 'MarketEntityRegistered', data: { uscc: '91350100M000100Y43', region: 'anshun', kind: 'individual', registeredOn: '2020-02-20' } }
  given([]).when(registered).then(t, registered)
  given([registered]).when(registered).thenThrows(t, 'ENTITY_ALREADY_REGISTERED', /is already registered/)
})

t.test('indicator: only reading-based targets; any number of readings', async (t) => {
  const report = { type: 'IndicatorReported', data: { indicator: 'elevator-inspection-rate', region: 'guiyang', asOf: '2020-03-31', numerator: 9, denominator: 10 } }
  given([report, report]).when(report).then(t, { ...report, data: { ...report.data, plan: 'guizhou-2020' } })
  given([]).when({ ...report, data: { ...report.data, indicator: 'new-market-entities' } }).thenThrows(t, 'VALIDATION_FAILED', /is not a reading-based target/)
})

t.test('milestone: a known target, a named item where the target names them, once; item region recorded', async (t) => {
  const zone = { type: 'MilestoneAchieved', data: { targetId: 'national-agri-demo-zones', itemId: 'shuicheng-kiwifruit', title: '水城猕猴桃', achievedOn: '2020-09-01' } }
  given([]).when(zone).then(t, { type: 'MilestoneAchieved', data: { ...zone.data, plan: 'guizhou-2020', region: 'liupanshui' } })
  given([zone]).when(zone).thenThrows(t, 'MILESTONE_ALREADY_ACHIEVED', /already achieved on 2020-09-01/)
  given([]).when({ ...zone, data: { ...zone.data, itemId: 'other' } }).thenThrows(t, 'VALIDATION_FAILED', /not a named item/)
  given([]).when({ ...zone, data: { ...zone.data, region: 'zunyi' } }).thenThrows(t, 'VALIDATION_FAILED', /belongs to liupanshui, not zunyi/)
  given([]).when({ ...zone, data: { ...zone.data, targetId: 'nope' } }).thenThrows(t, 'VALIDATION_FAILED', /not a milestone target/)
  const standard = { type: 'MilestoneAchieved', data: { targetId: 'specialty-industry-standards', itemId: 'tea', title: '茶叶标准体系', achievedOn: '2020-05-01' } }
  given([]).when(standard).then(t, { ...standard, data: { ...standard.data, plan: 'guizhou-2020' } })
})

t.test('a fact names a region some region set defines; the schema checks only its form', async (t) => {
  given([]).when({ ...tested, data: { ...tested.data, region: 'atlantis' } }).thenThrows(t, 'VALIDATION_FAILED', /data\.region: 'atlantis' is not a region of any region set/)
  t.throws(() => parseClientEvent({ ...tested, data: { ...tested.data, region: 'Zunyi City' } }), { message: /data\.region: must be a region id/ })
})

t.test('inspection batches of any program; food-safety is SamplingBatchTested, one stream either way', async (t) => {
  const drug = { type: 'InspectionBatchTested', data: { program: 'drug', batchId: 'D1', region: 'guiyang', sampledOn: '2020-04-02', result: 'fail', failedItems: ['assay'] } }
  given([]).when(drug).then(t, drug)
  given([drug]).when(drug).thenThrows(t, 'BATCH_ALREADY_TESTED', /batch D1 was already tested/)
  const fix = { type: 'InspectionResultCorrected', data: { program: 'drug', batchId: 'D1', result: 'pass', reason: 're-test' } }
  given([drug]).when(fix).then(t, { ...fix, data: { ...fix.data, region: 'guiyang', sampledOn: '2020-04-02', previousResult: 'fail', stage: null, purpose: null } })
  const food = { type: 'InspectionBatchTested', data: { program: 'food-safety', batchId: 'B1', region: 'zunyi', stage: 'catering', sampledOn: '2020-04-02', result: 'pass' } }
  given([tested]).when(food).thenThrows(t, 'BATCH_ALREADY_TESTED', /batch B1 was already tested/)
})

t.test('a reading or milestone counts for the plan it names, or the one plan that has it', async (t) => {
  const reading = (target: string, extra: object = {}) => ({ type: 'IndicatorReported', data: { indicator: 'drug-rate', region: 'guiyang', asOf: '2021-03-31', numerator: 1, denominator: 2, ...extra } })
  const rate = (id: string, period = { start: '2021-01-01', end: '2021-12-31', timeZone: 'Asia/Shanghai' as const }) =>
    target({ id, metric: 'reading_ratio', threshold: 0.9, reporting: { cadence: 'quarterly', graceDays: 10 }, minimumSample: undefined, period })
  const plan = (id: string, targets: ReturnType<typeof target>[]) => ({ ...planOf(...targets), id, period: targets[0]!.period })
  const two = {
    now: '2021-06-01T00:00:00Z',
    plans: planDirectory([plan('a-2021', [rate('drug-rate')]), plan('b-2021', [rate('drug-rate')]), plan('c-2020', [rate('drug-rate', { start: '2020-01-01', end: '2020-12-31', timeZone: 'Asia/Shanghai' })])], ['guiyang']),
  }
  const decide = (fact: unknown) => judge([], parseClientEvent(fact), two).decide()
  t.throws(() => decide(reading('drug-rate')), { code: 'VALIDATION_FAILED', message: /data\.plan: 'drug-rate' is in several plans \(a-2021, b-2021\)/ }, 'ambiguous among the plans covering asOf')
  t.match(decide(reading('drug-rate', { plan: 'b-2021' })), { data: { plan: 'b-2021' } })
  t.match(decide(reading('drug-rate', { asOf: '2020-06-30' })), { data: { plan: 'c-2020' } }, 'the only plan whose period covers asOf')
  t.throws(() => decide(reading('drug-rate', { plan: 'z-2021' })), { message: /data\.plan: 'z-2021' is not a published plan/ })
})

t.test('milestone: once per plan, so two plans can each record the same item', async (t) => {
  const item = (plan: string) => ({ type: 'MilestoneAchieved', data: { plan, targetId: 'handbook', itemId: 'h', title: '手册', achievedOn: '2021-05-01' } })
  const handbook = target({ id: 'handbook', metric: 'milestone_count', threshold: 1, unit: 'items', minimumSample: undefined })
  const plans = { now: '2021-06-01T00:00:00Z', plans: planDirectory([{ ...planOf(handbook), id: 'p1' }, { ...planOf(handbook), id: 'p2' }], []) }
  const recorded = [{ type: 'MilestoneAchieved', data: item('p1').data }]
  t.throws(() => judge(recorded, parseClientEvent(item('p1')), plans).decide(), { code: 'MILESTONE_ALREADY_ACHIEVED' })
  t.match(judge(recorded, parseClientEvent(item('p2')), plans).decide(), { data: { plan: 'p2' } })
})
