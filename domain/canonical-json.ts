// Canonical JSON (RFC 8785 for JSON-native values): keys sorted recursively, no whitespace, so
// that every backend, and an auditor with nothing but the events, serialises a value to the same
// bytes. Hash chains (services/store/hashing.ts) and attestations (attestation.ts) are over it.

const encode = (value: unknown, path: string): string => {
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'number':
      // JSON.stringify prints finite numbers the ECMAScript way, which is what RFC 8785 specifies.
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not a finite number`)
      return JSON.stringify(value)
    case 'object':
      return encodeObject(value, path)
    default:
      throw new TypeError(`${path}: a ${typeof value} cannot be encoded as JSON`)
  }
}

const encodeObject = (value: object, path: string): string => {
  // Honour toJSON (e.g. Date) so the canonical form matches what JSON storage round-trips.
  const json = (value as { toJSON?: unknown }).toJSON
  if (typeof json === 'function') return encode(json.call(value), path)
  if (Array.isArray(value)) {
    return `[${value.map((item, index) => (item === undefined ? 'null' : encode(item, `${path}[${index}]`))).join(',')}]`
  }
  const record = value as Record<string, unknown>
  // Default sort compares UTF-16 code units, the order RFC 8785 prescribes.
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${encode(record[key], `${path}.${key}`)}`).join(',')}}`
}

/**
 * JSON with keys sorted recursively and no whitespace (RFC 8785 for JSON-native values); `path`
 * names the value in the error thrown for what JSON cannot hold (NaN, a function, a symbol).
 */
export const canonicalJson = (value: unknown, path = 'value'): string => encode(value, path)
