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
import { appendLeaf, emptyFrontier, frontierRoot } from './merkle.ts'
import { defaultPlanId } from '../../domain/plans.ts'
import { type ComplianceState, complianceProjection, evaluatePlan, evaluatePlanTarget } from '../../projections/compliance.ts'
import type { PlansState } from '../../projections/plans.ts'
import { planRevisionAt, viewOfRevision } from '../plans/views.ts'
import { visibleTo } from '../read/visible.ts'
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
  /** The resolved instant the plan was evaluated at. */
  at: string
  /** The plan evaluated, at the revision the log held at `position`. */
  plan: { id: string; revision: number; version: string }
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

export const createAttestor = ({ tree, key, clock }: { tree: LedgerTree; key: LedgerKey; clock: () => Date }) => ({
  /** The answer with `attestation` added. */
  attest: async <A extends object>(answer: A, request: AttestRequest): Promise<A & { attestation: Attestation }> => {
    // treeSize counts the events up to `position`: position itself on the dense stores, the
    // recorded positions' count on EventStoreDB (docs/ARCHITECTURE.md, "Audit").
    await tree.waitForPosition(request.position)
    const treeSize = tree.sizeAt(request.position)
    const context: AttestationContext = {
      route: request.route,
      query: { ...plainQuery(request.query), ...(request.scope ? { scope: request.scope.join(',') } : {}) },
      at: request.at,
      treeSize,
      rootHash: tree.root(treeSize).toString('hex'),
      projection: { name: complianceProjection.name, version: complianceProjection.version },
      catalogVersion: request.plan.version,
      plan: { id: request.plan.id, revision: request.plan.revision },
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

const planRoutes = new Set(['/v1/plans/:plan/targets', '/v1/targets'])
const planTargetRoutes = new Set(['/v1/plans/:plan/targets/:id', '/v1/targets/:id'])

/** The figures the answer claims, recomputed from the folded log (null when the route or plan is unknown). */
const recompute = (attestation: Attestation, answer: Record<string, unknown>, state: ComplianceState, plans: PlansState) => {
  const planId = attestation.plan?.id ?? defaultPlanId
  const revision = planRevisionAt(plans, planId, attestation.treeSize)
  if (!revision) return null
  const view = viewOfRevision(plans, revision)
  const region = typeof attestation.query.region === 'string' ? attestation.query.region : undefined
  const options = { at: attestation.at, ...(region ? { region } : {}) }
  const scope = typeof attestation.query.scope === 'string' ? attestation.query.scope.split(',') : null
  // A scoped caller saw the plan's root and its own regions only (services/read/visible.ts).
  const scoped = <R extends { regions: { region: string }[] }>(report: R): R => visibleTo({ keyId: '', name: '', role: 'viewer', regions: scope }, report)
  if (planRoutes.has(attestation.route)) return { claimed: answer.targets, recomputed: evaluatePlan(state, view, options).map(scoped), path: '.targets' }
  if (planTargetRoutes.has(attestation.route)) {
    const target = view.targetById(String(attestation.query.id))
    if (!target) return null
    const recomputed = scoped(evaluatePlanTarget(state, view, target, options)) as unknown as Record<string, unknown>
    // The single-target answer's `at` is the instant asked; the target's own date is `businessDate`
    // (answers attested before it was added carry the date as `at`).
    const claimedOf = (key: string) => (key === 'at' && typeof answer.businessDate === 'string' ? answer.businessDate : answer[key])
    const claimed = Object.fromEntries(Object.keys(recomputed).map((key) => [key, claimedOf(key)]))
    return { claimed, recomputed, path: '' }
  }
  return null
}

/** The first event of `events`, and all of them (the first included) to iterate once. */
const peek = async (events: AsyncIterable<RecordedEvent>): Promise<{ first: RecordedEvent | undefined; rest: AsyncIterable<RecordedEvent> }> => {
  const iterator = events[Symbol.asyncIterator]()
  const head = await iterator.next()
  const first = head.done ? undefined : head.value
  async function* rest() {
    try {
      if (first === undefined) return
      yield first
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value
    } finally {
      await iterator.return?.()
    }
  }
  return { first, rest: rest() }
}

export const checkAttestation = async (
  body: Record<string, unknown>,
  events: AsyncIterable<RecordedEvent>,
  { trustedKey }: { trustedKey: { keyId: string; publicKey: string } | null },
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

  // The log prefix: every event's hash over its content, then the tree over their hashes. A
  // dense log (it starts at position 1) holds the prefix at positions 1..treeSize; on
  // EventStoreDB positions are byte offsets: the prefix is the treeSize events up to the
  // answer's position (docs/ARCHITECTURE.md, "Audit").
  const { first, rest } = await peek(events)
  const dense = first === undefined || first.position === 1
  const answerPosition = typeof answer.position === 'number' ? answer.position : undefined
  if (!dense && answerPosition === undefined) problems.push('the log is numbered by byte offsets (EventStoreDB) and the answer gives no position to fold to')
  const upTo = dense ? attestation.treeSize : (answerPosition ?? attestation.treeSize)
  let frontier = emptyFrontier
  let previous = 0
  const { state, plans, position } = await foldCompliance(rest, upTo, (event) => {
    if (dense ? event.position !== frontier.size + 1 : event.position <= previous) problems.push(`the events jump from position ${previous} to ${event.position}`)
    if (eventHash(event.meta.prevHash, event) !== event.meta.hash) problems.push(`position ${event.position}: the event's content does not match its hash`)
    frontier = appendLeaf(frontier, eventLeaf(event)).frontier
    previous = event.position
  })
  const recomputedRoot = frontierRoot(frontier).toString('hex')
  if (dense && position < attestation.treeSize) problems.push(`the events end at position ${position}; the attestation covers ${attestation.treeSize}`)
  else if (!dense && frontier.size !== attestation.treeSize)
    problems.push(`the log holds ${frontier.size} events up to position ${upTo}; the attestation covers ${attestation.treeSize}`)
  else if (recomputedRoot !== attestation.rootHash)
    problems.push(
      `the root over ${dense ? `positions 1..${attestation.treeSize}` : `the first ${attestation.treeSize} events (to position ${position})`} is ${recomputedRoot}, the attestation says ${attestation.rootHash}`,
    )

  if (attestation.projection.version !== complianceProjection.version)
    problems.push(`attested with compliance projection version ${attestation.projection.version}; this build folds version ${complianceProjection.version}`)
  const planId = attestation.plan?.id ?? defaultPlanId
  const held = planRevisionAt(plans, planId, upTo)
  if (!held) problems.push(`the log holds no plan ${planId} at position ${upTo}`)
  else {
    if (attestation.plan && attestation.plan.revision !== held.revision)
      problems.push(`attested under revision ${attestation.plan.revision} of plan ${planId}; the log holds revision ${held.revision} at position ${upTo}`)
    if (attestation.catalogVersion !== held.plan.version)
      problems.push(`attested against plan version ${attestation.catalogVersion}; the log holds version ${held.plan.version}`)
  }
  if (dense && answer.position !== undefined && answer.position !== attestation.treeSize)
    problems.push(`the answer says position ${String(answer.position)}, the attestation covers ${attestation.treeSize}`)

  const figures = recompute(attestation, answer, state, plans)
  if (!figures) problems.push(`cannot recompute route ${attestation.route}${attestation.query.id ? ` for target ${attestation.query.id}` : ''}`)
  else {
    const difference = firstDifference(asReceived(figures.claimed ?? null), asReceived(figures.recomputed))
    if (difference) problems.push(`the figures differ from a fold of the log: ${figures.path}${difference}`)
  }
  return { ok: problems.length === 0, treeSize: attestation.treeSize, rootHash: attestation.rootHash, recomputedRoot, signature, problems, notes }
}
