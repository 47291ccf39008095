// domain/merkle.ts against a literal reading of RFC 9162 (test/audit/rfc9162.ts): roots,
// incremental appends, proofs that verify both ways, and proofs that must not verify.
import t from 'tap'
import fc from 'fast-check'
import { createHash } from 'node:crypto'
import {
  appendLeaf,
  consistencyProof,
  emptyFrontier,
  emptyRoot,
  frontierRoot,
  inclusionProof,
  leafHash,
  perfectFromLeaves,
  rootAt,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
  type Frontier,
} from '../../services/audit/merkle.ts'
import { consistencyHolds, inclusionHolds, leaf, mth } from './rfc9162.ts'

const eventHash = (i: number) => createHash('sha256').update(`event ${i}`).digest('hex')
const leavesOf = (n: number) => Array.from({ length: n }, (_, i) => leaf(eventHash(i)))

t.test('leaf and empty-tree hashes are those of the RFC', async (t) => {
  t.equal(emptyRoot.toString('hex'), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
  t.same(leafHash(Buffer.from(eventHash(0), 'hex')), leaf(eventHash(0)))
  t.same(rootOfLeaves([]), mth([]))
})

t.test('appending leaf by leaf keeps the RFC root at every size, with O(log n) frontier hashes', async (t) => {
  const leaves = leavesOf(300)
  let frontier: Frontier = emptyFrontier
  for (let n = 1; n <= leaves.length; n++) {
    frontier = appendLeaf(frontier, leaves[n - 1]).frontier
    if (!frontierRoot(frontier).equals(mth(leaves.slice(0, n)))) return t.fail(`root differs at size ${n}`)
    if (frontier.roots.length > Math.log2(n) + 1) return t.fail(`frontier of ${frontier.roots.length} hashes at size ${n}`)
  }
  t.pass('300 sizes agree')
})

t.test('an append reports the perfect subtrees it completed, with their level and index', async (t) => {
  const leaves = leavesOf(8)
  let frontier: Frontier = emptyFrontier
  let completed: { level: number; index: number }[] = []
  for (const l of leaves) {
    const step = appendLeaf(frontier, l)
    frontier = step.frontier
    completed = step.completed.map(({ level, index }) => ({ level, index }))
  }
  t.same(completed, [{ level: 0, index: 7 }, { level: 1, index: 3 }, { level: 2, index: 1 }, { level: 3, index: 0 }])
})

t.test('inclusion proofs verify with the service verifier and with the independent one', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }).chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 }))), ([size, index]) => {
      const leaves = leavesOf(size)
      const root = mth(leaves)
      const proof = inclusionProof(index, size, perfectFromLeaves(leaves))
      return verifyInclusion(index, size, leaves[index], proof, root) && inclusionHolds(index, size, leaves[index], proof, root)
    }),
    { numRuns: 150 },
  )
})

t.test('consistency proofs verify both ways; the root at any size matches the RFC', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 200 }).chain((second) => fc.tuple(fc.integer({ min: 1, max: second }), fc.constant(second))), ([first, second]) => {
      const leaves = leavesOf(second)
      const perfect = perfectFromLeaves(leaves)
      const firstRoot = rootAt(first, perfect)
      const secondRoot = rootAt(second, perfect)
      const proof = consistencyProof(first, second, perfect)
      return (
        firstRoot.equals(mth(leaves.slice(0, first))) &&
        verifyConsistency(first, second, firstRoot, secondRoot, proof) &&
        consistencyHolds(first, second, firstRoot, secondRoot, proof)
      )
    }),
    { numRuns: 150 },
  )
})

t.test('a changed leaf, sibling, size or root makes a proof fail', async (t) => {
  const leaves = leavesOf(37)
  const perfect = perfectFromLeaves(leaves)
  const root = mth(leaves)
  const proof = inclusionProof(20, 37, perfect)
  t.ok(verifyInclusion(20, 37, leaves[20], proof, root))
  t.notOk(verifyInclusion(20, 37, leaves[21], proof, root), 'another leaf')
  t.notOk(verifyInclusion(21, 37, leaves[20], proof, root), 'another index')
  t.notOk(verifyInclusion(20, 20, leaves[20], proof, root), 'an index outside the tree')
  t.notOk(verifyInclusion(20, 37, leaves[20], [...proof.slice(0, -1), leaves[0]], root), 'a changed sibling')
  t.notOk(verifyInclusion(20, 37, leaves[20], proof.slice(1), root), 'a shortened path')
  const swapped = [...leaves]
  ;[swapped[3], swapped[4]] = [swapped[4], swapped[3]]
  const consistency = consistencyProof(10, 37, perfect)
  t.ok(verifyConsistency(10, 37, rootAt(10, perfect), root, consistency))
  t.notOk(verifyConsistency(10, 37, mth(swapped.slice(0, 10)), root, consistency), 'a reordered old tree')
  t.notOk(verifyConsistency(10, 37, rootAt(10, perfect), mth(leaves.slice(0, 36)), consistency), 'a truncated new tree')
  t.notOk(consistencyHolds(10, 37, mth(swapped.slice(0, 10)), root, consistency), 'the independent verifier agrees')
  t.throws(() => inclusionProof(37, 37, perfect), RangeError)
  t.throws(() => consistencyProof(0, 37, perfect), RangeError)
})
