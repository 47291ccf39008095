// API key management (admin): create (the key is shown once), list, revoke.
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { regionId } from '../../../domain/events.ts'
import type { KeyService } from '../../auth/keys.ts'
import { roles } from '../../auth/principal.ts'
import { principalOf } from '../plugins/auth.ts'
import { errorResponse, zodPart } from '../schemas.ts'

const keyView = {
  type: 'object',
  required: ['id', 'name', 'role', 'regions', 'createdAt', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: [...roles] },
    regions: { type: 'array', items: { type: 'string' }, nullable: true },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    revokedAt: { type: 'string', nullable: true },
  },
} as const

const CreateKey = z.strictObject({
  name: z.string().min(1).max(200),
  role: z.enum(roles),
  regions: z.array(regionId).max(10).optional(),
})

export const keyRoutes = async (app: FastifyInstance, { keys }: { keys: KeyService }) => {
  app.post(
    '/v1/keys',
    {
      config: { access: ['admin'] },
      schema: {
        summary: 'Create an API key; the key is in this answer only',
        tags: ['keys'],
        body: zodPart(CreateKey),
        response: {
          201: { ...keyView, required: [...keyView.required, 'key'], properties: { ...keyView.properties, key: { type: 'string' } } },
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
      schema: { summary: 'List API keys (never the secrets)', tags: ['keys'], response: { 200: { type: 'object', properties: { keys: { type: 'array', items: keyView } } } } },
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
        response: { 200: keyView, 404: errorResponse },
      },
    },
    async (request) => keys.revoke((request.params as { id: string }).id, principalOf(request), request.id),
  )
}
