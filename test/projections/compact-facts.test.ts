// decode(encode(data)) folds to the same state as data, in every projection, for generated facts
// of every fold type (valid, malformed, with absent, null, nested and odd values); and data that
// cannot be folded exactly gets no fold.
import fc from 'fast-check'
import t from 'tap'
import { decodeFold, encodeFold, foldedFields } from '../../projections/compact-facts.ts'
import { projections } from '../../services/services.ts'
import type { RecordedEvent } from '../../domain/envelope.ts'

const types = Object.keys(foldedFields)
const fieldNames = [...new Set(Object.values(foldedFields).flat()), 'batchId', 'failedItems', 'reason', '__proto__', 'constructor']
const value = fc.oneof(
  fc.constantFrom('guiyang', 'zunyi', 'production', 'catering', 'pass', 'fail', '2020-03-04', '2020-03-05', 'enterprise', 'guizhou-2020', 'i-1', 'constructor'),
  fc.constantFrom('2020-03-04T08:00:00+08:00', '2020-03-04T09:30:00+08:00', '2020-03-04T01:00:00Z'),
  fc.integer({ min: -2, max: 120 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 4 }),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.record({ a: fc.integer() }),
)
const data = fc.dictionary(fc.constantFrom(...fieldNames), value, { maxKeys: 9 })
const fact = fc.record({ type: fc.constantFrom(...types), data, incident: fc.constantFrom('r-1', 'r-2') })

const recorded = (type: string, d: unknown, position: number): RecordedEvent => ({
  id: `e${position}`,
  type,
  stream: `s${position}`,
  revision: 0,
  position,
  occurredAt: '2020-03-04T00:00:00Z',
  recordedAt: '2020-03-04T00:00:00Z',
  data: d,
  meta: { principal: 't', requestId: 'r', prevHash: '0', hash: String(position), schemaVersion: 1 },
})

const foldAll = (events: RecordedEvent[]) =>
  Object.fromEntries(projections.map((p) => [p.name, events.reduce((state, event) => p.evolve(state, event), p.initialState())]))

t.test('decode(encode(data)) folds like data in every projection', async (t) => {
  fc.assert(
    fc.property(fc.array(fact, { maxLength: 30 }), (facts) => {
      const asData = facts.map((f, i) => recorded(f.type, JSON.parse(JSON.stringify(f.data)), i + 1))
      const asFold = facts.map((f, i) => {
        const d = JSON.parse(JSON.stringify(f.data))
        const fold = encodeFold(f.type, d)
        return recorded(f.type, fold === null ? d : decodeFold(f.type, fold), i + 1)
      })
      t.same(foldAll(asFold), foldAll(asData))
    }),
    { numRuns: 300 },
  )
})

t.test('what gets a fold, and what does not', async (t) => {
  t.equal(encodeFold('SamplingBatchTested', { batchId: 'b', region: 'zunyi', stage: 'catering', sampledOn: '2020-05-12', result: 'pass' }), '["zunyi","catering",null,"2020-05-12","pass"]')
  t.same(decodeFold('SamplingBatchTested', '["zunyi","catering",null,"2020-05-12","pass"]'), { region: 'zunyi', stage: 'catering', sampledOn: '2020-05-12', result: 'pass' })
  t.equal(encodeFold('SamplingBatchTested', { region: null }), null, 'a null in a folded field: no fold')
  t.equal(encodeFold('SamplingBatchTested', { region: { a: 1 } }), null, 'a non-scalar in a folded field: no fold')
  t.equal(encodeFold('SamplingBatchTested', [1]), null, 'data that is not an object: no fold')
  t.equal(encodeFold('ApiKeyCreated', { keyId: 'k' }), null, 'a type no fold lists: no fold')
  t.equal(encodeFold('constructor', {}), null, 'a prototype name is no type')
})
