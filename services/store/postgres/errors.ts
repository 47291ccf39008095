// PostgreSQL errors become the port's errors here, at the adapter's edge (STYLE.md point 4 as the
// README cites it): conditions of the server, the disk or the network are StoreUnavailable (503,
// the client may retry later); anything else is a bug and stays as it is (500).
import { DomainError, StoreUnavailable } from '../../../domain/errors.ts'

/**
 * SQLSTATE classes of the server's condition: 08 connection, 53 insufficient resources (53100
 * disk_full), 57 operator intervention (shutdown, cancel), 58 system error (I/O), and the
 * transaction retry codes 40001/40P01.
 */
const unavailableState = /^(08|53|57|58|40001|40P01|55P03|XX001|XX002)/

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])

const isUnavailable = (error: unknown): boolean => {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  if (typeof code === 'string' && (unavailableState.test(code) || networkCodes.has(code))) return true
  // node-postgres reports a connection lost mid-query as plain Errors with these messages.
  return typeof message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message)
}

export const toStoreError = (error: unknown, action: 'write' | 'read' | 'open', consequence: string): unknown => {
  if (error instanceof DomainError) return error
  if (!isUnavailable(error)) return error
  const { code, message } = error as { code?: string; message?: string }
  return new StoreUnavailable(`event store ${action} failed (PostgreSQL ${code ?? 'connection'}: ${message}); ${consequence}`, { code: code ?? 'connection' })
}
