// Examples of the compliance answers for the OpenAPI document, computed, not written: a few
// facts of May 2020 folded by the compliance projection and the 2020 plan evaluated at
// 2020-06-30, exactly as GET /v1/targets[/:id] would answer on a log that held only them. So
// the examples follow the answer schemas (projections/compliance/report-schemas.ts) as they grow.
import type { RecordedEvent } from '../../domain/envelope.ts'
import { endOfDayInstant } from '../../domain/time.ts'
import { complianceProjection, evaluatePlan, evaluatePlanTarget, planView, type ComplianceState } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan } from '../../seeds/plans.ts'

const exampleDate = '2020-06-30'
const zeros = '0'.repeat(64)

/** 40 food-safety batches in Zunyi, one of them failing, and 3 sampling batches in Bijie. */
const exampleFacts = (): RecordedEvent[] =>
  [
    ...Array.from({ length: 40 }, (_, i) => ({ batchId: `ZY-2020-${String(i + 1).padStart(4, '0')}`, region: 'zunyi', result: i === 0 ? 'fail' : 'pass' })),
    ...Array.from({ length: 3 }, (_, i) => ({ batchId: `BJ-2020-${String(i + 1).padStart(4, '0')}`, region: 'bijie', result: 'pass' })),
  ].map((fact, index) => ({
    id: `example-${index + 1}`,
    type: 'SamplingBatchTested',
    stream: `sampling-${fact.batchId}`,
    revision: 0,
    position: index + 2,
    occurredAt: '2020-05-12T10:00:00+08:00',
    recordedAt: '2020-05-12T02:00:01.000Z',
    data: { ...fact, stage: 'catering', sampledOn: `2020-05-${String(1 + (index % 28)).padStart(2, '0')}` },
    meta: { principal: 'example', requestId: 'example', prevHash: zeros, hash: zeros, schemaVersion: 1 },
  }))

let computed: { targets: Record<string, unknown>; target: Record<string, unknown> } | undefined

const compute = () => {
  const plan = seedPlan()
  const view = planView(plan, 0, guizhouRegionSet())
  const facts = exampleFacts()
  const state = facts.reduce<ComplianceState>((folded, event) => complianceProjection.evolve(folded, event), complianceProjection.initialState())
  const at = endOfDayInstant(exampleDate)
  const head = {
    position: facts.length + 1,
    projection: { name: complianceProjection.name, version: complianceProjection.version },
    catalogVersion: plan.version,
    plan: { id: plan.id, revision: 0, version: plan.version },
  }
  const passRate = plan.targets.find((target) => target.id === 'food-sampling-pass-rate') ?? plan.targets[0]!
  const detail = evaluatePlanTarget(state, view, passRate, { at })
  // The list carries every target; the example keeps the first three so the document stays readable.
  const reports = evaluatePlan(state, view, { at }).slice(0, 3)
  return {
    targets: JSON.parse(JSON.stringify({ at, ...head, targets: reports })) as Record<string, unknown>,
    target: JSON.parse(JSON.stringify({ ...detail, ...head, at, businessDate: detail.at })) as Record<string, unknown>,
  }
}

/** GET /v1/targets at 2020-06-30 on the example log. */
export const targetsExample = () => (computed ??= compute()).targets
/** GET /v1/targets/food-sampling-pass-rate at 2020-06-30 on the example log. */
export const targetExample = () => (computed ??= compute()).target
