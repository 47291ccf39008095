// One error handler: every failure leaves as { error: { code, message, details? } }.
// Domain errors carry their status; fastify's own errors are translated; anything else is a
// 500 whose message stays in the log.
import type { FastifyError, FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { DomainError, IntegrityViolated, ReadModelBehind } from '../../../domain/errors.ts'
import { isSqliteCorruption } from '../../store/sqlite-corruption.ts'

const fastifyCodes: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'content-type must be application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'INVALID_JSON', message: '(body): empty body with content-type application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_CONTENT_LENGTH' },
}

export interface ErrorsOptions {
  /** Told of a damaged SQLite file met while answering (README "Integrity"). */
  onCorruption?: (message: string) => void
}

export const errorsPlugin = fp(
  async (app: FastifyInstance, { onCorruption }: ErrorsOptions) => {
    app.setErrorHandler((raw: FastifyError, request, reply) => {
      // A damaged file, wherever it surfaces, is 503 INTEGRITY_VIOLATED, never a 500.
      let error = raw
      if (!(raw instanceof IntegrityViolated) && isSqliteCorruption(raw)) {
        onCorruption?.(raw.message)
        error = new IntegrityViolated(`the SQLite file is damaged (${raw.message}); run targetwatch verify`) as unknown as FastifyError
      } else if (raw instanceof IntegrityViolated && raw.details && (raw.details as { code?: string }).code) onCorruption?.(raw.message)
      if (error instanceof DomainError) {
        if (error instanceof ReadModelBehind) void reply.header('retry-after', String(error.retryAfterSeconds))
        else if (error.status >= 500) request.log.error({ err: error }, error.message)
        return reply.status(error.status).send({
          error: { code: error.code, message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) },
        })
      }
      const known = error.code ? fastifyCodes[error.code] : undefined
      if (known) return reply.status(known.status).send({ error: { code: known.code, message: known.message ?? error.message } })
      if (error instanceof SyntaxError || (error.statusCode === 400 && error.message.includes('JSON')))
        return reply.status(400).send({ error: { code: 'INVALID_JSON', message: `(body): ${error.message}` } })
      if (error.validation) return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: error.message } })
      const status = error.statusCode ?? 500
      if (status >= 400 && status < 500)
        return reply.status(status).send({ error: { code: error.code ?? 'BAD_REQUEST', message: error.message } })
      request.log.error({ err: error }, 'unhandled error')
      return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error; see the server log for request ' + request.id } })
    })
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
    )
  },
  { name: 'errors' },
)
