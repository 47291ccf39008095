// Vendor errors become the port's errors at the adapter's edge; transient ones are retryable.
import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  StreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client'
import t from 'tap'
import { ConcurrencyError, InvariantViolation, StoreUnavailable, ValidationError } from '../../domain/errors.ts'
import { isRetryable, translateError } from '../../services/store/eventstoredb/errors.ts'

t.test('WrongExpectedVersion becomes ConcurrencyError in the port\'s words', async (t) => {
  const onRevision = translateError(new WrongExpectedVersionError(undefined, { streamName: 'sampling-B1', expected: 3n, current: 5n }))
  t.ok(onRevision instanceof ConcurrencyError)
  t.match(onRevision, { code: 'WRONG_EXPECTED_REVISION', status: 409, stream: 'sampling-B1', expected: '3', actual: '5' })
  const onMissing = translateError(new WrongExpectedVersionError(undefined, { streamName: 'sampling-B2', expected: 'stream_exists', current: NO_STREAM }))
  t.match(onMissing, { expected: 'exists', actual: 'no_stream' })
  const onExisting = translateError(new WrongExpectedVersionError(undefined, { streamName: 'sampling-B3', expected: NO_STREAM, current: 0n }))
  t.match(onExisting, { expected: 'no_stream', actual: '0' })
})

t.test('conditions of the cluster become StoreUnavailable (503) and are retryable', async (t) => {
  const notReady = new UnavailableError(undefined, 'Server Is Not Ready')
  for (const error of [notReady, new DeadlineExceededError(), new CancelledError()]) {
    const translated = translateError(error, 'rescue-R1')
    t.ok(translated instanceof StoreUnavailable, `${error.constructor.name} -> StoreUnavailable`)
    t.match(translated, { status: 503 })
    t.ok(isRetryable(error), `${error.constructor.name} is retryable`)
  }
  t.match((translateError(notReady) as Error).message, /Server Is Not Ready/)
  t.ok(isRetryable(new Error('Server Is Not Ready')), 'the message alone is enough')
})

t.test('request and permission problems are not retried', async (t) => {
  t.ok(translateError(MaxAppendSizeExceededError.fromMaxAppendSize(1_048_576), 'big') instanceof ValidationError)
  t.ok(translateError(StreamDeletedError.fromStreamName('gone')) instanceof InvariantViolation)
  const denied = translateError(new AccessDeniedError())
  t.ok(denied instanceof StoreUnavailable, 'wrong credentials: the store cannot be used')
  t.match((denied as Error).message, /credentials/)
  t.notOk(isRetryable(new AccessDeniedError()))
  t.notOk(isRetryable(new Error('projection broke')), 'an ordinary error (e.g. from a handler) is not retried')
})

t.test('the port\'s own errors and unknown errors pass through', async (t) => {
  const own = new ValidationError('x')
  t.equal(translateError(own), own)
  const plain = new TypeError('bug')
  t.equal(translateError(plain), plain)
})
