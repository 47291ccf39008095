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
 * event-id index partial: a row enters it when `id_indexed` becomes 1, in bulk, not on insert
 * (sqlite-id-tail.ts; docs/ARCHITECTURE.md, section 3, "The event-id index and its tail").
 */
export const schemaVersion = 3

/**
 * The ids of rows merged into it: a row is inserted with id_indexed = 0 (the tail, whose ids the
 * writer holds in memory) and the writer marks the tail 1 in bulk, so the index pages random uuids
 * land on are written once per merge of thousands, not once per commit. Still an index of
 * the table: integrity_check checks that it holds exactly the rows it should.
 */
const idIndex = 'CREATE UNIQUE INDEX events_by_event_id ON events (event_id) WHERE id_indexed = 1;'

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
    id_indexed INTEGER NOT NULL DEFAULT 1,
    UNIQUE (stream_id, revision)
  );
  ${idIndex}
`

export const openDatabase = (file: string): Database.Database => {
  const db = new Database(file)
  try {
    db.pragma('journal_mode = WAL')
    // FULL fsyncs the WAL on every commit: an acknowledged append survives power loss.
    db.pragma('synchronous = FULL')
    db.pragma('busy_timeout = 5000')
    db.pragma('cache_size = -65536')
    db.pragma('temp_store = MEMORY')
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
    // Layout 2 -> 3: every existing row is indexed already (the column's default), the index is
    // rebuilt as the partial one. One pass over the ids, in this transaction.
    if (!columns.includes('id_indexed')) {
      db.exec('ALTER TABLE events ADD COLUMN id_indexed INTEGER NOT NULL DEFAULT 1')
      db.exec(`DROP INDEX events_by_event_id; ${idIndex}`)
    }
    if (version === 2) db.pragma(`user_version = ${schemaVersion}`)
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
  /** The position of an id merged into the event-id index (the tail's ids are in memory: sqlite-id-tail.ts). */
  indexedPositionOf: db.prepare<[Buffer | string], number>('SELECT position FROM events WHERE event_id = ? AND id_indexed = 1').pluck(),
  eventAt: db.prepare<[number], { position: number; stream_id: number; revision: number; type: string; data: string }>(
    'SELECT position, stream_id, revision, type, data FROM events WHERE position = ?',
  ),
  idIndexedAt: db.prepare<[number], number>('SELECT id_indexed FROM events WHERE position = ?').pluck(),
  /** The tail's ids after a position, each as its key (sqlite-id-tail.ts) and position. */
  tailIdsAfter: db
    .prepare<[number], [string, number]>(
      "SELECT CASE typeof(event_id) WHEN 'blob' THEN lower(hex(event_id)) ELSE ':' || event_id END, position FROM events WHERE position > ? ORDER BY position",
    )
    .raw(),
  /** Merges the tail into the event-id index: from (exclusive), to (inclusive). */
  indexIds: db.prepare<[number, number]>('UPDATE events SET id_indexed = 1 WHERE position > ? AND position <= ? AND id_indexed = 0'),
  /**
   * stream id, revision, packed (1 when the id is a canonical uuid, stored as 16 bytes), the id
   * twice (packed or as text), type, occurredAt, recordedAt, data, meta, hash (hex), fold.
   */
  insertEvent: db.prepare<[number, number, number, string, string, string, string, string, string, string, string, string | null]>(
    'INSERT INTO events (stream_id, revision, event_id, type, occurred_at, recorded_at, data, meta, hash, fold, id_indexed) ' +
      "VALUES (?, ?, CASE WHEN ? THEN unhex(?, '-') ELSE ? END, ?, ?, ?, ?, ?, unhex(?), ?, 0)",
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
