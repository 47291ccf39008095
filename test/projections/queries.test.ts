import t from 'tap'
import { achievedMilestones, factCount, inspectionTotals, latestReading, readingHistory, rescueTotals } from '../../projections/compliance.ts'
import { selectorOf } from '../../domain/measures.ts'
import { achieved, arrived, batches, fold, recorded, registrations, reported } from './fixtures.ts'

const foodSafety = selectorOf({ fact: 'SamplingBatchTested' }) as Parameters<typeof inspectionTotals>[1]
const samplingTotals = (state: ReturnType<typeof fold>, regions: string[], from: string, to: string) => inspectionTotals(state, foodSafety, regions, from, to)
const entityCount = (state: ReturnType<typeof fold>, regions: string[], from: string, to: string) =>
  factCount(state, selectorOf({ fact: 'MarketEntityRegistered' }), regions, from, to)
const plan = 'guizhou-2020'

t.test('day-bucket sums cover the regions and the dates asked for, both ends inclusive', async (t) => {
  const state = fold([
    ...batches('guiyang', '2020-03-01', 10, 1),
    ...batches('guiyang', '2020-03-03', 10, 2),
    ...batches('zunyi', '2020-03-02', 5, 5),
    ...registrations('bijie', '2020-03-01', 4),
    arrived('anshun', '2020-03-01T10:00:00+08:00', 12),
  ])
  t.strictSame(samplingTotals(state, ['guiyang', 'zunyi'], '2020-03-01', '2020-03-02'), { tested: 15, passed: 9 })
  t.strictSame(samplingTotals(state, ['guiyang'], '2020-03-02', '2020-03-03'), { tested: 10, passed: 8 })
  t.strictSame(samplingTotals(state, ['tongren'], '2020-01-01', '2020-12-31'), { tested: 0, passed: 0 })
  t.equal(entityCount(state, ['bijie', 'guiyang'], '2020-03-01', '2020-03-01'), 4)
  t.strictSame(rescueTotals(state, ['anshun'], '2020-03-01', '2020-03-01'), { count: 1, sum: 12, sumOfSquares: 144 })
})

t.test('latest reading within [from, to]', async (t) => {
  const state = fold([
    reported('x', 'guiyang', '2020-01-31', 1, 10),
    reported('x', 'guiyang', '2020-02-29', 2, 10),
    reported('x', 'guiyang', '2020-03-31', 3, 10),
  ])
  t.strictSame(latestReading(state, plan, 'x', 'guiyang', '2020-01-01', '2020-03-30'), ['2020-02-29', 2, 10])
  t.strictSame(latestReading(state, plan, 'x', 'guiyang', '2020-01-01', '2020-03-31'), ['2020-03-31', 3, 10])
  t.equal(latestReading(state, plan, 'x', 'guiyang', '2020-01-01', '2020-01-30'), null)
  t.equal(latestReading(state, plan, 'x', 'guiyang', '2020-04-01', '2020-12-31'), null, 'older than the window')
  t.equal(latestReading(state, plan, 'y', 'guiyang', '2020-01-01', '2020-12-31'), null)
})

t.test('reading history: the combined latest readings at each reporting date', async (t) => {
  const state = fold([
    reported('x', 'guiyang', '2020-01-31', 1, 10),
    reported('x', 'zunyi', '2020-01-31', 5, 10),
    reported('x', 'guiyang', '2020-02-29', 4, 10),
    reported('x', 'zunyi', '2020-03-31', 9, 20),
    reported('x', 'bijie', '2020-03-15', 1, 1),
  ])
  t.strictSame(readingHistory(state, plan, 'x', ['guiyang', 'zunyi'], '2020-01-01', '2020-03-31'), [
    ['2020-01-31', 6, 20],
    ['2020-02-29', 9, 20],
    ['2020-03-31', 13, 30],
  ])
  t.strictSame(readingHistory(state, plan, 'x', ['guiyang', 'zunyi'], '2020-02-01', '2020-03-30'), [['2020-02-29', 4, 10]])
})

t.test('achieved milestones within the dates', async (t) => {
  const state = fold([achieved('t', 'a', '2020-03-01'), achieved('t', 'b', '2020-05-01', 'bijie')])
  t.strictSame([...achievedMilestones(state, plan, 't', '2020-01-01', '2020-04-30').keys()], ['a'])
  t.equal(achievedMilestones(state, plan, 't', '2020-01-01', '2020-12-31').get('b')?.region, 'bijie')
  t.equal(achievedMilestones(state, plan, 'constructor', '2020-01-01', '2020-12-31').size, 0)
})

t.test('filters select cells: program, stage, purpose; kind of entity; requested rescues counted', async (t) => {
  const state = fold([
    recorded('InspectionBatchTested', { program: 'drug', batchId: 'd1', region: 'guiyang', sampledOn: '2020-03-01', result: 'fail' }),
    recorded('InspectionBatchTested', { program: 'drug', batchId: 'd2', region: 'guiyang', sampledOn: '2020-03-01', result: 'pass' }),
    recorded('SamplingBatchTested', { batchId: 'f1', region: 'guiyang', stage: 'catering', purpose: 'supervision', sampledOn: '2020-03-01', result: 'pass' }),
    recorded('SamplingBatchTested', { batchId: 'f2', region: 'guiyang', stage: 'production', purpose: 'risk_monitoring', sampledOn: '2020-03-01', result: 'fail' }),
    recorded('MarketEntityRegistered', { uscc: 'x', region: 'zunyi', kind: 'individual', registeredOn: '2020-03-01' }),
    recorded('MarketEntityRegistered', { uscc: 'y', region: 'zunyi', kind: 'enterprise', registeredOn: '2020-03-01' }),
    recorded('RescueRequested', { incidentId: 'i', region: 'zunyi', reportedAt: '2020-03-01T10:00:00+08:00' }),
  ])
  const within = ['guiyang', 'zunyi'] as const
  const totals = (from: Parameters<typeof selectorOf>[0]) => inspectionTotals(state, selectorOf(from) as never, within, '2020-01-01', '2020-12-31')
  t.strictSame(totals({ fact: 'InspectionBatchTested', filter: { program: 'drug' } }), { tested: 2, passed: 1 })
  t.strictSame(totals({ fact: 'SamplingBatchTested' }), { tested: 2, passed: 1 })
  t.strictSame(totals({ fact: 'SamplingBatchTested', filter: { purpose: 'supervision' } }), { tested: 1, passed: 1 })
  t.strictSame(totals({ fact: 'InspectionBatchTested', filter: { program: ['drug', 'food-safety'], stage: ['unspecified', 'production'] } }), { tested: 3, passed: 1 })
  t.equal(factCount(state, selectorOf({ fact: 'MarketEntityRegistered', filter: { kind: 'individual' } }), within, '2020-01-01', '2020-12-31'), 1)
  t.equal(factCount(state, selectorOf({ fact: 'RescueRequested' }), within, '2020-03-01', '2020-03-01'), 1)
})
