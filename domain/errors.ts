// Errors are values with a stable code. The one HTTP error handler maps `status`;
// adapters translate vendor errors into these at their edge.

export type ErrorDetails = Record<string, unknown> | unknown[]

export class DomainError extends Error {
  readonly code: string
  readonly status: number
  readonly details?: ErrorDetails
  constructor(code: string, status: number, message: string, details?: ErrorDetails) {
    super(message)
    this.name = new.target.name
    this.code = code
    this.status = status
    if (details !== undefined) this.details = details
  }
}

/** Input does not match the schema or a field rule (400). */
export class ValidationError extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('VALIDATION_FAILED', 400, message, details)
  }
}

/** A business rule of the stream was violated, e.g. a batch tested twice (409). */
export class InvariantViolation extends DomainError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(code, 409, message, details)
  }
}

/** The stream moved on since it was read (expected revision did not match) (409). */
export class ConcurrencyError extends DomainError {
  readonly stream: string
  readonly expected: string
  readonly actual: string
  constructor(stream: string, expected: string, actual: string) {
    super('WRONG_EXPECTED_REVISION', 409, `stream ${stream}: expected revision ${expected}, actual ${actual}`, {
      stream,
      expected,
      actual,
    })
    this.stream = stream
    this.expected = expected
    this.actual = actual
  }
}

/** The event id is already recorded with other content or in another stream (409). */
export class IdConflict extends DomainError {
  constructor(id: string, message: string) {
    super('EVENT_ID_CONFLICT', 409, message, { id })
  }
}

export class NotFound extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('NOT_FOUND', 404, message, details)
  }
}

export class Unauthorized extends DomainError {
  constructor(message = 'missing or invalid API key (Authorization: Bearer <key>)') {
    super('UNAUTHORIZED', 401, message)
  }
}

export class Forbidden extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('FORBIDDEN', 403, message, details)
  }
}

/** The store cannot take writes right now (disk full, closed, unreachable) (503). */
export class StoreUnavailable extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('STORE_UNAVAILABLE', 503, message, details)
  }
}

/** Too many requests for this key (429); Retry-After says when to come back. */
export class RateLimited extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('RATE_LIMITED', 429, message, details)
  }
}

/** The read models have not reached the position a read asked for yet (503); retry after `retryAfterSeconds`. */
export class ReadModelBehind extends DomainError {
  readonly retryAfterSeconds: number
  constructor(message: string, retryAfterSeconds: number, details?: ErrorDetails) {
    super('READ_MODEL_BEHIND', 503, message, details)
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/**
 * The stored log failed an integrity check (a malformed SQLite file, an event whose content no
 * longer matches its hash, a tree that differs from a signed head) (503): nothing is appended,
 * proved or attested until it is restored. See README "Integrity".
 */
export class IntegrityViolated extends DomainError {
  constructor(message: string, details?: ErrorDetails) {
    super('INTEGRITY_VIOLATED', 503, message, details)
  }
}
