// Plans as data over HTTP: the plan JSON Schema at a stable URL, publishing (admin) and
// revising with If-Match (the revision, as the ETag of GET /v1/plans/:plan gives it), the list
// and each document exactly as published, so a user can copy, edit and publish it anew.
import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { ValidationError } from '../../../domain/errors.ts'
import { planId } from '../../../domain/events.ts'
import { planJsonSchema, regionSetJsonSchema } from '../../../domain/plan-schema.ts'
import { defaultPlanId, type PlanRevision, regionSetIdOf } from '../../../domain/plans.ts'
import type { Services } from '../../services.ts'
import { principalOf } from '../plugins/auth.ts'
import { errorResponse, parsedBy, responseSchemaOf, zodPart } from '../schemas.ts'
import { guizhouRegionSet, seedPlan } from '../../../seeds/plans.ts'

const readers = ['viewer', 'reporter', 'auditor', 'admin'] as const
const position = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER)
const PlanParams = z.strictObject({ plan: planId })
const AtPosition = z.strictObject({ position: position.optional() })

const bilingual = z.object({ zh: z.string(), en: z.string() })
export const PlanSummary = z.object({
  id: z.string(),
  title: bilingual,
  issuer: bilingual,
  issuedOn: z.string(),
  version: z.string(),
  period: z.object({ start: z.string(), end: z.string(), timeZone: z.string() }),
  regionSet: z.string(),
  targets: z.number().int(),
  /** 0 as published; each PlanRevised adds one. */
  revision: z.number().int(),
  /** Log position and time of the event that recorded this revision. */
  position: z.number().int(),
  recordedAt: z.string(),
})
const PlanList = z.object({
  position: z.number().int(),
  /** The plan the un-prefixed routes (GET /v1/targets[/:id]) answer for. */
  default: z.string(),
  plans: z.array(PlanSummary),
})

// Examples from the 2020 plan itself (seeds/): its summary, its document with its first target, its region set.
const examplePlan = () => ({ ...seedPlan(), targets: seedPlan().targets.slice(0, 1) })
const exampleSummary = () => ({ ...summaryOf({ plan: seedPlan(), revision: 0, position: 1, recordedAt: '2020-01-01T00:00:00.000Z' } as PlanRevision) })
const planDocument = (description: string) => ({
  description,
  content: { 'application/json': { schema: { ...planDocumentSchema, example: examplePlan() } } },
})

const summaryOf = ({ plan, revision, position: at, recordedAt }: PlanRevision): z.infer<typeof PlanSummary> => ({
  id: plan.id,
  title: plan.title,
  issuer: plan.issuer,
  issuedOn: plan.issuedOn,
  version: plan.version,
  period: plan.period,
  regionSet: regionSetIdOf(plan),
  targets: plan.targets.length,
  revision,
  position: at,
  recordedAt,
})

// The document is validated by the plan service (ajv against the published schema, then the
// plan rules), so every problem is reported with its JSON Pointer in one 400.
const planDocumentSchema = { ...planJsonSchema, $schema: undefined, $id: undefined }
const planBody = parsedBy({ ...planDocumentSchema, examples: [examplePlan()] }, (body) => body)

const summarySchema = () => responseSchemaOf(PlanSummary.meta({ examples: [exampleSummary()] }))

const withRevision = (reply: FastifyReply, revision: PlanRevision) => reply.header('etag', `"${revision.revision}"`)

/** If-Match: "<revision>" (the ETag of GET /v1/plans/:plan); required to revise. */
const expectedRevision = (header: string | undefined): number => {
  const match = header === undefined ? null : /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header)
  if (!match) throw new ValidationError('If-Match: give the revision being revised, as the ETag of GET /v1/plans/:plan gives it (e.g. If-Match: "0")', { header: 'if-match' })
  return Number(match[1])
}

export const planRoutes = async (app: FastifyInstance, services: Services) => {
  const { plans } = services

  app.get(
    '/v1/plans/schema',
    {
      config: { access: 'public' },
      schema: {
        summary: 'The JSON Schema of a plan document (draft-07)',
        tags: ['plans'],
        response: {
          200: {
            description: 'the schema that POST /v1/plans and PUT /v1/plans/{plan} validate a document against',
            content: { 'application/schema+json': { schema: responseSchemaOf(z.looseObject({ $schema: z.string().optional(), type: z.literal('object'), properties: z.record(z.string(), z.unknown()) }).meta({ example: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { id: { type: 'string' } } } })) } },
          },
        },
      },
    },
    async (_request, reply) => reply.type('application/schema+json; charset=utf-8').send(planJsonSchema),
  )

  app.post(
    '/v1/plans',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Publish a plan: 201 with it; the same document again 200; another document under an existing id 409; an invalid one 400 naming the JSON path of each problem',
        tags: ['plans'],
        body: planBody,
        response: {
          201: { description: 'published: the plan, summarised; Location names it, ETag its revision', ...summarySchema() },
          200: { description: 'the same document was published before: nothing new', ...summarySchema() },
          400: errorResponse,
          409: { description: 'PLAN_EXISTS: another document is published under this id (revise it with PUT)', ...errorResponse },
        },
      },
    },
    async (request, reply) => {
      const { status, revision } = await plans.publish(request.body, principalOf(request), request.id)
      return withRevision(reply.status(status).header('location', `/v1/plans/${revision.plan.id}`), revision).send(summaryOf(revision))
    },
  )

  app.put(
    '/v1/plans/:plan',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Revise a plan (PlanRevised): If-Match names the revision corrected; earlier answers keep the earlier revision (query them by position)',
        tags: ['plans'],
        params: zodPart(PlanParams, 'params'),
        body: planBody,
        response: {
          201: { description: 'revised (PlanRevised): the new revision, in the ETag too', ...summarySchema() },
          200: { description: 'the document is the latest revision already: nothing new', ...summarySchema() },
          400: { description: 'the document breaks the plan schema or rules (each problem with its JSON Pointer), or If-Match is missing', ...errorResponse },
          404: errorResponse,
          409: { description: 'If-Match names a revision that is not the latest', ...errorResponse },
        },
      },
    },
    async (request, reply) => {
      const { plan } = request.params as z.infer<typeof PlanParams>
      const expected = expectedRevision(request.headers['if-match'])
      const { status, revision } = await plans.revise(plan, request.body, expected, principalOf(request), request.id)
      return withRevision(reply.status(status), revision).send(summaryOf(revision))
    },
  )

  app.get(
    '/v1/plans',
    {
      config: { access: readers },
      schema: {
        summary: 'Every plan the log holds (at `position`, default the live log)',
        tags: ['plans'],
        querystring: zodPart(AtPosition, 'query'),
        response: { 200: { description: 'the plans, summarised', ...responseSchemaOf(PlanList.meta({ examples: [{ position: 184, default: defaultPlanId, plans: [exampleSummary()] }] })) }, 400: errorResponse },
      },
    },
    async (request) => {
      const query = request.query as z.infer<typeof AtPosition>
      const at = await services.reader.positionOf(query)
      return { position: at, default: defaultPlanId, plans: plans.list(at).map(summaryOf) }
    },
  )

  app.get(
    '/v1/plans/:plan',
    {
      config: { access: readers },
      schema: {
        summary: 'The plan document exactly as published (its revision in the ETag), as the log held it at `position`',
        tags: ['plans'],
        params: zodPart(PlanParams, 'params'),
        querystring: zodPart(AtPosition, 'query'),
        response: { 200: planDocument('the document, byte for byte as published'), 400: errorResponse, 404: errorResponse },
      },
    },
    async (request, reply) => {
      const { plan } = request.params as z.infer<typeof PlanParams>
      const at = await services.reader.positionOf(request.query as z.infer<typeof AtPosition>)
      const revision = plans.get(plan, at)
      return withRevision(reply.type('application/json; charset=utf-8'), revision).send(JSON.stringify(revision.plan))
    },
  )

  app.get(
    '/v1/plans/:plan/regions',
    {
      config: { access: readers },
      schema: {
        summary: "The plan's region set: its root, regions, codes, names, parents and census populations",
        tags: ['plans'],
        params: zodPart(PlanParams, 'params'),
        querystring: zodPart(AtPosition, 'query'),
        response: {
          200: { description: 'the region set', content: { 'application/json': { schema: { ...regionSetJsonSchema, $schema: undefined, $id: undefined, example: guizhouRegionSet() } } } },
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request) => {
      const { plan } = request.params as z.infer<typeof PlanParams>
      const at = await services.reader.positionOf(request.query as z.infer<typeof AtPosition>)
      return plans.view(plans.get(plan, at)).regions.set
    },
  )
}
