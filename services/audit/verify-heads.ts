// Which signed tree heads a verification checks, and whether each can be believed. A head's
// signature is checked against the public key it names; a head is *trusted* when that key is
// pinned by the auditor (--public-key), or, without pins, in self-consistency mode. Heads from
// the side file or given by the auditor are witnesses: the signature alone makes them count.
import { treeHeadMessage } from '../../domain/attestation.ts'
import { keyIdOf, verifySignature } from './ledger-key.ts'
import type { SignedHeadRow } from './tree-file.ts'

export type HeadSource = 'log' | 'witness' | 'given'

export interface HeadCandidate extends SignedHeadRow {
  source: HeadSource
}

export interface Problem {
  /** The first position the problem shows at; null when it has none (e.g. a bad head you gave). */
  position: number | null
  check: 'sqlite' | 'position' | 'decode' | 'hash' | 'chain' | 'order' | 'recorded-at' | 'streams' | 'checkpoint' | 'tree' | 'truncation' | 'fold'
  message: string
}

export interface KeyUse {
  keyId: string
  trusted: boolean
  heads: number
}

export interface AcceptedHeads {
  /** Heads whose signature verifies (and whose key is trusted), by treeSize. */
  heads: HeadCandidate[]
  problems: Problem[]
  notes: string[]
  keys: KeyUse[]
}

const describe = (h: HeadCandidate) =>
  h.source === 'log' ? `the signed head recorded at position ${h.position}` : h.source === 'witness' ? 'a signed head witnessed in the Merkle side file' : 'the signed head you gave'

/** trustedKeys: pinned key ids, or null to accept any key whose signature verifies (self-consistency). */
export const acceptHeads = (candidates: HeadCandidate[], trustedKeys: ReadonlySet<string> | null): AcceptedHeads => {
  const problems: Problem[] = []
  const notes: string[] = []
  const keys = new Map<string, KeyUse>()
  const seen = new Set<string>()
  const heads: HeadCandidate[] = []
  let ignoredWitnesses = 0
  for (const head of candidates) {
    const identity = `${head.treeSize}/${head.keyId}/${head.signature}`
    if (seen.has(identity) && head.source !== 'log') continue
    seen.add(identity)
    const where = head.source === 'log' ? head.position : null
    const signed =
      keyIdOf(Buffer.from(head.publicKey, 'base64')) === head.keyId &&
      verifySignature(head.publicKey, treeHeadMessage(head), head.signature)
    const trusted = trustedKeys === null || trustedKeys.has(head.keyId)
    const use = keys.get(head.keyId) ?? { keyId: head.keyId, trusted: trustedKeys !== null && trustedKeys.has(head.keyId), heads: 0 }
    keys.set(head.keyId, use)
    if (!signed || !trusted) {
      const why = !signed ? `its signature does not verify with key ${head.keyId.slice(0, 16)}…` : `it is signed by key ${head.keyId.slice(0, 16)}…, which is not one of the keys you trust`
      // A witness that does not verify proves nothing; the log's own heads and yours must hold.
      if (head.source === 'witness') ignoredWitnesses += 1
      else problems.push({ position: where, check: 'checkpoint', message: `${describe(head)} cannot be believed: ${why}` })
      continue
    }
    if (head.source === 'log' && head.position !== null && head.treeSize >= head.position)
      problems.push({ position: head.position, check: 'checkpoint', message: `${describe(head)} claims to cover ${head.treeSize} events, including itself` })
    use.heads += head.source === 'log' ? 1 : 0
    heads.push(head)
  }
  if (ignoredWitnesses > 0) notes.push(`${ignoredWitnesses} head(s) in the Merkle side file were ignored: unsigned or by an untrusted key`)
  if (trustedKeys === null && keys.size > 0)
    notes.push('signatures were checked against the keys the heads name; pass --public-key to pin the key you trust')
  heads.sort((a, b) => a.treeSize - b.treeSize)
  return { heads, problems, notes, keys: [...keys.values()] }
}
