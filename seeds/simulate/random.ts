// Seeded randomness for the simulator: sfc32 streams keyed by (seed, label), so a day's facts
// depend only on the seed and that day, never on what was drawn before. Same seed, same year.
// sfc32's 128-bit state matters: tens of thousands of streams with a 32-bit generator
// (mulberry32) overlap often enough to repeat event ids.

/** A 32-bit hash of a string (FNV-1a from `basis`, then a murmur3 finalizer). */
export const hash32 = (text: string, basis = 0x811c9dc5): number => {
  let h = basis >>> 0
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number
  /** True with probability p. */
  chance(p: number): boolean
  /** Standard normal (Box–Muller). */
  normal(): number
  /** exp(N(log median, sigma²)): right-skewed, like waiting and travel times. */
  logNormal(median: number, sigma: number): number
  pick<T>(items: readonly T[]): T
  /** An item chosen with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weight: (item: T) => number): T
  /** A version-4-shaped UUID drawn from this stream (deterministic, unlike crypto.randomUUID). */
  uuid(): string
}

/** sfc32 (Chris Doty-Humphrey's small fast chaotic generator): fine for simulation, not for secrets. */
export const createRandom = (key: string): Random => {
  let [a, b, c, d] = [hash32(key, 0x811c9dc5), hash32(key, 0x9e3779b9), hash32(key, 0x85ebca6b), hash32(key, 0xc2b2ae35)]
  const word = (): number => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 12; i++) word() // mix the seed in
  const next = (): number => word() / 4294967296
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    normal: () => {
      const u = 1 - next()
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next())
    },
    logNormal: (median, sigma) => median * Math.exp(sigma * random.normal()),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted: (items, weight) => {
      const total = items.reduce((sum, item) => sum + weight(item), 0)
      let point = next() * total
      for (const item of items) {
        point -= weight(item)
        if (point < 0) return item
      }
      return items[items.length - 1]!
    },
    uuid: () => {
      const [a, b, c, d] = [word(), word(), word(), word()]
      const version = (b & 0xffff0fff) | 0x00004000
      const variant = (c & 0x3fffffff) | 0x80000000
      return `${hex(a, 8)}-${hex(version >>> 16, 4)}-${hex(version & 0xffff, 4)}-${hex(variant >>> 16, 4)}-${hex(variant & 0xffff, 4)}${hex(d, 8)}`
    },
  }
  return random
}

/** The stream for one purpose of one seed, e.g. streamFor(7, 'entities', '2020-03-02'). */
export const streamFor = (seed: number, ...labels: (string | number)[]): Random => createRandom([seed, ...labels].join(':'))
