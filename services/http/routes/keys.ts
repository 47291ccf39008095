// API key management (admin): create (the key is shown once), list, revoke.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { regionId } from '../../../domain/events.ts'
import type { KeyService, KeyView } from '../../auth/keys.ts'
import { roles } from '../../auth/principal.ts'
import { principalOf } from '../plugins/auth.ts'
import { answerOf, errorResponse, responseSchemaOf, zodPart } from '../schemas.ts'

const KeyViewSchema = answerOf<KeyView>()(
  z.object({
    id: z.string(),
    name: z.string(),
    role: z.enum(roles),
    regions: z.array(z.string()).nullable().meta({ description: 'the regions a key may submit for and read; null: every region' }),
    createdAt: z.string(),
    createdBy: z.string(),
    revokedAt: z.string().nullable(),
  }),
)
const keyExample = { id: 'k3x9q2', name: 'zunyi bureau', role: 'reporter', regions: ['zunyi'], createdAt: '2020-05-01T08:00:00.000Z', createdBy: 'env-admin', revokedAt: null }
const CreatedKey = KeyViewSchema.extend({ key: z.string().meta({ description: 'tw_<id>_<secret>: in this answer only; the service keeps a salted hash' }) }).meta({
  examples: [{ ...keyExample, key: 'tw_k3x9q2_Q2hhbmdlIG1lLCBJIGFtIGFuIGV4YW1wbGU' }],
})
const KeyList = z.object({ keys: z.array(KeyViewSchema) }).meta({ examples: [{ keys: [keyExample] }] })
const RevokedKey = KeyViewSchema.meta({ examples: [{ ...keyExample, revokedAt: '2020-06-01T08:00:00.000Z' }] })

// The role decides whether regions may be given (services/auth/keys.ts): auditor and admin keys
// see everything by definition, so the schema says it (oneOf on role) and the 400 names the field.
const keyName = z.string().min(1).max(200)
const CreateKey = z
  .discriminatedUnion('role', [
    z.strictObject({
      name: keyName,
      role: z.enum(['viewer', 'reporter']),
      regions: z.array(regionId).max(10).optional().meta({ description: 'reporting regions of an active region set (at most 10); none: every region' }),
    }),
    z.strictObject({
      name: keyName,
      role: z.enum(['auditor', 'admin']),
      regions: z.array(regionId).max(0, 'auditor and admin keys cannot be scoped to regions; only viewer and reporter keys can').optional(),
    }),
  ])
  .meta({ examples: [{ name: 'zunyi bureau', role: 'reporter', regions: ['zunyi'] }] })

export const keyRoutes = async (app: FastifyInstance, { keys }: { keys: KeyService }) => {
  app.post(
    '/v1/keys',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create an API key; the key is in this answer only',
        tags: ['keys'],
        body: zodPart(CreateKey),
        rules: ['a region that is not a reporting region of any region set (the message lists the unknown ones)'],
        response: {
          201: { description: 'the key, with its secret (shown once)', ...responseSchemaOf(CreatedKey) },
          400: errorResponse,
        },
      },
    },
    async (request, reply) => reply.status(201).send(await keys.create(request.body as z.infer<typeof CreateKey>, principalOf(request), request.id)),
  )
  app.get(
    '/v1/keys',
    {
      config: { access: ['admin'] },
      schema: { summary: 'List API keys (never the secrets)', tags: ['keys'], response: { 200: { description: 'every key, revoked ones included', ...responseSchemaOf(KeyList) } } },
    },
    async () => ({ keys: keys.list() }),
  )
  app.delete(
    '/v1/keys/:id',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Revoke an API key',
        tags: ['keys'],
        params: zodPart(z.object({ id: z.string().min(1).max(64) }), 'params'),
        response: { 200: { description: 'the key, revoked (revoking a revoked key again changes nothing)', ...responseSchemaOf(RevokedKey) }, 404: errorResponse },
      },
    },
    async (request) => keys.revoke((request.params as { id: string }).id, principalOf(request), request.id),
  )
}
