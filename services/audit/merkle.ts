// Merkle tree math of RFC 9162 (Certificate Transparency 2.0), section 2.1: leaf and node
// hashing, the root over n leaves, inclusion and consistency proofs, and their verification.
// Pure: subtree hashes come from a `perfect` callback, so the caller decides where they are kept.
import { hash } from 'node:crypto'

export type Hash = Buffer

// crypto.hash over the joined parts (a prefix byte and one or two 32-byte hashes): one call, no Hash object.
const sha256 = (...parts: Uint8Array[]): Hash => hash('sha256', Buffer.concat(parts), 'buffer')

const leafPrefix = Buffer.from([0x00])
const nodePrefix = Buffer.from([0x01])

/** MTH({}) = SHA-256 of the empty string. */
export const emptyRoot: Hash = sha256()

/** MTH({d}) = SHA-256(0x00 || d). In the ledger, d is the 32 bytes of an event's meta.hash. */
export const leafHash = (data: Uint8Array): Hash => sha256(leafPrefix, data)

/** SHA-256(0x01 || left || right). */
export const nodeHash = (left: Uint8Array, right: Uint8Array): Hash => sha256(nodePrefix, left, right)

/** The largest power of two smaller than n (n > 1): where RFC 9162 splits a tree of n leaves. */
export const splitPoint = (n: number): number => {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

const isPowerOfTwo = (n: number): boolean => n > 0 && splitPoint(n + 1) === n

const log2 = (powerOfTwo: number): number => {
  let level = 0
  for (let n = powerOfTwo; n > 1; n /= 2) level += 1
  return level
}

/**
 * Hash of the perfect subtree of 2^level leaves starting at leaf index * 2^level (level 0 = the
 * leaf hash itself). The caller answers only for subtrees inside the tree it has built.
 */
export type PerfectSubtree = (level: number, index: number) => Hash

/** MTH(D[start:end]) for end > start, by the RFC's recursion, asking `perfect` for aligned parts. */
export const rangeHash = (start: number, end: number, perfect: PerfectSubtree): Hash => {
  const n = end - start
  if (n < 1) throw new RangeError(`rangeHash: empty range [${start}, ${end})`)
  if (isPowerOfTwo(n) && start % n === 0) return perfect(log2(n), start / n)
  const k = splitPoint(n)
  return nodeHash(rangeHash(start, start + k, perfect), rangeHash(start + k, end, perfect))
}

/** The root of the tree over the first `size` leaves. */
export const rootAt = (size: number, perfect: PerfectSubtree): Hash => (size === 0 ? emptyRoot : rangeHash(0, size, perfect))

/** MTH over leaf hashes held in memory (tests, small trees). */
export const rootOfLeaves = (leaves: readonly Hash[]): Hash => rootAt(leaves.length, perfectFromLeaves(leaves))

/** A PerfectSubtree over leaf hashes held in memory. */
export const perfectFromLeaves = (leaves: readonly Hash[]): PerfectSubtree => {
  const perfect: PerfectSubtree = (level, index) =>
    level === 0 ? leaves[index] : nodeHash(perfect(level - 1, index * 2), perfect(level - 1, index * 2 + 1))
  return perfect
}

const assertSize = (name: string, value: number) => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name}: ${value} is not a tree size`)
}

/** RFC 9162 2.1.3.1 PATH(m, D[start:end]): sibling hashes from the leaf up. */
const path = (m: number, start: number, end: number, perfect: PerfectSubtree): Hash[] => {
  const n = end - start
  if (n === 1) return []
  const k = splitPoint(n)
  if (m < k) return [...path(m, start, start + k, perfect), rangeHash(start + k, end, perfect)]
  return [...path(m - k, start + k, end, perfect), rangeHash(start, start + k, perfect)]
}

/** The audit path of leaf `index` in the tree of `size` leaves. */
export const inclusionProof = (index: number, size: number, perfect: PerfectSubtree): Hash[] => {
  assertSize('size', size)
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leaf index ${index} is not in a tree of ${size}`)
  return path(index, 0, size, perfect)
}

/** RFC 9162 2.1.4.1 SUBPROOF(m, D[start:end], complete). */
const subproof = (m: number, start: number, end: number, complete: boolean, perfect: PerfectSubtree): Hash[] => {
  const n = end - start
  if (m === n) return complete ? [] : [rangeHash(start, end, perfect)]
  const k = splitPoint(n)
  if (m <= k) return [...subproof(m, start, start + k, complete, perfect), rangeHash(start + k, end, perfect)]
  return [...subproof(m - k, start + k, end, false, perfect), rangeHash(start, start + k, perfect)]
}

/** Proof that the tree of `first` leaves is a prefix of the tree of `second` leaves (0 < first <= second). */
export const consistencyProof = (first: number, second: number, perfect: PerfectSubtree): Hash[] => {
  assertSize('first', first)
  assertSize('second', second)
  if (first < 1 || first > second) throw new RangeError(`consistency needs 0 < first <= second, got ${first} and ${second}`)
  return subproof(first, 0, second, true, perfect)
}

const odd = (n: number) => n % 2 === 1
const half = (n: number) => Math.floor(n / 2)

/** RFC 9162 2.1.3.2: does `proof` lead from `leaf` at `index` to `root` in a tree of `size`? */
export const verifyInclusion = (index: number, size: number, leaf: Hash, proof: readonly Hash[], root: Hash): boolean => {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) return false
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r)
      while (!odd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else r = nodeHash(r, p)
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && r.equals(root)
}

/** RFC 9162 2.1.4.2: does `proof` show the tree (first, firstRoot) is a prefix of (second, secondRoot)? */
export const verifyConsistency = (
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  proof: readonly Hash[],
): boolean => {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 1 || first > second) return false
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot)
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof]
  if (path.length === 0) return false
  let fn = first - 1
  let sn = second - 1
  while (odd(fn)) {
    fn = half(fn)
    sn = half(sn)
  }
  let fr = path[0]
  let sr = path[0]
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      while (!odd(fn) && fn !== 0) {
        fn = half(fn)
        sn = half(sn)
      }
    } else sr = nodeHash(sr, c)
    fn = half(fn)
    sn = half(sn)
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot)
}

/**
 * The roots of the perfect subtrees that make up a tree of `size` leaves, largest first (one
 * per set bit of size): all an append needs, O(log n) hashes.
 */
export interface Frontier {
  size: number
  roots: Hash[]
}

export const emptyFrontier: Frontier = { size: 0, roots: [] }

/** A perfect subtree completed by an append: 2^level leaves starting at index * 2^level. */
export interface CompletedSubtree {
  level: number
  index: number
  hash: Hash
}

/** Appends one leaf: O(log n) hashes; returns the perfect subtrees it completed, the leaf first. */
export const appendLeaf = (frontier: Frontier, leaf: Hash): { frontier: Frontier; completed: CompletedSubtree[] } => {
  const roots = [...frontier.roots]
  const completed: CompletedSubtree[] = [{ level: 0, index: frontier.size, hash: leaf }]
  let hash = leaf
  let level = 0
  for (let bits = frontier.size; odd(bits); bits = half(bits)) {
    hash = nodeHash(roots.pop()!, hash)
    level += 1
    completed.push({ level, index: Math.floor(frontier.size / 2 ** level), hash })
  }
  roots.push(hash)
  return { frontier: { size: frontier.size + 1, roots }, completed }
}

/** The root of the tree a frontier stands for. */
export const frontierRoot = (frontier: Frontier): Hash => {
  if (frontier.roots.length === 0) return emptyRoot
  let hash = frontier.roots[frontier.roots.length - 1]
  for (let i = frontier.roots.length - 2; i >= 0; i--) hash = nodeHash(frontier.roots[i], hash)
  return hash
}

/** Levels of the perfect subtrees in a frontier of `size` leaves, largest first. */
export const frontierLevels = (size: number): number[] => {
  const levels: number[] = []
  for (let level = 0, bits = size; bits > 0; level++, bits = half(bits)) if (odd(bits)) levels.unshift(level)
  return levels
}
