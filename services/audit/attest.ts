// Attestations of compliance answers: the answer plus the log prefix it was folded from
// (treeSize, rootHash), the projection version, the query, and an Ed25519 signature over the
// canonical JSON of all of it. `checkAttestation` re-derives the figures from the events alone.
import {
  asReceived,
  attestationMessage,
  AttestationSchema,
  contextOf,
  splitAttested,
  type Attestation,
  type AttestationContext,
} from '../../domain/attestation.ts'
import { evaluateCatalog, evaluateTarget } from '../../domain/evaluate.ts'
import { appendLeaf, emptyFrontier, frontierRoot } from '../../domain/merkle.ts'
import type { Catalog } from '../../domain/targets.ts'
import { complianceProjection } from '../../projections/compliance.ts'
import { canonicalJson, eventHash } from '../store/hashing.ts'
import type { RecordedEvent } from '../store/port.ts'
import { verifySignature, type LedgerKey } from './ledger-key.ts'
import { foldCompliance } from './replay.ts'
import { eventLeaf, type LedgerTree } from './tree.ts'

export interface AttestRequest {
  route: string
  /** Path and query parameters as parsed (attest itself is left out). */
  query: Record<string, unknown>
  /** The caller's region scope (null = every region): a scoped answer lists only those regions. */
  scope?: readonly string[] | null
  /** The resolved instant the catalog was evaluated at. */
  at: string
  /** The log position the state was folded to. */
  position: number
}

const plainQuery = (query: Record<string, unknown>): AttestationContext['query'] =>
  Object.fromEntries(
    Object.entries(query).filter(
      (entry): entry is [string, string | number | boolean] =>
        entry[0] !== 'attest' && ['string', 'number', 'boolean'].includes(typeof entry[1]),
    ),
  )

export const createAttestor = ({ tree, key, catalog, clock }: { tree: LedgerTree; key: LedgerKey; catalog: Catalog; clock: () => Date }) => ({
  /** The answer with `attestation` added. */
  attest: async <A extends object>(answer: A, request: AttestRequest): Promise<A & { attestation: Attestation }> => {
    await tree.waitFor(request.position)
    const context: AttestationContext = {
      route: request.route,
      query: { ...plainQuery(request.query), ...(request.scope ? { scope: request.scope.join(',') } : {}) },
      at: request.at,
      treeSize: request.position,
      rootHash: tree.root(request.position).toString('hex'),
      projection: { name: complianceProjection.name, version: complianceProjection.version },
      catalogVersion: catalog.version,
      keyId: key.keyId,
      publicKey: key.publicKey,
      signedAt: clock().toISOString(),
    }
    const signature = key.sign(attestationMessage(answer, context))
    return { ...answer, attestation: { kind: 'targetwatch/attestation/v1', ...context, signature } }
  },
})

export type Attestor = ReturnType<typeof createAttestor>

/** The answer, attested when the query asked for it (`?attest=true`). */
export const attestedIf = <A extends object>(attestor: Attestor, asked: boolean | undefined, answer: A, request: AttestRequest): A | Promise<A> =>
  asked ? attestor.attest(answer, request) : answer

/** The first path at which two JSON values differ, or null. */
export const firstDifference = (a: unknown, b: unknown, path = ''): string | null => {
  if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return null
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const key of keys) {
      const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`)
      if (found) return found
    }
  }
  return `${path || '(answer)'}: attested ${JSON.stringify(a)?.slice(0, 120)}, recomputed ${JSON.stringify(b)?.slice(0, 120)}`
}

export interface AttestationCheck {
  ok: boolean
  treeSize?: number
  rootHash?: string
  recomputedRoot?: string
  signature: 'valid' | 'invalid' | 'unchecked'
  problems: string[]
  notes: string[]
}

/** The figures the answer claims, recomputed from the state (null when the route is unknown). */
const recompute = (attestation: Attestation, answer: Record<string, unknown>, state: Parameters<typeof evaluateCatalog>[0], catalog: Catalog) => {
  const region = typeof attestation.query.region === 'string' ? attestation.query.region : undefined
  const options = { at: attestation.at, ...(region ? { region } : {}) }
  const scope = typeof attestation.query.scope === 'string' ? attestation.query.scope.split(',') : null
  // A scoped caller saw the province and its own regions only (services/auth/principal.ts).
  const scoped = <R extends { regions: { region: string }[] }>(report: R): R =>
    scope ? { ...report, regions: report.regions.filter((entry) => scope.includes(entry.region)) } : report
  if (attestation.route === '/v1/targets') return { claimed: answer.targets, recomputed: evaluateCatalog(state, catalog, options).map(scoped), path: '.targets' }
  if (attestation.route === '/v1/targets/:id') {
    const target = catalog.targets.find((t) => t.id === attestation.query.id)
    if (!target) return null
    const recomputed = scoped(evaluateTarget(state, target, options)) as unknown as Record<string, unknown>
    const claimed = Object.fromEntries(Object.keys(recomputed).map((key) => [key, answer[key]]))
    return { claimed, recomputed, path: '' }
  }
  return null
}

export const checkAttestation = async (
  body: Record<string, unknown>,
  events: AsyncIterable<RecordedEvent>,
  { catalog, trustedKey }: { catalog: Catalog; trustedKey: { keyId: string; publicKey: string } | null },
): Promise<AttestationCheck> => {
  const problems: string[] = []
  const notes: string[] = []
  const { answer, attestation: raw } = splitAttested(body)
  const parsed = AttestationSchema.safeParse(raw)
  if (!parsed.success) return { ok: false, signature: 'unchecked', problems: [`attestation: ${parsed.error.issues[0]?.message ?? 'missing'} (${parsed.error.issues[0]?.path.join('.')})`], notes }
  const attestation = parsed.data

  let signature: AttestationCheck['signature'] = 'unchecked'
  if (trustedKey && trustedKey.keyId !== attestation.keyId) problems.push(`signed by key ${attestation.keyId}, not by the key you gave (${trustedKey.keyId})`)
  else {
    const publicKey = trustedKey?.publicKey ?? attestation.publicKey
    if (!trustedKey) notes.push('the signature was checked with the public key the attestation carries; pass --public-key to pin it')
    signature = verifySignature(publicKey, attestationMessage(answer, contextOf(attestation)), attestation.signature) ? 'valid' : 'invalid'
    if (signature === 'invalid') problems.push('the signature does not match the answer and its context: the answer was altered or signed by another key')
  }

  // The log prefix: every event's hash over its content, then the tree over their hashes.
  let frontier = emptyFrontier
  const { state, position } = await foldCompliance(events, attestation.treeSize, (event) => {
    if (event.position !== frontier.size + 1) problems.push(`the events jump from position ${frontier.size} to ${event.position}`)
    if (eventHash(event.meta.prevHash, event) !== event.meta.hash) problems.push(`position ${event.position}: the event's content does not match its hash`)
    frontier = appendLeaf(frontier, eventLeaf(event)).frontier
  })
  const recomputedRoot = frontierRoot(frontier).toString('hex')
  if (position < attestation.treeSize) problems.push(`the events end at position ${position}; the attestation covers ${attestation.treeSize}`)
  else if (recomputedRoot !== attestation.rootHash) problems.push(`the root over positions 1..${attestation.treeSize} is ${recomputedRoot}, the attestation says ${attestation.rootHash}`)

  if (attestation.projection.version !== complianceProjection.version)
    problems.push(`attested with compliance projection version ${attestation.projection.version}; this build folds version ${complianceProjection.version}`)
  if (attestation.catalogVersion !== catalog.version)
    problems.push(`attested against catalog ${attestation.catalogVersion}; this build has catalog ${catalog.version}`)
  if (answer.position !== undefined && answer.position !== attestation.treeSize)
    problems.push(`the answer says position ${String(answer.position)}, the attestation covers ${attestation.treeSize}`)

  const figures = recompute(attestation, answer, state, catalog)
  if (!figures) problems.push(`cannot recompute route ${attestation.route}${attestation.query.id ? ` for target ${attestation.query.id}` : ''}`)
  else {
    const difference = firstDifference(asReceived(figures.claimed ?? null), asReceived(figures.recomputed))
    if (difference) problems.push(`the figures differ from a fold of the log: ${figures.path}${difference}`)
  }
  return { ok: problems.length === 0, treeSize: attestation.treeSize, rootHash: attestation.rootHash, recomputedRoot, signature, problems, notes }
}
