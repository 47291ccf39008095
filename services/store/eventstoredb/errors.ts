// Vendor errors become the port's errors here, at the adapter's edge (STYLE.md, point 4).
import {
  AccessDeniedError,
  CancelledError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  NotLeaderError,
  StreamDeletedError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
} from '@eventstore/db-client'
import { ConcurrencyError, DomainError, InvariantViolation, StoreUnavailable, ValidationError } from '../../../domain/errors.ts'
import { fromEsdbCurrent, fromEsdbExpected, describeCurrent } from './revisions.ts'

/**
 * Conditions of the cluster, not of the request: the node is down or restarting ("Server Is Not
 * Ready" arrives as gRPC UNAVAILABLE), leadership moved (NotLeader), a deadline passed, or the
 * server cancelled a long call. The client reconnects on these (it rediscovers the leader on
 * UnavailableError and NotLeaderError), so the same call may succeed a moment later.
 */
const transientErrors = [UnavailableError, NotLeaderError, DeadlineExceededError, TimeoutError, CancelledError, UnknownError] as const

const isTransientVendorError = (error: unknown): boolean => transientErrors.some((kind) => error instanceof kind)

/** Worth retrying after a pause (a subscription resubscribes; an append is left to its caller). */
export const isRetryable = (error: unknown): boolean =>
  isTransientVendorError(error) || error instanceof StoreUnavailable || /server is not ready/i.test(String((error as Error)?.message))

const vendorType = (error: unknown): string => String((error as { type?: unknown }).type ?? (error as Error)?.name ?? 'unknown')

/** The port's error for anything the client threw while working on `stream` (or on $all). */
export const translateError = (error: unknown, stream = '$all'): unknown => {
  if (error instanceof DomainError) return error
  if (error instanceof WrongExpectedVersionError) {
    const expected = fromEsdbExpected(error.expectedVersion)
    return new ConcurrencyError(error.streamName || stream, String(expected), describeCurrent(fromEsdbCurrent(error.actualVersion)))
  }
  if (error instanceof StreamDeletedError) {
    return new InvariantViolation('STREAM_DELETED', `stream ${error.streamName || stream} was deleted on EventStoreDB and can take no more events`)
  }
  if (error instanceof MaxAppendSizeExceededError) {
    return new ValidationError(`append to ${stream} is larger than the server's maximum append size (${error.maxAppendSize} bytes)`)
  }
  if (error instanceof AccessDeniedError) {
    return new StoreUnavailable(`EventStoreDB refused access to ${stream}: check the credentials in EVENTSTORE_URL`, { vendor: vendorType(error) })
  }
  if (isTransientVendorError(error)) {
    const message = (error as Error).message || vendorType(error)
    return new StoreUnavailable(`EventStoreDB is unavailable (${vendorType(error)}: ${message}); try again later`, { vendor: vendorType(error) })
  }
  return error
}
