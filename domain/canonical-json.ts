// Canonical JSON (RFC 8785 for JSON-native values): keys sorted recursively, no whitespace, so
// that every backend, and an auditor with nothing but the events, serialises a value to the same
// bytes. Hash chains (services/store/hashing.ts) and attestations (attestation.ts) are over it.

/** Thrown where JSON cannot hold a value when no path is kept: the encoding then runs again, naming it. */
const notJson = new TypeError('not JSON')

const refuse = (path: string | null, what: string): never => {
  throw path === null ? notJson : new TypeError(`${path}: ${what}`)
}

// `path` is null on the first pass (building one per member cost as much as the rest) and kept
// only on the second, after the first refused something.
const encode = (value: unknown, path: string | null): string => {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      // String() prints finite numbers the ECMAScript way (as JSON.stringify does), which is what RFC 8785 specifies.
      return Number.isFinite(value) ? String(value) : refuse(path, `${value} is not a finite number`)
    case 'object':
      return encodeObject(value, path)
    default:
      return refuse(path, `a ${typeof value} cannot be encoded as JSON`)
  }
}

const encodeObject = (value: object, path: string | null): string => {
  // Honour toJSON (e.g. Date) so the canonical form matches what JSON storage round-trips.
  const json = (value as { toJSON?: unknown }).toJSON
  if (typeof json === 'function') return encode(json.call(value), path)
  if (Array.isArray(value)) {
    let out = '['
    for (let index = 0; index < value.length; index += 1) {
      const item: unknown = value[index]
      out += (index === 0 ? '' : ',') + (item === undefined ? 'null' : encode(item, path === null ? null : `${path}[${index}]`))
    }
    return `${out}]`
  }
  return encodeMembers(value as Record<string, unknown>, null, path)
}

/**
 * The members of `record`, with `fields` in place of its own (a field set to undefined drops the
 * member), as canonicalJson encodes an object: no merged copy is made.
 */
const encodeMembers = (record: Record<string, unknown>, fields: Record<string, unknown> | null, path: string | null): string => {
  const keys = Object.keys(record)
  if (fields !== null) for (const key of Object.keys(fields)) if (!Object.hasOwn(record, key)) keys.push(key)
  // Default sort compares UTF-16 code units, the order RFC 8785 prescribes.
  let out = '{'
  for (const key of keys.sort()) {
    const member = fields !== null && Object.hasOwn(fields, key) ? fields[key] : record[key]
    if (member === undefined) continue
    out += (out.length === 1 ? '' : ',') + JSON.stringify(key) + ':' + encode(member, path === null ? null : `${path}.${key}`)
  }
  return `${out}}`
}

/**
 * JSON with keys sorted recursively and no whitespace (RFC 8785 for JSON-native values); `path`
 * names the value in the error thrown for what JSON cannot hold (NaN, a function, a symbol).
 */
export const canonicalJson = (value: unknown, path = 'value'): string => twoPasses((named) => encode(value, named ? path : null))

/**
 * canonicalJson of `{ ...record, ...fields }` without the copy: the stores encode each event's meta
 * with the fields they set (prevHash, hashVersion, no hash) this way, since object spreads make
 * copies that cost more to encode than the encoding itself.
 */
export const canonicalJsonMerged = (record: Record<string, unknown>, fields: Record<string, unknown>, path = 'value'): string =>
  twoPasses((named) => encodeMembers(record, fields, named ? path : null))

/** Encodes without paths, and again with them only to name what the first pass refused. */
const twoPasses = (run: (named: boolean) => string): string => {
  try {
    return run(false)
  } catch (error) {
    if (error === notJson) return run(true)
    throw error
  }
}

/**
 * Whether JSON can hold `value` as canonicalJson encodes it (finite numbers, no functions, symbols
 * or bigints, toJSON honoured), without building any text: a check cheap enough for every event's
 * meta. canonicalJson(value, path) names what it cannot hold.
 */
export const isJsonValue = (value: unknown): boolean => {
  if (value === null) return true
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      const json = (value as { toJSON?: unknown }).toJSON
      if (typeof json === 'function') return isJsonValue(json.call(value))
      if (Array.isArray(value)) return value.every(isJsonValue)
      const record = value as Record<string, unknown>
      for (const key in record) if (Object.hasOwn(record, key) && !isJsonValue(record[key])) return false
      return true
    }
    default:
      return false
  }
}
