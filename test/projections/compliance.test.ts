import t from 'tap'
import fc from 'fast-check'
import { complianceProjection } from '../../projections/compliance.ts'
import { inspectionCell } from '../../projections/compliance/state.ts'
import {
  achieved,
  arrived,
  batches,
  corrected,
  endOf,
  evaluateCatalog,
  fold,
  planOf,
  recorded,
  registered,
  reported,
  target,
  tested,
} from './fixtures.ts'

/** The food-safety batches of the fixtures (stage distribution, no purpose), region → day → [tested, passed]. */
const food = (state: ReturnType<typeof fold>) => state.inspections[inspectionCell('food-safety', 'distribution', 'unspecified')] ?? {}

t.test('the projection is data: name, version, initial state', async (t) => {
  t.equal(complianceProjection.name, 'compliance')
  t.equal(complianceProjection.version, 3)
  t.same(complianceProjection.initialState(), { inspections: {}, entities: {}, rescueRequests: {}, rescues: {}, openRescues: {}, readings: {}, milestones: {} })
  t.not(complianceProjection.initialState(), complianceProjection.initialState(), 'a fresh object each time')
})

t.test('evolve mutates the state in place and returns it', async (t) => {
  const state = complianceProjection.initialState()
  t.equal(complianceProjection.evolve(state, tested('zunyi', '2020-03-01', 'pass')), state)
  t.same(food(state), { zunyi: { '2020-03-01': [1, 1] } })
})

t.test('sampling batches are counted per region and sampledOn day as [tested, passed]', async (t) => {
  const state = fold([
    tested('guiyang', '2020-03-01', 'pass'),
    tested('guiyang', '2020-03-01', 'fail'),
    tested('guiyang', '2020-03-02', 'pass'),
    tested('guian', '2020-03-01', 'fail'),
  ])
  t.same(food(state), { guiyang: { '2020-03-01': [2, 1], '2020-03-02': [1, 1] }, guian: { '2020-03-01': [1, 0] } })
})

t.test('inspection batches are bucketed by program, stage and purpose: any filter a plan names is answered from the state', async (t) => {
  const state = fold([
    recorded('InspectionBatchTested', { program: 'drug', batchId: 'd1', region: 'guiyang', sampledOn: '2020-03-01', result: 'pass' }),
    recorded('InspectionBatchTested', { program: 'food-safety', batchId: 'f1', region: 'guiyang', stage: 'catering', purpose: 'risk_monitoring', sampledOn: '2020-03-01', result: 'fail' }),
    recorded('SamplingBatchTested', { batchId: 'f2', region: 'guiyang', stage: 'catering', purpose: 'supervision', sampledOn: '2020-03-01', result: 'pass' }),
  ])
  t.same(Object.keys(state.inspections).sort(), ['drug|unspecified|unspecified', 'food-safety|catering|risk_monitoring', 'food-safety|catering|supervision'])
  fold([recorded('InspectionResultCorrected', { program: 'food-safety', batchId: 'f1', result: 'pass', reason: 'r', region: 'guiyang', sampledOn: '2020-03-01', previousResult: 'fail', stage: 'catering', purpose: 'risk_monitoring' })], state)
  t.same(state.inspections['food-safety|catering|risk_monitoring'], { guiyang: { '2020-03-01': [1, 1] } }, 'a correction with its context moves the batch in its own cell')
  t.same(state.inspections['food-safety|catering|supervision'], { guiyang: { '2020-03-01': [1, 1] } })
})

t.test('a correction moves one batch between pass and fail on its sampledOn day', async (t) => {
  const state = fold(batches('anshun', '2020-04-10', 10, 2))
  fold([corrected('anshun', '2020-04-10', 'fail', 'pass')], state)
  t.same(food(state).anshun['2020-04-10'], [10, 9], 'fail → pass')
  fold([corrected('anshun', '2020-04-10', 'pass', 'fail')], state)
  t.same(food(state).anshun['2020-04-10'], [10, 8], 'pass → fail')
  fold([corrected('anshun', '2020-04-10', 'fail', 'fail')], state)
  t.same(food(state).anshun['2020-04-10'], [10, 8], 'same result: no-op')
})

t.test('a correction that cannot fit its bucket is ignored, never a negative count', async (t) => {
  const state = fold(batches('anshun', '2020-04-10', 2, 0))
  fold([corrected('anshun', '2020-04-10', 'fail', 'pass'), corrected('anshun', '2020-04-11', 'pass', 'fail')], state)
  t.same(food(state), { anshun: { '2020-04-10': [2, 2] } })
})

t.test('entities are counted per region and registeredOn day', async (t) => {
  const state = fold([registered('bijie', '2020-05-01'), registered('bijie', '2020-05-01'), registered('tongren', '2020-05-02')])
  t.same(state.entities, { enterprise: { bijie: { '2020-05-01': 2 }, tongren: { '2020-05-02': 1 } } })
})

t.test('arrived rescues are bucketed by the Shanghai day of reportedAt with count, sum and sum of squares', async (t) => {
  const state = fold([
    arrived('zunyi', '2020-03-01T23:30:00+08:00', 10),
    arrived('zunyi', '2020-03-01T16:30:00Z', 20), // 00:30 on 2 March in Shanghai
    arrived('zunyi', '2020-03-02T09:00:00+08:00', 30),
  ])
  t.same(state.rescues, { zunyi: { '2020-03-01': [1, 10, 100], '2020-03-02': [2, 50, 1300] } })
})

t.test('readings stay sorted by asOf; a later report with the same asOf replaces the earlier', async (t) => {
  const state = fold([
    reported('elevator-inspection', 'guiyang', '2020-03-31', 90, 100),
    reported('elevator-inspection', 'guiyang', '2020-01-31', 80, 100),
    reported('elevator-inspection', 'guiyang', '2020-02-29', 85, 100),
    reported('elevator-inspection', 'guiyang', '2020-01-31', 81, 100),
    reported('elevator-inspection', 'zunyi', '2020-01-31', 5, 10),
  ])
  t.same(state.readings['guizhou-2020/elevator-inspection'], {
    guiyang: [
      ['2020-01-31', 81, 100],
      ['2020-02-29', 85, 100],
      ['2020-03-31', 90, 100],
    ],
    zunyi: [['2020-01-31', 5, 10]],
  })
})

t.test('milestones: the first achievement of an item wins', async (t) => {
  const state = fold([
    achieved('demo-zones', 'kiwi', '2020-05-01', 'liupanshui'),
    achieved('demo-zones', 'kiwi', '2020-04-01', 'liupanshui'),
    achieved('demo-zones', 'pepper', '2020-06-01'),
  ])
  t.same(state.milestones, {
    'guizhou-2020/demo-zones': {
      kiwi: { achievedOn: '2020-05-01', region: 'liupanshui', title: 'item kiwi' },
      pepper: { achievedOn: '2020-06-01', title: 'item pepper' },
    },
  })
})

t.test('evolve ignores other event types and malformed data without throwing', async (t) => {
  const before = JSON.stringify(fold([]))
  const junk = [
    recorded('ApiKeyCreated', { id: 'k1', role: 'admin' }),
    recorded('AlertRaised', { targetId: 'x', region: 'guizhou' }),
    recorded('LedgerCheckpointed', null),
    recorded('toString', {}),
    recorded('__proto__', {}),
    recorded('SamplingBatchTested', null),
    recorded('SamplingBatchTested', 'pass'),
    recorded('SamplingBatchTested', []),
    recorded('SamplingBatchTested', { region: 'Guizhou Province', sampledOn: '2020-03-01', result: 'pass' }),
    recorded('SamplingBatchTested', { region: 'guiyang', sampledOn: '2020-02-30', result: 'pass' }),
    recorded('SamplingBatchTested', { region: 'guiyang', sampledOn: '2020-03-01', result: 'ok' }),
    recorded('SamplingResultCorrected', { region: 'guiyang', sampledOn: '2020-03-01', result: 'pass' }),
    recorded('MarketEntityRegistered', { region: 'zunyi', kind: 'enterprise', registeredOn: '2020-03-01T00:00:00Z' }),
    recorded('MarketEntityRegistered', { region: 'zunyi', kind: { toString: 1 }, registeredOn: '2020-03-01' }),
    recorded('RescuerArrived', { region: 'zunyi', reportedAt: '2020-03-01', arrivedAt: '2020-03-01T10:00:00+08:00' }),
    recorded('RescuerArrived', { region: 'zunyi', reportedAt: '2020-03-01T10:00:00+08:00', arrivedAt: '2020-03-01T09:00:00+08:00' }),
    recorded('IndicatorReported', { indicator: 'x', region: 'zunyi', asOf: '2020-03-01', numerator: 5, denominator: 0 }),
    recorded('IndicatorReported', { indicator: 'x', region: 'zunyi', asOf: '2020-03-01', numerator: 6, denominator: 5 }),
    recorded('IndicatorReported', { indicator: 'x', region: 'zunyi', asOf: '2020-03-01', numerator: 0.5, denominator: 5 }),
    recorded('IndicatorReported', { indicator: '', region: 'zunyi', asOf: '2020-03-01', numerator: 1, denominator: 5 }),
    recorded('MilestoneAchieved', { targetId: 't', itemId: 'i', title: 'x', achievedOn: '2020-13-01' }),
    recorded('MilestoneAchieved', { targetId: 't', itemId: 'i', title: 'x', achievedOn: '2020-03-01', region: 'Mars!' }),
  ]
  const state = fold([])
  for (const event of junk) t.doesNotThrow(() => complianceProjection.evolve(state, event), event.type)
  t.doesNotThrow(() => complianceProjection.evolve(state, null as never))
  t.doesNotThrow(() => complianceProjection.evolve(state, { type: 'SamplingBatchTested' } as never))
  t.equal(JSON.stringify(state), before, 'nothing changed')
})

t.test('keys from clients cannot reach the prototype', async (t) => {
  const state = fold([
    reported('__proto__', 'zunyi', '2020-03-01', 1, 2),
    reported('constructor', 'zunyi', '2020-03-01', 1, 2),
    achieved('__proto__', '__proto__', '2020-03-01'),
    achieved('hasOwnProperty', 'toString', '2020-03-01'),
    registered('constructor', '2020-03-01'),
    tested('constructor', '2020-03-01', 'pass'),
  ])
  t.same(state.entities.enterprise!['constructor'], { '2020-03-01': 1 }, 'a region named constructor is an own property')
  t.equal(Object.getPrototypeOf(state.readings), Object.prototype)
  t.equal(({} as Record<string, unknown>).zunyi, undefined, 'Object.prototype untouched')
  const copy = JSON.parse(JSON.stringify(state))
  t.same(Object.keys(copy.readings), ['guizhou-2020/__proto__', 'guizhou-2020/constructor'])
  t.same(Object.keys(copy.milestones), ['guizhou-2020/__proto__', 'guizhou-2020/hasOwnProperty'])
})

t.test('evolve never throws on arbitrary events (property)', async (t) => {
  const types = ['SamplingBatchTested', 'SamplingResultCorrected', 'MarketEntityRegistered', 'RescuerArrived', 'IndicatorReported', 'MilestoneAchieved', 'Other']
  const value = fc.oneof(fc.constantFrom('guiyang', 'guian', '2020-03-01', '2020-03-01T10:00:00+08:00', 'pass', 'fail', '__proto__'), fc.anything())
  const data = fc.oneof(
    fc.anything(),
    fc.record({
      region: value, sampledOn: value, result: value, previousResult: value, registeredOn: value, reportedAt: value, arrivedAt: value,
      indicator: value, asOf: value, numerator: value, denominator: value, targetId: value, itemId: value, title: value, achievedOn: value,
    }),
  )
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom(...types), data), { maxLength: 20 }), (events) => {
      const state = fold(events.map(([type, d]) => recorded(type, d)))
      JSON.stringify(state)
    }),
    { numRuns: 300 },
  )
  t.pass('no event threw')
})

t.test('the state does not grow with the number of events', async (t) => {
  const days = ['2020-03-01', '2020-03-02', '2020-03-03']
  const regions = ['guiyang', 'zunyi']
  const state = complianceProjection.initialState()
  let sizeAfter3000 = 0
  for (let i = 0; i < 50_000; i++) {
    if (i === 3000) sizeAfter3000 = JSON.stringify(state).length
    complianceProjection.evolve(state, tested(regions[i % 2], days[i % 3], i % 50 === 0 ? 'fail' : 'pass', `b${i}`))
    if (i % 1000 === 0) complianceProjection.evolve(state, corrected(regions[i % 2], days[i % 3], 'fail', 'pass'))
  }
  const size = JSON.stringify(state).length
  t.ok(size < 500, `50,000 batches fold into ${size} characters`)
  t.ok(size - sizeAfter3000 <= 12, `only the counters' digits grow (${sizeAfter3000} → ${size})`)
  const totals = Object.values(food(state)).flatMap((d) => Object.values(d)).reduce((s, [n]) => s + n, 0)
  t.equal(totals, 50_000)
})

t.test('a JSON round trip of the state gives the same evaluation', async (t) => {
  const state = fold([
    ...batches('guiyang', '2020-03-01', 300, 4),
    ...batches('guian', '2020-04-01', 50, 1),
    arrived('zunyi', '2020-03-01T10:00:00+08:00', 12.5),
    arrived('zunyi', '2020-03-05T10:00:00+08:00', 18),
    registered('bijie', '2020-02-01'),
    reported('elevators', 'guiyang', '2020-01-31', 9, 10),
    achieved('zones', 'a', '2020-02-01'),
  ])
  const catalog = planOf(...[
      target(),
      target({ id: 'rate', metric: 'event_rate_per_1000', threshold: 0.005, unit: 'batches_per_1000_residents', evaluation: 'by_period_end' }),
      target({ id: 'rescue', metric: 'mean_duration', comparator: 'lte', threshold: 20, unit: 'minutes', minimumSample: 2 }),
      target({ id: 'entities', metric: 'event_count', threshold: 100, unit: 'entities', evaluation: 'by_period_end' }),
      target({ id: 'elevators', metric: 'reading_ratio', threshold: 0.95, reporting: { cadence: 'monthly', graceDays: 10 } }),
      target({ id: 'zones', metric: 'milestone_count', threshold: 30, unit: 'items', evaluation: 'by_period_end' }),
    ])
  for (const at of ['2020-03-15T12:00:00+08:00', '2021-02-01T00:00:00+08:00']) {
    const direct = evaluateCatalog(state, catalog, { at })
    t.strictSame(evaluateCatalog(JSON.parse(JSON.stringify(state)), catalog, { at }), direct, at)
    t.strictSame(evaluateCatalog(structuredClone(state), catalog, { at, region: 'guiyang' }), evaluateCatalog(state, catalog, { at, region: 'guiyang' }))
  }
})

t.test('an at at the end of a day sees that day', async (t) => {
  const state = fold(batches('guiyang', '2020-03-01', 3))
  t.equal(evaluateCatalog(state, planOf(target()), { at: endOf('2020-03-01') })[0]!.sample, 3)
})
