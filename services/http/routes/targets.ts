// Compliance of a plan's targets, on two time axes: `at` (business date: what had happened by
// then) and `asOf`/`position`/`minPosition` (what the log held then). Answered by the one read
// service (services/read); historical answers come from the nearest snapshot plus a bounded
// replay. `GET /v1/targets[/:id]` are the plan `guizhou-2020`, as before plans were data.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { AttestationSchema } from '../../../domain/attestation.ts'
import { calendarDate, instant, planId, regionId } from '../../../domain/events.ts'
import { defaultPlanId } from '../../../domain/plans.ts'
import { TargetDetailSchema, TargetReportSchema, complianceProjection, evaluationKey } from '../../../projections/compliance.ts'
import { attestedIf } from '../../audit/attest.ts'
import { assertMayRead } from '../../auth/principal.ts'
import type { Reading } from '../../read/compliance-reader.ts'
import { visibleTo } from '../../read/visible.ts'
import { createAnswerCache } from '../../runner/answers.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../plugins/auth.ts'
import { errorResponse, responseSchemaOf, zodPart } from '../schemas.ts'
import { targetExample, targetsExample } from '../answer-examples.ts'

const position = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

export const TimeQuery = z.strictObject({
  at: z.union([calendarDate, instant], { message: 'must be a calendar date YYYY-MM-DD or an ISO 8601 date-time with offset, e.g. 2020-06-30 or 2020-06-30T18:00:00+08:00' }).optional(),
  asOf: instant.optional(),
  position: position.optional(),
  minPosition: position.optional(),
  region: regionId.optional(),
  /** Add an attestation: tree size, root hash, projection version, plan revision, signature (services/audit/attest.ts). */
  attest: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
})
type TimeQuery = z.infer<typeof TimeQuery>

const readers = ['viewer', 'reporter', 'auditor', 'admin'] as const

const planRef = z.object({ id: z.string(), revision: z.number().int(), version: z.string() })
const answerHead = {
  at: z.string().meta({ description: 'the instant answered for (ISO 8601; a date YYYY-MM-DD asked is its end in Asia/Shanghai)' }),
  position: z.number().int(),
  asOf: z.string().optional(),
  projection: z.object({ name: z.string(), version: z.number().int() }),
  /** The plan's document version (named as before plans were data). */
  catalogVersion: z.string(),
  plan: planRef,
  attestation: AttestationSchema.optional(),
}
export const TargetsAnswer = z.object({ ...answerHead, targets: z.array(TargetReportSchema) })
// `at` is the instant answered for on both routes (the list's head and here); the target's own
// effective business date (targets[].at of the list) is `businessDate` here (issue 15 item 7).
export const TargetAnswer = TargetDetailSchema.extend({
  ...answerHead,
  at: answerHead.at,
  businessDate: z.string().meta({ description: "the Shanghai business day of at, clamped to the target's period (targets[].at of GET /v1/targets)" }),
})

const headOf = (reading: Reading, query: TimeQuery) => ({
  at: reading.at,
  position: reading.position,
  ...(query.asOf ? { asOf: query.asOf } : {}),
  projection: { name: complianceProjection.name, version: complianceProjection.version },
  catalogVersion: reading.plan.plan.version,
  plan: { id: reading.plan.plan.id, revision: reading.plan.revision, version: reading.plan.plan.version },
})

const attestPlan = (reading: Reading) => ({ id: reading.plan.plan.id, revision: reading.plan.revision, version: reading.plan.plan.version })

// What the query schema cannot say (across fields, against the log and the plan): the operation's
// description and its 400 list it (services/http/standard-responses.ts).
const timeRules = [
  'asOf and position together (give one: asOf is an instant, position a log position)',
  "position or minPosition beyond the log's head (the message gives the head)",
  'region not a region of the plan (the message lists them)',
]

/** The target routes of one plan: `planOf` names it (a path parameter, or the default plan). */
export const registerTargetRoutes = (app: FastifyInstance, services: Services, prefix: string, planOf: (request: FastifyRequest) => string, tags: string[]) => {
  const { reader, plans } = services
  const isPublicScope = (region: string) => !plans.isReportingRegion(region)
  const planned = prefix.includes(':plan')
  const planParams = planned ? { plan: planId } : {}
  const serialized = createAnswerCache<Buffer>()
  const notFound = planned ? { 404: { description: 'NOT_FOUND: no such plan at that position', ...errorResponse } } : {}

  app.get(
    `${prefix}/targets`,
    {
      config: { access: readers },
      schema: {
        summary: planned ? 'Every target of a plan with its compliance, for its root and per region' : 'Every target of the plan guizhou-2020 with its compliance, province-wide and per region',
        tags,
        ...(planned ? { params: zodPart(z.strictObject(planParams), 'params') } : {}),
        querystring: zodPart(TimeQuery, 'query'),
        rules: timeRules,
        response: {
          200: { description: 'every target of the plan, in plan order, with its regions', ...responseSchemaOf(TargetsAnswer.meta({ examples: [targetsExample()] })) },
          400: errorResponse,
          ...notFound,
        },
      },
    },
    async (request, reply) => {
      const query = request.query as TimeQuery
      const principal = principalOf(request)
      const plan = planOf(request)
      const { reading, reports } = await reader.targets({ ...query, plan })
      assertMayRead(principal, query.region ?? reading.view.regions.rootId, isPublicScope)
      const visible = () => reports.map((report) => visibleTo(principal, report))
      const head = headOf(reading, query)
      if (query.attest)
        return attestedIf(services.audit.attestor, true, { ...head, targets: visible() }, {
          route: `${prefix}/targets`,
          query: planned ? { plan, ...query } : query,
          scope: principal.regions,
          at: reading.at,
          position: reading.position,
          plan: attestPlan(reading),
        })
      // The targets depend only on the plan revision, the position, the business day of `at` (its
      // minute while a rescue is open: evaluationKey), the region and the key's scope: kept serialised and UTF-8 encoded (services/runner/answers.ts)
      // while the log does not move; each answer encodes only its own small head.
      const key = `${plan}@${reading.plan.revision}|${reading.position}|${evaluationKey(reading.state, reading.at)}|${query.region ?? ''}|${principal.regions?.join(',') ?? '*'}`
      const targets = serialized(key, () => Buffer.from(`,"targets":${JSON.stringify(visible())}}`))
      const headBytes = Buffer.from(JSON.stringify(head).slice(0, -1))
      return reply.type('application/json; charset=utf-8').send(Buffer.concat([headBytes, targets], headBytes.length + targets.length))
    },
  )

  app.get(
    `${prefix}/targets/:id`,
    {
      config: { access: readers },
      schema: {
        summary: planned ? 'One target of a plan, with its regions and a monthly series' : 'One target of the plan guizhou-2020, with its regions and a monthly series',
        tags,
        params: zodPart(z.strictObject({ ...planParams, id: z.string().min(1).max(64) }), 'params'),
        querystring: zodPart(TimeQuery, 'query'),
        rules: timeRules,
        response: {
          200: { description: 'the target with its regions and a monthly series', ...responseSchemaOf(TargetAnswer.meta({ examples: [targetExample()] })) },
          400: errorResponse,
          404: { description: planned ? 'NOT_FOUND: no such plan, or no such target in it' : 'NOT_FOUND: no such target in the plan', ...errorResponse },
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      const query = request.query as TimeQuery
      const principal = principalOf(request)
      const plan = planOf(request)
      const { reading, detail } = await reader.target({ ...query, plan, id })
      assertMayRead(principal, query.region ?? reading.view.regions.rootId, isPublicScope)
      return attestedIf(services.audit.attestor, query.attest, { ...visibleTo(principal, detail), ...headOf(reading, query), businessDate: detail.at }, {
        route: `${prefix}/targets/:id`,
        query: { ...(planned ? { plan } : {}), id, ...query },
        scope: principal.regions,
        at: reading.at,
        position: reading.position,
        plan: attestPlan(reading),
      })
    },
  )
}

export const targetRoutes = async (app: FastifyInstance, services: Services) => {
  registerTargetRoutes(app, services, '/v1', () => defaultPlanId, ['compliance'])
  registerTargetRoutes(app, services, '/v1/plans/:plan', (request) => (request.params as { plan: string }).plan, ['plans'])
}
