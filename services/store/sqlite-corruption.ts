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
 * stream-name index answers "no such stream" for a stream the log holds); then that event_ids
 * holds exactly the merged rows' ids (eventIdProblems). Synchronous and O(file): run it where
 * blocking is fine (start-up, the CLI).
 */
export const sqliteIntegrityCheck = (file: string, maxProblems = 20): SqliteCheck => {
  let db: Database.Database | null = null
  try {
    db = new Database(file, { readonly: true, fileMustExist: true })
    const rows = db.pragma(`integrity_check(${maxProblems})`) as { integrity_check: string }[]
    const problems = rows.map((row) => row.integrity_check).filter((line) => line !== 'ok')
    if (problems.length < maxProblems) problems.push(...eventIdProblems(db, maxProblems - problems.length))
    return { ok: problems.length === 0, problems }
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] }
  } finally {
    db?.close()
  }
}

/**
 * event_ids (services/store/sqlite-schema.ts) is a table, not an index of events, so
 * integrity_check does not hold it to the log: here every row up to the last merged position
 * must be found there by its id at its position, and the table must hold no other ids (as many
 * as there are merged positions: positions are dense, and a missing row is the chains' finding).
 * In one read transaction; nothing for a file of an older layout (its index is integrity_check's).
 */
export const eventIdProblems = (db: Database.Database, maxProblems = 20): string[] => {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('event_ids', 'event_ids_merged')").pluck().all()
  if (tables.length < 2) return []
  return db.transaction(() => {
    const through = db.prepare('SELECT position FROM event_ids_merged').pluck().get() as number
    const missing = db
      .prepare<[number, number], number>(
        'SELECT position FROM events WHERE position <= ? AND NOT EXISTS ' +
          '(SELECT 1 FROM event_ids WHERE event_ids.event_id = events.event_id AND event_ids.position = events.position) ORDER BY position LIMIT ?',
      )
      .pluck()
      .all(through, maxProblems)
    const problems = missing.map((position) => `event_ids does not find the event at position ${position} by its id`)
    const count = db.prepare('SELECT count(*) FROM event_ids').pluck().get() as number
    if (count !== through && problems.length < maxProblems)
      problems.push(`event_ids holds ${count} ids for the ${through} positions merged into it`)
    return problems
  })()
}
