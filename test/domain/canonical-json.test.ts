// Canonical JSON: the bytes every hash chain and attestation is computed over, so any change to
// them would make every recorded log fail verification.
import t from 'tap'
import { canonicalJson } from '../../domain/canonical-json.ts'

t.test('keys sorted recursively by UTF-16 code units, no whitespace', async (t) => {
  t.equal(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: '区' } }), '{"a":{"c":"区","d":[3,{"y":null,"z":true}]},"b":1}')
  // 😀 (U+1F600, UTF-16 D83D DE00) sorts before Ａ (U+FF21) by code units, after it by code points.
  t.equal(canonicalJson({ 'Ａ': 1, '😀': 2, a: 3 }), '{"a":3,"😀":2,"Ａ":1}')
})

t.test('numbers the ECMAScript way; undefined members dropped, undefined items null; toJSON honoured', async (t) => {
  t.equal(canonicalJson([1e21, 0.1, -0, 100]), '[1e+21,0.1,0,100]')
  t.equal(canonicalJson({ a: undefined, b: [undefined] }), '{"b":[null]}')
  t.equal(canonicalJson({ at: new Date('2020-06-30T16:00:00.000Z') }), '{"at":"2020-06-30T16:00:00.000Z"}')
})

t.test('what JSON cannot hold is refused with its path', async (t) => {
  t.throws(() => canonicalJson({ rate: [1, Number.NaN] }), { name: 'TypeError', message: 'value.rate[1]: NaN is not a finite number' })
  t.throws(() => canonicalJson(Number.POSITIVE_INFINITY, 'revision'), { message: 'revision: Infinity is not a finite number' })
  t.throws(() => canonicalJson({ f: () => 1 }), { message: 'value.f: a function cannot be encoded as JSON' })
})
