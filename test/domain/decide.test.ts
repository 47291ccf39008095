// Deciders as specifications: given the stream's events, when a fact is submitted, then the
// recorded event, or the error.
import t, { type Test } from 'tap'
import { judge, type DecisionContext, type StreamEvent } from '../../domain/decide/index.ts'
import { parseClientEvent } from '../../domain/parse-event.ts'

const context: DecisionContext = {
  now: '2021-01-10T00:00:00Z',
  readingIndicators: new Set(['elevator-inspection-rate']),
  milestoneTargets: new Map([
    ['national-agri-demo-zones', { items: [{ id: 'shuicheng-kiwifruit', region: 'liupanshui' }] }],
    ['specialty-industry-standards', {}],
  ]),
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
    .then(t, { type: 'SamplingResultCorrected', data: { ...correction.data, region: 'zunyi', sampledOn: '2020-04-02', previousResult: 'pass' } })
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
  given([report, report]).when(report).then(t, report)
  given([]).when({ ...report, data: { ...report.data, indicator: 'new-market-entities' } }).thenThrows(t, 'VALIDATION_FAILED', /is not a reading-based target/)
})

t.test('milestone: a known target, a named item where the target names them, once; item region recorded', async (t) => {
  const zone = { type: 'MilestoneAchieved', data: { targetId: 'national-agri-demo-zones', itemId: 'shuicheng-kiwifruit', title: '水城猕猴桃', achievedOn: '2020-09-01' } }
  given([]).when(zone).then(t, { type: 'MilestoneAchieved', data: { ...zone.data, region: 'liupanshui' } })
  given([zone]).when(zone).thenThrows(t, 'MILESTONE_ALREADY_ACHIEVED', /already achieved on 2020-09-01/)
  given([]).when({ ...zone, data: { ...zone.data, itemId: 'other' } }).thenThrows(t, 'VALIDATION_FAILED', /not a named item/)
  given([]).when({ ...zone, data: { ...zone.data, region: 'zunyi' } }).thenThrows(t, 'VALIDATION_FAILED', /belongs to liupanshui, not zunyi/)
  given([]).when({ ...zone, data: { ...zone.data, targetId: 'nope' } }).thenThrows(t, 'VALIDATION_FAILED', /not a milestone target/)
  const standard = { type: 'MilestoneAchieved', data: { targetId: 'specialty-industry-standards', itemId: 'tea', title: '茶叶标准体系', achievedOn: '2020-05-01' } }
  given([]).when(standard).then(t, standard)
})
