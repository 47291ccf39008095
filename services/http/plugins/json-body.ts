// JSON bodies with fastify's own parser (prototype-poisoning checks kept), but a DELETE that
// declares `content-type: application/json` and sends nothing is a DELETE without a body, as
// many clients send it, not a broken JSON document (issue 16 item 12). Any other empty JSON
// body is still refused (400 INVALID_JSON).
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

export const jsonBodyPlugin = fp(
  async (app: FastifyInstance) => {
    const parseJson = app.getDefaultJsonParser('error', 'error')
    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (request.method === 'DELETE' && body === '') return done(null, undefined)
      parseJson(request, body as string, done)
    })
  },
  { name: 'json-body' },
)
