// Telling a damaged SQLite file from other failures, and SQLite's own structural check of it.
// Used by the start-up check and verification (services/audit) and by the store's error
// translation: a malformed file is an integrity finding (503 INTEGRITY_VIOLATED), not a retry.
import Database from 'better-sqlite3'

/** SQLITE_CORRUPT*, SQLITE_NOTADB, or a "malformed" message from any layer. */
export const isSqliteCorruption = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(code)) return true
  return /database disk image is malformed|file is not a database/i.test(error.message)
}

export interface SqliteCheck {
  ok: boolean
  /** SQLite's own lines, e.g. "row 152 missing from index sqlite_autoindex_streams_1". */
  problems: string[]
}

/**
 * PRAGMA integrity_check on its own read-only connection: the b-tree structure of every page and
 * that every index holds exactly its table's rows (quick_check skips the latter, and a damaged
 * stream-name index answers "no such stream" for a stream the log holds). Synchronous and
 * O(file): run it where blocking is fine (start-up, the CLI).
 */
export const sqliteIntegrityCheck = (file: string, maxProblems = 20): SqliteCheck => {
  let db: Database.Database | null = null
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const rows = db.pragma(`integrity_check(${maxProblems})`) as { integrity_check: string }[]
    const problems = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok')
    return { ok: problems.length === 0, problems }
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] }
  } finally {
    db?.close()
  }
}
