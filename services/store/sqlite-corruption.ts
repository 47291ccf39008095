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

export interface QuickCheck {
  ok: boolean
  /** SQLite's own lines, e.g. "Tree 3 page 44: btreeInitPage() returns error code 11". */
  problems: string[]
}

/**
 * PRAGMA quick_check on its own read-only connection: the b-tree structure of every page (not
 * index contents). O(file size), synchronous: run it where blocking is fine (start-up, the CLI).
 */
export const sqliteQuickCheck = (file: string, maxProblems = 20): QuickCheck => {
  let db: Database.Database | null = null
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const rows = db.pragma(`quick_check(${maxProblems})`) as { quick_check: string }[]
    const problems = rows.map((row) => row.quick_check).filter((line) => line !== 'ok')
    return { ok: problems.length === 0, problems }
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] }
  } finally {
    db?.close()
  }
}
