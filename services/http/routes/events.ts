// Ingest: one fact, or a batch judged item by item.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { ClientEventSchema } from '../../../domain/events.ts'
import { parseClientEvent } from '../../../domain/parse-event.ts'
import type { BatchItem, Ingest, Submitted } from '../../ingest/submit.ts'
import { principalOf } from '../plugins/auth.ts'
import { stageHooks } from '../../stage-profile.ts'
import { ErrorBody, answerOf, errorResponse, jsonSchemaOf, parsedBy, responseSchemaOf, zodPart } from '../schemas.ts'

const Appended = answerOf<Omit<Submitted, 'status'>>()(
  z.object({
    id: z.string().meta({ description: 'the event id (yours, or a UUID v7 given to it)' }),
    stream: z.string(),
    revision: z.number().int().meta({ description: 'its place in the stream, from 0' }),
    position: z.number().int().meta({ description: 'its place in the global log, from 1' }),
  }),
)
const BatchItemView = answerOf<BatchItem>()(
  z.object({
    index: z.number().int(),
    status: z.number().int().meta({ description: 'what the single call would have answered: 201, 200, 400, 403, 409' }),
    id: z.string().optional(),
    stream: z.string().optional(),
    revision: z.number().int().optional(),
    position: z.number().int().optional(),
    error: ErrorBody.shape.error.optional(),
  }),
)
const BatchAnswer = z.object({ errors: z.boolean().meta({ description: 'true when any item was refused' }), items: z.array(BatchItemView) })

const exampleFact = {
  id: '0193d1c2-7a00-7000-8000-000000000001',
  type: 'SamplingBatchTested',
  data: { batchId: 'ZY-2020-0001', region: 'zunyi', stage: 'catering', sampledOn: '2020-05-12', result: 'pass' },
}
const exampleAppended = { id: exampleFact.id, stream: 'sampling-ZY-2020-0001', revision: 0, position: 2 }

export const eventRoutes = async (app: FastifyInstance, { ingest, maxBatch }: { ingest: Ingest; maxBatch: number }) => {
  const forbidden = {
    description: "FORBIDDEN: the key's role may not submit (reporter or admin), or the fact's region is outside a reporter key's regions",
    ...errorResponse,
  }

  app.post(
    '/v1/events',
    {
      config: { access: ['reporter', 'admin'] },
      // Per-stage timing hooks, only when TARGETWATCH_PROFILE_STAGES is set (stage-profile.ts).
      ...stageHooks(),
      schema: {
        summary: 'Submit one fact',
        tags: ['events'],
        description:
          'One fact (docs/ARCHITECTURE.md section 4, "Events clients submit"). Give it an id to make a retry safe: the same id and content again is 200 with the original result. Nothing is appended on any error.',
        body: parsedBy({ ...jsonSchemaOf(ClientEventSchema), examples: [exampleFact] }, parseClientEvent),
        // What the body schema cannot say: it depends on the plans the log holds (GET /v1/plans).
        rules: [
          "data.targetId of a MilestoneAchieved not a milestone target (metric milestone_count) of a published plan, data.indicator of an IndicatorReported not a reading-based target's indicator (GET /v1/plans/{plan} lists each plan's targets)",
          'data.itemId not one of the items its milestone target lists',
          'data.plan not a published plan, or a target in several plans with no data.plan to choose',
          'data.region not a reporting region of the region set',
          'a value of the wrong kind: the message quotes it as sent (e.g. data.numerator: must be a non-negative integer, got 0.5)',
        ],
        response: {
          201: { description: 'appended', ...responseSchemaOf(Appended.meta({ examples: [exampleAppended] })) },
          200: { description: 'this id was recorded before with the same content: the original result, nothing appended', ...responseSchemaOf(Appended.meta({ examples: [exampleAppended] })) },
          400: errorResponse,
          403: forbidden,
          409: {
            description: 'an invariant of the stream (e.g. BATCH_ALREADY_TESTED), or EVENT_ID_CONFLICT: the id is recorded with other content',
            ...errorResponse,
          },
        },
      },
    },
    async (request, reply) => {
      const result = await ingest.submit(principalOf(request), request.body as ReturnType<typeof parseClientEvent>, request.id)
      const { status, ...body } = result
      return reply.status(status).send(body)
    },
  )

  const BatchBody = z.strictObject({
    events: z.array(z.unknown()).min(1, 'must hold at least one event').max(maxBatch, `must hold at most ${maxBatch} events`),
  })

  app.post(
    '/v1/events/batch',
    {
      config: { access: ['reporter', 'admin'] },
      schema: {
        summary: `Submit up to ${maxBatch} facts; each item is judged on its own`,
        tags: ['events'],
        description: 'Each item is judged as POST /v1/events would judge it, and answered in items[index] with that status; items of one stream keep request order. 400 only when the body itself is not {events: [...]}.',
        body: zodPart(BatchBody.meta({ examples: [{ events: [exampleFact] }] })),
        response: {
          200: {
            description: 'every item judged: errors is true when any was refused',
            ...responseSchemaOf(
              BatchAnswer.meta({
                examples: [
                  {
                    errors: true,
                    items: [
                      { index: 0, status: 201, ...exampleAppended },
                      { index: 1, status: 409, error: { code: 'BATCH_ALREADY_TESTED', message: 'data.batchId: batch ZY-2020-0001 was already tested' } },
                    ],
                  },
                ],
              }),
            ),
          },
          400: errorResponse,
          403: forbidden,
        },
      },
    },
    async (request) => {
      const { events } = request.body as z.infer<typeof BatchBody>
      const items = await ingest.submitBatch(principalOf(request), events, request.id)
      return { errors: items.some((item) => item.status >= 300), items }
    },
  )
}
