// The SQLite file layout, built for a log of ~10M events: integer stream ids instead of
// repeated names, the global position as the rowid (dense, and the clustering key readAll
// scans), uuids as 16-byte blobs so the id index stays small, hashes as 32-byte blobs.
import Database from 'better-sqlite3'
import { StoreUnavailable } from '../../domain/errors.ts'
import { backfillFolds } from './sqlite-fold-rows.ts'

/**
 * PRAGMA user_version of the layout below. Version 2 added `fold`, the compact form of the fields
 * the projections fold (projections/compact-facts.ts): derived from data, not hashed, NULL for
 * types without one (docs/ARCHITECTURE.md, section 3, "The fold column"). Version 3 made the
 * event-id index partial (an `id_indexed` flag per row, set in bulk). Version 4 keeps the ids in a
 * table of their own, `event_ids`, filled in bulk from the log's tail (sqlite-id-tail.ts;
 * docs/ARCHITECTURE.md, section 3, "The event-id table and its tail"): merging the tail no longer
 * rewrites the tail's rows. A file upgraded from layout 3 keeps its `id_indexed` column, unread.
 */
export const schemaVersion = 4

/**
 * Every recorded id and its position, merged from the tail: the newest rows, whose ids the
 * writer holds in memory, enter it in bulk, so the pages random uuids land on are written once
 * per merge of thousands, not once per commit. `event_ids_merged` holds the last position merged:
 * the rows after it are the tail. Not an index of `events`, so integrity_check does not compare
 * the two: `eventIdProblems` (sqlite-corruption.ts) does.
 */
const eventIds = `
  CREATE TABLE event_ids (
    event_id BLOB PRIMARY KEY,
    position INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE event_ids_merged (position INTEGER NOT NULL);
`

const schema = `
  CREATE TABLE streams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    revision INTEGER NOT NULL,
    last_hash BLOB NOT NULL
  );
  CREATE TABLE events (
    position INTEGER PRIMARY KEY,
    stream_id INTEGER NOT NULL,
    revision INTEGER NOT NULL,
    event_id BLOB NOT NULL,
    type TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    data TEXT NOT NULL,
    meta TEXT NOT NULL,
    hash BLOB NOT NULL,
    fold TEXT,
    UNIQUE (stream_id, revision)
  );
  ${eventIds}
  INSERT INTO event_ids_merged VALUES (0);
`

/**
 * WAL pages after which the write connection's commit checkpoints them into the file (PRAGMA
 * wal_autocheckpoint, SQLite's default 1,000). A checkpoint writes every page the WAL holds at
 * its own place in the file and fsyncs the file: the pages a stream's name or an event's row
 * land on are scattered, so a checkpoint of few pages pays a write per page and an fsync for
 * little. Checkpointing 16 times as rarely writes a page rewritten meanwhile once, in page order,
 * with one fsync: batches of 400 facts into the 1M log through the store went from 19,450 to
 * 27,190 facts/s, the last checkpoint included (docs/ARCHITECTURE.md, section 3, "Checkpoints (SQLite)").
 * The cost: ~64 MB of WAL on disk, read back at the opening after a crash.
 */
export const checkpointPages = 16_384

/** The PRAGMA that sets it, for every connection that writes as the store's writer does (and the bench's ceilings). */
export const checkpointPragma = `wal_autocheckpoint = ${checkpointPages}`

/**
 * Bytes of WAL file left on disk once the WAL restarts (PRAGMA journal_size_limit). While a
 * reader holds one snapshot (a scrub holds one for its whole run, ~15 s at 1M events) no
 * checkpoint can pass it and every commit grows the WAL: 356 MB in 8 s of single-event ingest
 * beside the 1M scrub. SQLite reuses a WAL file without shrinking it; this limit gives the disk
 * back at the next restart. It holds one checkpoint's worth of pages (checkpointPages, 4 KiB
 * each, plus their frame headers) and a margin, so an ordinary WAL is reused, not cut and grown
 * again each time.
 */
export const walSizeLimit = 80 * 1024 * 1024

export const openDatabase = (file: string): Database.Database => {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    // FULL fsyncs the WAL on every commit: an acknowledged append survives power loss.
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 5000')
    db.pragma('cache_size = -65536')
    db.pragma('temp_store = MEMORY')
    db.pragma(`journal_size_limit = ${walSizeLimit}`)
    migrate(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

const migrate = (db: Database.Database) => {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number
    if (version === schemaVersion) return
    if (version > schemaVersion) {
      throw new StoreUnavailable(`event store ${db.name} has schema version ${version}; this build reads up to ${schemaVersion}`)
    }
    if (version === 0) {
      db.exec(schema)
      db.pragma(`user_version = ${schemaVersion}`)
      return
    }
    const columns = (db.pragma('table_info(events)') as { name: string }[]).map((column) => column.name)
    // Layout 1 -> 2 in place: the column first; the rows are filled below.
    if (!columns.includes('fold')) db.exec('ALTER TABLE events ADD COLUMN fold TEXT')
    // Layouts 1-3 -> 4: every row's id into event_ids (a file at rest has no tail, and one a
    // crash left with a tail has its ids judged already), in id order, so the table is built
    // left to right; then the old index goes. Once per file (an upgrade of layout 1 cut short in
    // its backfill comes here again).
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]
    if (!tables.includes('event_ids')) {
      db.exec(eventIds)
      db.exec('INSERT INTO event_ids (event_id, position) SELECT event_id, position FROM events ORDER BY event_id')
      db.exec('INSERT INTO event_ids_merged SELECT coalesce(max(position), 0) FROM events')
      db.exec('DROP INDEX IF EXISTS events_by_event_id')
    }
    if (version >= 2) db.pragma(`user_version = ${schemaVersion}`)
  }).immediate()
  // The backfill runs in batches of their own transactions (the WAL stays small); the version
  // becomes current only once every row was visited, so an upgrade cut short goes on at the next
  // open, and meanwhile its rows without a fold are read from their data.
  if ((db.pragma('user_version', { simple: true }) as number) === 1) {
    backfillFolds(db)
    db.pragma(`user_version = ${schemaVersion}`)
  }
}

// Blobs cross the boundary as hex text, converted inside SQLite: far cheaper than a Node Buffer
// per value per row. The id and the hash travel as one column (each string column a row carries
// costs, and lower() costs as much as hex()): a packed uuid id gives 32 + 64 uppercase hex digits
// (hex of the two blobs concatenated); any other id gives ':' + the hash's 64 digits + the id,
// which hex digits never start with. sqlite-rows.ts takes the column apart.
const idAndHash = `CASE typeof(event_id) WHEN 'blob' THEN hex(event_id || hash) ELSE ':' || hex(hash) || event_id END`
const eventColumns = `position, stream_id, revision, type, occurred_at, recorded_at, data, meta, ${idAndHash}`
// The same columns with the stream's name appended, for readers that need names for every row.
const namedEventColumns = `events.position, events.stream_id, events.revision, type, occurred_at, recorded_at, data, meta, ${idAndHash}, streams.name`

/** Every statement the store runs, prepared once per connection. */
export const prepareStatements = (db: Database.Database) => ({
  streamByName: db.prepare<[string], { id: number; revision: number; last_hash: string }>(
    'SELECT id, revision, lower(hex(last_hash)) AS last_hash FROM streams WHERE name = ?',
  ),
  streamName: db.prepare<[number], string>('SELECT name FROM streams WHERE id = ?').pluck(),
  /** name, revision, last hash (hex). */
  insertStream: db.prepare<[string, number, string]>('INSERT INTO streams (name, revision, last_hash) VALUES (?, ?, unhex(?))'),
  /** revision, last hash (hex), id. */
  updateStream: db.prepare<[number, string, number]>('UPDATE streams SET revision = ?, last_hash = unhex(?) WHERE id = ?'),
  /** The position of an id merged into event_ids (the tail's ids are in memory: sqlite-id-tail.ts). */
  mergedPositionOf: db.prepare<[Buffer | string], number>('SELECT position FROM event_ids WHERE event_id = ?').pluck(),
  eventAt: db.prepare<[number], { position: number; stream_id: number; revision: number; type: string; data: string }>(
    'SELECT position, stream_id, revision, type, data FROM events WHERE position = ?',
  ),
  /** The last position merged into event_ids: the tail is every row after it. */
  mergedThrough: db.prepare<[], number>('SELECT position FROM event_ids_merged').pluck(),
  /** The tail's ids after a position, each as its key (sqlite-id-tail.ts) and position. */
  tailIdsAfter: db
    .prepare<[number], [string, number]>(
      "SELECT CASE typeof(event_id) WHEN 'blob' THEN lower(hex(event_id)) ELSE ':' || event_id END, position FROM events WHERE position > ? ORDER BY position",
    )
    .raw(),
  /** Merges the tail into event_ids: from (exclusive), to (inclusive), in id order (neighbouring keys, neighbouring pages). */
  mergeIds: db.prepare<[number, number]>('INSERT INTO event_ids (event_id, position) SELECT event_id, position FROM events WHERE position > ? AND position <= ? ORDER BY event_id'),
  setMergedThrough: db.prepare<[number]>('UPDATE event_ids_merged SET position = ?'),
  /**
   * stream id, revision, the id as stored (16 bytes for a canonical uuid, else text:
   * sqlite-id-tail.ts storedId), type, occurredAt, recordedAt, data, meta, hash (hex), fold.
   */
  insertEvent: db.prepare<[number, number, Buffer | string, string, string, string, string, string, string, string | null]>(
    'INSERT INTO events (stream_id, revision, event_id, type, occurred_at, recorded_at, data, meta, hash, fold) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, unhex(?), ?)',
  ),
  lastRecordedAt: db.prepare<[], string>('SELECT recorded_at FROM events ORDER BY position DESC LIMIT 1').pluck(),
  recordedAtOf: db.prepare<[number], string>('SELECT recorded_at FROM events WHERE position = ?').pluck(),
  head: db.prepare<[], number>('SELECT coalesce(max(position), 0) FROM events').pluck(),
  allPage: db
    .prepare<[number, number, number], unknown[]>(`SELECT ${eventColumns} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`)
    .raw(),
  /** allPage with each row's stream name (rowToEvent reads it from the row). */
  allPageNamed: db
    .prepare<[number, number, number], unknown[]>(
      `SELECT ${namedEventColumns} FROM events JOIN streams ON streams.id = events.stream_id ` +
        'WHERE events.position > ? AND events.position <= ? ORDER BY events.position LIMIT ?',
    )
    .raw(),
  streamPage: db
    .prepare<[number, number, number], unknown[]>(`SELECT ${eventColumns} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`)
    .raw(),
})

export type Statements = ReturnType<typeof prepareStatements>
