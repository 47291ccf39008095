// Compliance against the catalog, on two time axes: `at` (business date: what had happened by
// then) and `asOf`/`position` (what the log held then). Historical answers come from the
// nearest snapshot plus a bounded replay.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { NotFound, ValidationError } from '../../../domain/errors.ts'
import { calendarDate, instant, regionId } from '../../../domain/events.ts'
import { evaluateCatalog, evaluateTarget } from '../../../domain/evaluate.ts'
import { endOfDayInstant, shanghaiDate } from '../../../domain/time.ts'
import { complianceProjection, type ComplianceState } from '../../../projections/compliance.ts'
import type { Services } from '../../services.ts'
import { errorResponse, zodPart } from '../schemas.ts'
import { assertMayRead, visibleRegions, type Principal } from '../../auth/principal.ts'
import { principalOf } from '../plugins/auth.ts'
import type { TargetReport } from '../../../domain/evaluate.ts'
import { attestedIf } from '../../audit/attest.ts'
import { createAnswerCache } from '../../runner/answers.ts'

export const TimeQuery = z.strictObject({
  at: z.union([calendarDate, instant]).optional(),
  asOf: instant.optional(),
  position: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  region: regionId.optional(),
  /** Add an attestation: tree size, root hash, projection version, signature (services/audit/attest.ts). */
  attest: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
})
type TimeQuery = z.infer<typeof TimeQuery>

const readers = ['viewer', 'reporter', 'auditor', 'admin'] as const

/** Resolve the two time axes into a state and the instant to evaluate at. */
export const complianceAt = async ({ store, runner, clock }: Pick<Services, 'store' | 'runner' | 'clock'>, query: TimeQuery) => {
  if (query.asOf !== undefined && query.position !== undefined)
    throw new ValidationError('query: give asOf or position, not both', { fields: ['asOf', 'position'] })
  const live = runner.position()
  let position = live
  if (query.position !== undefined) position = Math.min(query.position, live)
  if (query.asOf !== undefined) position = Math.min(await store.positionAt(query.asOf), live)
  const state = await runner.stateAt<ComplianceState>(complianceProjection.name, position)
  const at = query.at === undefined ? clock().toISOString() : query.at.length === 10 ? endOfDayInstant(query.at) : query.at
  return { state, at, position }
}

/** A scoped key sees the province figures and its own regions, never another region's. */
const scoped = <T extends TargetReport>(principal: Principal, report: T): T => ({ ...report, regions: visibleRegions(principal, report.regions) })

export const targetRoutes = async (app: FastifyInstance, services: Services) => {
  const { catalog } = services
  const targetsJson = createAnswerCache<Buffer>()
  app.get(
    '/v1/targets',
    {
      config: { access: readers },
      schema: {
        summary: 'Every target of the catalog with its compliance, province-wide and per region',
        tags: ['compliance'],
        querystring: zodPart(TimeQuery, 'query'),
        response: { 400: errorResponse },
      },
    },
    async (request, reply) => {
      const query = request.query as TimeQuery
      const principal = principalOf(request)
      assertMayRead(principal, query.region)
      const { state, at, position } = await complianceAt(services, query)
      const evaluate = () =>
        evaluateCatalog(state, catalog, { at, ...(query.region ? { region: query.region } : {}) }).map((report) => scoped(principal, report))
      const answer = {
        at,
        position,
        ...(query.asOf ? { asOf: query.asOf } : {}),
        projection: { name: complianceProjection.name, version: complianceProjection.version },
        catalogVersion: catalog.version,
      }
      // The targets depend only on the position, the business day of `at`, the region and the
      // key's scope: kept serialised and UTF-8 encoded (services/runner/answers.ts) while the log
      // does not move; each answer encodes only its own small head.
      // (`at` is an instant here: validated, the clock's, or the end of the day asked for.)
      if (!query.attest) {
        const key = `${position}|${shanghaiDate(at)}|${query.region ?? ''}|${principal.regions?.join(',') ?? '*'}`
        const targets = targetsJson(key, () => Buffer.from(`,"targets":${JSON.stringify(evaluate())}}`))
        const head = Buffer.from(JSON.stringify(answer).slice(0, -1))
        return reply.type('application/json; charset=utf-8').send(Buffer.concat([head, targets], head.length + targets.length))
      }
      return attestedIf(services.audit.attestor, query.attest, { ...answer, targets: evaluate() }, { route: '/v1/targets', query, scope: principal.regions, at, position })
    },
  )
  app.get(
    '/v1/targets/:id',
    {
      config: { access: readers },
      schema: {
        summary: 'One target, with its regions and a monthly series',
        tags: ['compliance'],
        params: zodPart(z.object({ id: z.string().min(1).max(64) }), 'params'),
        querystring: zodPart(TimeQuery, 'query'),
        response: { 400: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string }
      const target = catalog.targets.find((t) => t.id === id)
      if (!target) throw new NotFound(`target ${id} is not in the catalog`, { id })
      const query = request.query as TimeQuery
      const principal = principalOf(request)
      assertMayRead(principal, query.region)
      const { state, at, position } = await complianceAt(services, query)
      return attestedIf(services.audit.attestor, query.attest, {
        ...scoped(principal, evaluateTarget(state, target, { at, ...(query.region ? { region: query.region } : {}) })),
        position,
        ...(query.asOf ? { asOf: query.asOf } : {}),
        projection: { name: complianceProjection.name, version: complianceProjection.version },
      }, { route: '/v1/targets/:id', query: { id, ...query }, scope: principal.regions, at, position })
    },
  )
}
