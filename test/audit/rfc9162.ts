// An independent reading of RFC 9162 section 2.1, for tests only: it must not import the
// service's services/audit/merkle.ts. Roots follow the MTH definition literally; proofs are checked by
// rebuilding the roots recursively from the PATH and SUBPROOF definitions (2.1.3.1, 2.1.4.1),
// not with the iterative algorithms the service uses (2.1.3.2, 2.1.4.2).
import { createHash } from 'node:crypto'

const sha256 = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest()

export const leaf = (eventHashHex: string) => sha256(Buffer.from([0]), Buffer.from(eventHashHex, 'hex'))
const node = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right)

/** The largest power of two smaller than n. */
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1)

/** MTH(D[n]) over leaf hashes. */
export const mth = (leaves: Buffer[]): Buffer => {
  if (leaves.length === 0) return sha256()
  if (leaves.length === 1) return leaves[0]
  const split = k(leaves.length)
  return node(mth(leaves.slice(0, split)), mth(leaves.slice(split)))
}

/** The root that an audit path leads to, or null when the path has the wrong shape. */
const rootFromPath = (m: number, n: number, leafHash: Buffer, path: Buffer[]): Buffer | null => {
  if (n === 1) return path.length === 0 ? leafHash : null
  if (path.length === 0) return null
  const split = k(n)
  const sibling = path[path.length - 1]
  const rest = path.slice(0, -1)
  if (m < split) {
    const left = rootFromPath(m, split, leafHash, rest)
    return left && node(left, sibling)
  }
  const right = rootFromPath(m - split, n - split, leafHash, rest)
  return right && node(sibling, right)
}

export const inclusionHolds = (index: number, size: number, leafHash: Buffer, path: Buffer[], root: Buffer): boolean => {
  if (index < 0 || index >= size) return false
  const rebuilt = rootFromPath(index, size, leafHash, path)
  return rebuilt !== null && rebuilt.equals(root)
}

/** Old and new roots rebuilt from SUBPROOF(m, D[n], complete). */
const rebuild = (m: number, n: number, complete: boolean, proof: Buffer[], firstRoot: Buffer): { old: Buffer; new: Buffer } | null => {
  if (m === n) {
    if (complete) return proof.length === 0 ? { old: firstRoot, new: firstRoot } : null
    return proof.length === 1 ? { old: proof[0], new: proof[0] } : null
  }
  if (proof.length === 0) return null
  const split = k(n)
  const last = proof[proof.length - 1]
  const rest = proof.slice(0, -1)
  if (m <= split) {
    const inner = rebuild(m, split, complete, rest, firstRoot)
    return inner && { old: inner.old, new: node(inner.new, last) }
  }
  const inner = rebuild(m - split, n - split, false, rest, firstRoot)
  return inner && { old: node(last, inner.old), new: node(last, inner.new) }
}

export const consistencyHolds = (first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: Buffer[]): boolean => {
  if (first < 1 || first > second) return false
  const roots = rebuild(first, second, true, proof, firstRoot)
  return roots !== null && roots.old.equals(firstRoot) && roots.new.equals(secondRoot)
}
