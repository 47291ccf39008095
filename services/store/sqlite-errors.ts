// SQLite's errors in the store's terms (domain/errors.ts), for the store (sqlite.ts) and its
// writer, on whichever thread the writer runs (sqlite-writer.ts).
import Database from 'better-sqlite3'
import { IntegrityViolated, StoreUnavailable } from '../../domain/errors.ts'
import { isSqliteCorruption } from './sqlite-corruption.ts'

// Conditions of the disk or the file, not of the request: the client may retry later (503).
const unavailableCodes = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|BUSY|LOCKED|NOMEM|CORRUPT|NOTADB|PROTOCOL)/

export const toStoreError = (error: unknown, action: 'write' | 'read' | 'open', consequence: string): unknown => {
  // A damaged file is not a condition to wait out: README "Integrity".
  if (isSqliteCorruption(error))
    return new IntegrityViolated(
      `event store ${action} failed: the SQLite file is damaged (${(error as { code?: string }).code ?? 'SQLITE_CORRUPT'}: ${(error as Error).message}); run targetwatch verify`,
      { code: (error as { code?: string }).code ?? 'SQLITE_CORRUPT' },
    )
  if (error instanceof Database.SqliteError && unavailableCodes.test(error.code)) {
    return new StoreUnavailable(`event store ${action} failed (${error.code}: ${error.message}); ${consequence}`, { code: error.code })
  }
  return error
}
