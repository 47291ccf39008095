// The $all position codec: ordered, exact, reversible, and loud about what it cannot represent.
import fc from 'fast-check'
import t from 'tap'
import { StoreUnavailable, ValidationError } from '../../domain/errors.ts'
import { decodePosition, encodePosition, startingPoint } from '../../services/store/eventstoredb/positions.ts'

const at = (offset: bigint) => ({ commit: offset, prepare: offset })

t.test('a position is the commit position plus one, so 0 still means "before the first event"', async (t) => {
  t.equal(encodePosition(at(0n)), 1)
  t.equal(encodePosition(at(4096n)), 4097)
  t.same(decodePosition(4097), at(4096n))
  t.equal(startingPoint(0), 'start')
  t.same(startingPoint(1), at(0n))
})

t.test('encoding keeps the order of $all and round-trips exactly up to the limit', async (t) => {
  const offsets = fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) - 1n })
  fc.assert(fc.property(offsets, offsets, (a, b) => {
    const [x, y] = [encodePosition(at(a)), encodePosition(at(b))]
    return Math.sign(x - y) === Math.sign(Number(a - b)) && decodePosition(x).commit === a
  }))
  const largest = BigInt(Number.MAX_SAFE_INTEGER) - 1n
  t.equal(encodePosition(at(largest)), Number.MAX_SAFE_INTEGER, 'the largest commit position maps to MAX_SAFE_INTEGER')
  t.ok(encodePosition(at(largest)) > encodePosition(at(largest - 1n)), 'still strictly ordered at the top')
})

t.test('what a number cannot hold exactly is refused, not rounded', async (t) => {
  t.throws(() => encodePosition(at(BigInt(Number.MAX_SAFE_INTEGER))), StoreUnavailable, 'one past the limit')
  t.throws(() => encodePosition(at(-1n)), StoreUnavailable, 'negative')
  t.throws(() => encodePosition({ commit: 100n, prepare: 40n }), StoreUnavailable, 'an explicit transaction (commit !== prepare)')
  for (const bad of [0, -5, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
    t.throws(() => decodePosition(bad), ValidationError, `decode ${bad}`)
  }
})
