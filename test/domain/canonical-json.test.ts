// Canonical JSON: the bytes every hash chain and attestation is computed over, so any change to
// them would make every recorded log fail verification.
import t from 'tap'
import { canonicalJson, isJsonValue } from '../../domain/canonical-json.ts'

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

t.test('agrees with JSON.stringify of every leaf joined in sorted key order, for generated values', async (t) => {
  // A small deterministic generator (no seed file): strings with escapes and non-BMP text, numbers
  // of every printing form, nesting, undefined members and items.
  let state = 42
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
  const strings = ['', 'a', '区域', '"quote"', 'back\\slash', 'line\nbreak', '\u0000\u001f', '😀', 'Ａ', 'zunyi']
  const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789.123, Number.MAX_SAFE_INTEGER, 5e-324]
  const generate = (depth: number): unknown => {
    const pick = Math.floor(next() * (depth > 3 ? 5 : 8))
    if (pick === 0) return null
    if (pick === 1) return next() < 0.5
    if (pick === 2 || pick === 3) return strings[Math.floor(next() * strings.length)]
    if (pick === 4) return numbers[Math.floor(next() * numbers.length)]
    if (pick === 5) return Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.1 ? undefined : generate(depth + 1)))
    const record: Record<string, unknown> = {}
    for (let i = Math.floor(next() * 5); i > 0; i -= 1) record[strings[Math.floor(next() * strings.length)] + i] = next() < 0.1 ? undefined : generate(depth + 1)
    return record
  }
  // The reference: JSON.stringify for every leaf, members joined in sorted key order by hand
  // (an object built in that order would still put integer-like keys first).
  const reference = (value: unknown): string => {
    if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : reference(item))).join(',')}]`
    if (value === null || typeof value !== 'object') return JSON.stringify(value)
    const record = value as Record<string, unknown>
    const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort()
    return `{${keys.map((key) => `${JSON.stringify(key)}:${reference(record[key])}`).join(',')}}`
  }
  const differing: unknown[] = []
  for (let i = 0; i < 2000; i += 1) {
    const value = generate(0)
    if (canonicalJson(value) !== reference(value)) differing.push(value)
  }
  t.same(differing.slice(0, 3), [], 'no generated value encodes differently')
})

t.test('isJsonValue says true exactly where canonicalJson encodes without refusing', async (t) => {
  const values: unknown[] = [
    null, 'text', true, 0, -1.5, [], {}, { a: [1, { b: 'c' }] }, { skipped: undefined }, [undefined], new Date(0), { toJSON: () => ({ fine: 1 }) },
    Number.NaN, Number.NEGATIVE_INFINITY, () => 1, Symbol('s'), 1n, { a: { b: [1, Number.NaN] } }, [() => 1], { toJSON: () => Number.NaN },
  ]
  for (const value of values) {
    let encodes = true
    try {
      canonicalJson(value)
    } catch {
      encodes = false
    }
    t.equal(isJsonValue(value), encodes, `${String(typeof value)} ${encodes ? 'encodes' : 'is refused'}`)
  }
})
