// The ceilings of the HTTP figures: bare fastify with nothing behind the route.
//   post      POST /v1/events with the service's own body schema and validator, no auth, no store
//   get FILE  GET /v1/targets answering FILE's bytes as JSON
// Prints its URL on stdout once listening (127.0.0.1, a free port).
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { ClientEventSchema, streamOf, type ClientEvent } from '../../domain/events.ts'
import { parseClientEvent } from '../../domain/parse-event.ts'
import { jsonSchemaOf, parsedBy, validatorCompiler } from '../../services/http/schemas.ts'

const [mode, file] = process.argv.slice(2)
const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024 })
app.setValidatorCompiler(validatorCompiler)

if (mode === 'post') {
  const appended = {
    type: 'object',
    required: ['id', 'stream', 'revision', 'position'],
    properties: { id: { type: 'string' }, stream: { type: 'string' }, revision: { type: 'integer' }, position: { type: 'integer' } },
  }
  let position = 0
  app.post(
    '/v1/events',
    { schema: { body: parsedBy(jsonSchemaOf(ClientEventSchema), parseClientEvent), response: { 201: appended } } },
    async (request, reply) => {
      const event = request.body as ClientEvent
      return reply.status(201).send({ id: event.id ?? randomUUID(), stream: streamOf(event), revision: 0, position: ++position })
    },
  )
} else if (mode === 'get' && file) {
  const body = readFileSync(file, 'utf8')
  app.get('/v1/targets', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body))
} else {
  throw new Error('usage: ceiling-server.ts post | get <file>')
}

const address = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`${address}\n`)
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
