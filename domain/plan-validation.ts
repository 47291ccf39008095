// A plan document is accepted or refused as a whole: the JSON Schema first (ajv, every error at
// once), then the rules a schema cannot express (plan-rules.ts). A refusal lists every problem
// with its JSON Pointer, so a user fixes the document in one pass.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { DomainError } from './errors.ts'
import { type KnownRegions, type PlanProblem, planProblems } from './plan-rules.ts'
import { planJsonSchema } from './plan-schema.ts'
import type { Plan } from './plans.ts'

export type { KnownRegions, PlanProblem } from './plan-rules.ts'

/** 400: the document is not a plan that can be published; `details.problems` lists each. */
export class PlanInvalid extends DomainError {
  readonly problems: readonly PlanProblem[]
  constructor(source: string, problems: readonly PlanProblem[]) {
    super('PLAN_INVALID', 400, problems.map((p) => `${source ? `${source}: ` : ''}${p.path} ${p.message}`).join('; '), { problems })
    this.problems = problems
  }
}

let compiled: ValidateFunction<Plan> | undefined
const validator = (): ValidateFunction<Plan> => {
  if (compiled) return compiled
  const ajv = new Ajv({ allErrors: true, strict: true })
  addFormats.default(ajv, ['date'])
  compiled = ajv.compile<Plan>(planJsonSchema)
  return compiled
}

const schemaProblem = (error: ErrorObject): PlanProblem => {
  const path = error.instancePath || '/'
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties':
      return { path, message: `must not have the property '${String(params.additionalProperty)}'` }
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).join(', ')}` }
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` }
    default:
      return { path, message: error.message ?? error.keyword }
  }
}

// anyOf (regionSet: an id or a set) reports the failure of every branch; one line says it.
const withoutBranchNoise = (errors: readonly ErrorObject[]): ErrorObject[] => {
  const anyOf = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath)
  return errors.filter((e) => e.keyword === 'anyOf' || !anyOf.some((path) => e.instancePath === path && e.keyword === 'type'))
}

/**
 * The document as a plan, or PlanInvalid. `source` prefixes each message (a file name, or
 * `plan` for a request body); `known` is every region set and region that exists.
 */
export const parsePlan = (json: unknown, known: KnownRegions, source = ''): Plan => {
  const validate = validator()
  if (!validate(json)) throw new PlanInvalid(source, withoutBranchNoise(validate.errors ?? []).map(schemaProblem))
  const problems = planProblems(json, known)
  if (problems.length > 0) throw new PlanInvalid(source, problems)
  return json
}
