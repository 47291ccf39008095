// Snapshots of projection state at a log position. Kept in their own SQLite file beside the
// log (they are derived data: deleting the file only costs a rebuild). Each row carries a
// SHA-256 of its state, so a corrupt snapshot is detected and skipped, never trusted.
import { createHash } from 'node:crypto'
import { gunzipSync, gzip, gzipSync } from 'node:zlib'
import path from 'node:path'
import Database from 'better-sqlite3'
import { ConfigError } from '../config.ts'

export interface Snapshot {
  projection: string
  version: number
  position: number
  /** meta.hash of the event at `position`: ties the snapshot to this log, not just to a length. */
  anchor: string
  state: unknown
}

export interface SnapshotStore {
  /**
   * `inline`: compress and write before returning instead of on the thread pool. The runner
   * asks for it while catching up, where snapshots come every few milliseconds: compressing them
   * on the pool raised a 10M rebuild's peak RSS from ~243 MB to ~320 MB (README, Performance).
   */
  save(snapshot: Snapshot, options?: { inline?: boolean }): void
  /** Latest snapshot of this projection+version at or before `position` that verifies (corrupt ones are deleted). */
  latest(projection: string, version: number, atOrBefore?: number): Snapshot | null
  /** Deletes one snapshot (e.g. one whose anchor does not match the log). */
  discard(projection: string, version: number, position: number): void
  /** Drops snapshots of other versions and those beyond `position` (the log is shorter than they claim). */
  prune(projection: string, version: number, beyond: number): void
  close(): void
}

const sha256Of = (json: string) => createHash('sha256').update(json).digest('hex')
// Level 1: snapshots are written often and read rarely; speed over size.
const compression = { level: 1 }

const encode = (state: unknown) => {
  const json = JSON.stringify(state)
  return { blob: gzipSync(json, compression), sha256: sha256Of(json) }
}

const decode = (blob: Buffer, sha256: string): unknown | undefined => {
  try {
    const json = gunzipSync(blob).toString('utf8')
    if (sha256Of(json) !== sha256) return undefined
    return JSON.parse(json)
  } catch {
    return undefined
  }
}

/** A snapshot already serialised (the runner goes on mutating its state) whose row is not written yet. */
interface Unwritten {
  projection: string
  version: number
  position: number
  anchor: string
  json: string
  sha256: string
}

/**
 * Snapshots in a SQLite file. save() serialises the state at once but compresses it on libuv's
 * thread pool, so a rebuild goes on folding while the snapshot is gzipped (of the ~9 ms a
 * compliance snapshot of a 1M-event log cost on the event loop, 4.2 ms were gzip, 4.5 ms
 * JSON.stringify, 0.4 ms SHA-256). Until its row is written a snapshot waits in memory, and
 * latest() finds it there; close() writes whatever is still waiting. A row that could not be
 * written (disk full) is reported by the next save(), which still takes its own snapshot.
 * save(…, { inline: true }) compresses and writes at once, on the calling thread.
 */
/** Opens (creating) the snapshot file; a directory it cannot write is a configuration error naming both. */
const openSnapshotFile = (file: string): Database.Database => {
  let db: Database.Database | undefined
  try {
    db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.exec(`CREATE TABLE IF NOT EXISTS snapshots (
      projection TEXT NOT NULL, version INTEGER NOT NULL, position INTEGER NOT NULL,
      anchor TEXT NOT NULL, state BLOB NOT NULL, sha256 TEXT NOT NULL,
      PRIMARY KEY (projection, version, position)) WITHOUT ROWID`)
    return db
  } catch (error) {
    db?.close()
    const { code, message } = error as { code?: string; message?: string }
    throw new ConfigError(
      'TARGETWATCH_DATA_DIR',
      `cannot open the snapshot file ${file} (${code ? `${code}: ` : ''}${message}); the directory ${path.dirname(file)} must exist and be writable by this process`,
    )
  }
}

export const createSqliteSnapshotStore = (file: string): SnapshotStore => {
  const db = openSnapshotFile(file)
  const insert = db.prepare('INSERT OR REPLACE INTO snapshots (projection, version, position, anchor, state, sha256) VALUES (?, ?, ?, ?, ?, ?)')
  const select = db.prepare(
    'SELECT position, anchor, state, sha256 FROM snapshots WHERE projection = ? AND version = ? AND position <= ? ORDER BY position DESC LIMIT 1',
  )
  const remove = db.prepare('DELETE FROM snapshots WHERE projection = ? AND version = ? AND position = ?')
  const pruneStmt = db.prepare('DELETE FROM snapshots WHERE projection = ? AND (version <> ? OR position > ?)')

  const unwritten = new Set<Unwritten>()
  let failure: unknown
  let closed = false
  const write = (snapshot: Unwritten, blob: Buffer) =>
    insert.run(snapshot.projection, snapshot.version, snapshot.position, snapshot.anchor, blob, snapshot.sha256)
  const forget = (drop: (snapshot: Unwritten) => boolean) => {
    for (const snapshot of unwritten) if (drop(snapshot)) unwritten.delete(snapshot)
  }
  /** The newest unwritten snapshot of this projection + version at or before `position`. */
  const newestUnwritten = (projection: string, version: number, atOrBefore: number): Unwritten | undefined => {
    let newest: Unwritten | undefined
    for (const snapshot of unwritten)
      if (snapshot.projection === projection && snapshot.version === version && snapshot.position <= atOrBefore && snapshot.position > (newest?.position ?? -1))
        newest = snapshot
    return newest
  }

  return {
    save: ({ projection, version, position, anchor, state }, options) => {
      if (closed) throw new Error(`snapshot store ${file} is closed`)
      const json = JSON.stringify(state)
      const snapshot: Unwritten = { projection, version, position, anchor, json, sha256: sha256Of(json) }
      // A later snapshot at the same key replaces one still being compressed (its callback then writes nothing).
      forget((other) => other.projection === projection && other.version === version && other.position === position)
      if (options?.inline) write(snapshot, gzipSync(json, compression))
      else {
        unwritten.add(snapshot)
        gzip(json, compression, (error, blob) => {
          if (closed || !unwritten.delete(snapshot)) return
          try {
            if (error !== null) throw error
            write(snapshot, blob)
          } catch (cause) {
            failure = cause
          }
        })
      }
      // An earlier row the pool could not write is reported here, inline or not.
      if (failure !== undefined) {
        const earlier = failure
        failure = undefined
        throw earlier
      }
    },
    latest: (projection, version, atOrBefore = Number.MAX_SAFE_INTEGER) => {
      const waiting = newestUnwritten(projection, version, atOrBefore)
      for (;;) {
        const row = select.get(projection, version, atOrBefore) as { position: number; anchor: string; state: Buffer; sha256: string } | undefined
        if (waiting !== undefined && (row === undefined || waiting.position >= row.position))
          return { projection, version, position: waiting.position, anchor: waiting.anchor, state: JSON.parse(waiting.json) }
        if (!row) return null
        const state = decode(row.state, row.sha256)
        if (state !== undefined) return { projection, version, position: row.position, anchor: row.anchor, state }
        remove.run(projection, version, row.position)
      }
    },
    discard: (projection, version, position) => {
      forget((snapshot) => snapshot.projection === projection && snapshot.version === version && snapshot.position === position)
      remove.run(projection, version, position)
    },
    prune: (projection, version, beyond) => {
      forget((snapshot) => snapshot.projection === projection && (snapshot.version !== version || snapshot.position > beyond))
      pruneStmt.run(projection, version, beyond)
    },
    // Snapshots still being compressed are written here, so a clean stop loses none.
    close: () => {
      if (closed) return
      closed = true
      try {
        db.transaction(() => {
          for (const snapshot of unwritten) write(snapshot, gzipSync(snapshot.json, compression))
        })()
      } finally {
        unwritten.clear()
        db.close()
      }
    },
  }
}

/** For the memory store and tests: same contract, nothing on disk. */
export const createMemorySnapshotStore = (): SnapshotStore => {
  const rows = new Map<string, { position: number; anchor: string; blob: Buffer; sha256: string }[]>()
  const key = (projection: string, version: number) => `${projection}@${version}`
  return {
    save: ({ projection, version, position, anchor, state }) => {
      const list = rows.get(key(projection, version)) ?? []
      const kept = list.filter((r) => r.position !== position)
      kept.push({ position, anchor, ...encode(state) })
      kept.sort((a, b) => a.position - b.position)
      rows.set(key(projection, version), kept)
    },
    latest: (projection, version, atOrBefore = Number.MAX_SAFE_INTEGER) => {
      const list = rows.get(key(projection, version)) ?? []
      for (let i = list.length - 1; i >= 0; i--) {
        const row = list[i]!
        if (row.position > atOrBefore) continue
        const state = decode(row.blob, row.sha256)
        if (state !== undefined) return { projection, version, position: row.position, anchor: row.anchor, state }
      }
      return null
    },
    discard: (projection, version, position) => {
      const list = rows.get(key(projection, version))
      if (list) rows.set(key(projection, version), list.filter((r) => r.position !== position))
    },
    prune: (projection, version, beyond) => {
      for (const k of [...rows.keys()]) if (k.startsWith(`${projection}@`) && k !== key(projection, version)) rows.delete(k)
      const list = rows.get(key(projection, version))
      if (list) rows.set(key(projection, version), list.filter((r) => r.position <= beyond))
    },
    close: () => rows.clear(),
  }
}
