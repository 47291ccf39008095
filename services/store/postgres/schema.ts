// The PostgreSQL layout (docs/ARCHITECTURE.md, "PostgreSQL store"), in its own schema
// `targetwatch` so it can share a database: streams by integer id, events keyed by their global
// position, a unique index on the event id (idempotency with no cache limit), and a one-row
// `log_head` that every write transaction locks first. That lock is the single-writer rule:
// positions are handed out under it and it is released only at COMMIT, so transactions commit
// in position order and a reader never sees position n + 1 before n.
import type pg from 'pg'
import { StoreUnavailable } from '../../../domain/errors.ts'

export const schemaName = 'targetwatch'

/** The version of the layout below, kept in targetwatch.schema_version. */
export const schemaVersion = 1

/** The NOTIFY channel a commit signals (payload: the new head). */
export const eventsChannel = 'targetwatch_events'

const layout = `
  CREATE SCHEMA IF NOT EXISTS ${schemaName};
  CREATE TABLE ${schemaName}.schema_version (version integer NOT NULL);
  CREATE TABLE ${schemaName}.log_head (
    id smallint PRIMARY KEY CHECK (id = 1),
    position bigint NOT NULL,
    recorded_at text NOT NULL
  );
  INSERT INTO ${schemaName}.log_head VALUES (1, 0, '');
  CREATE TABLE ${schemaName}.streams (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    revision bigint NOT NULL,
    last_hash bytea NOT NULL
  );
  CREATE TABLE ${schemaName}.events (
    position bigint PRIMARY KEY,
    stream_id bigint NOT NULL REFERENCES ${schemaName}.streams (id),
    revision bigint NOT NULL,
    event_id text NOT NULL,
    type text NOT NULL,
    occurred_at text NOT NULL,
    recorded_at text NOT NULL,
    data text NOT NULL,
    meta text NOT NULL,
    hash bytea NOT NULL,
    UNIQUE (stream_id, revision)
  );
  CREATE UNIQUE INDEX events_by_event_id ON ${schemaName}.events (event_id);
  CREATE TABLE ${schemaName}.leases (
    name text PRIMARY KEY,
    holder_id text NOT NULL,
    term bigint NOT NULL,
    expires_at timestamptz NOT NULL
  );
  INSERT INTO ${schemaName}.schema_version VALUES (${schemaVersion});
`

/** Creates the layout when absent; several instances starting at once take turns on an advisory lock. */
export const migrate = async (client: pg.ClientBase): Promise<void> => {
  await client.query('BEGIN')
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('targetwatch-schema'))")
    const found = await client.query<{ exists: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_version') AS exists",
      [schemaName],
    )
    if (!found.rows[0].exists) await client.query(layout)
    else {
      const { rows } = await client.query<{ version: number }>(`SELECT max(version) AS version FROM ${schemaName}.schema_version`)
      const version = rows[0]?.version ?? 0
      if (version > schemaVersion)
        throw new StoreUnavailable(`the PostgreSQL store has schema version ${version}; this build reads up to ${schemaVersion}`)
    }
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}

const eventColumns = `e.position, e.revision, e.event_id, e.type, e.occurred_at, e.recorded_at, e.data, e.meta, encode(e.hash, 'hex') AS hash, s.name AS stream`

/** Every statement of the store, by name (text, so a newcomer reads the SQL in one place). */
export const sql = {
  lockHead: `SELECT position, recorded_at FROM ${schemaName}.log_head WHERE id = 1 FOR UPDATE`,
  head: `SELECT position FROM ${schemaName}.log_head WHERE id = 1`,
  streamsByName: `SELECT name, revision, encode(last_hash, 'hex') AS last_hash FROM ${schemaName}.streams WHERE name = ANY($1::text[])`,
  eventsById:
    `SELECT e.event_id, s.name AS stream, e.type, e.data, e.revision, e.position FROM ${schemaName}.events e ` +
    `JOIN ${schemaName}.streams s ON s.id = e.stream_id WHERE e.event_id = ANY($1::text[])`,
  /** name[], revision[], last hash (hex)[]: new streams inserted, known ones moved on. */
  upsertStreams:
    `INSERT INTO ${schemaName}.streams (name, revision, last_hash) ` +
    `SELECT u.name, u.revision, decode(u.hash, 'hex') FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u (name, revision, hash) ` +
    'ON CONFLICT (name) DO UPDATE SET revision = EXCLUDED.revision, last_hash = EXCLUDED.last_hash',
  /** position[], stream name[], revision[], id[], type[], occurredAt[], recordedAt[], data[], meta[], hash (hex)[]. */
  insertEvents:
    `INSERT INTO ${schemaName}.events (position, stream_id, revision, event_id, type, occurred_at, recorded_at, data, meta, hash) ` +
    `SELECT u.position, s.id, u.revision, u.event_id, u.type, u.occurred_at, u.recorded_at, u.data, u.meta, decode(u.hash, 'hex') ` +
    'FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) ' +
    'AS u (position, stream, revision, event_id, type, occurred_at, recorded_at, data, meta, hash) ' +
    `JOIN ${schemaName}.streams s ON s.name = u.stream`,
  /** new head, last recordedAt: moved on and announced (NOTIFY is delivered at COMMIT). */
  moveHead:
    `WITH moved AS (UPDATE ${schemaName}.log_head SET position = $1, recorded_at = $2 WHERE id = 1 RETURNING position) ` +
    `SELECT pg_notify('${eventsChannel}', position::text) FROM moved`,
  /** from (exclusive), to (inclusive), limit. */
  allPage:
    `SELECT ${eventColumns} FROM ${schemaName}.events e JOIN ${schemaName}.streams s ON s.id = e.stream_id ` +
    'WHERE e.position > $1 AND e.position <= $2 ORDER BY e.position LIMIT $3',
  /** stream name, first revision, limit. */
  streamPage:
    `SELECT ${eventColumns} FROM ${schemaName}.events e JOIN ${schemaName}.streams s ON s.id = e.stream_id ` +
    'WHERE s.name = $1 AND e.revision >= $2 ORDER BY e.revision LIMIT $3',
  /** stream name[]: every event of each, in revision order (the batch path's one read). */
  streamsWhole:
    `SELECT ${eventColumns} FROM ${schemaName}.events e JOIN ${schemaName}.streams s ON s.id = e.stream_id ` +
    'WHERE s.name = ANY($1::text[]) ORDER BY e.stream_id, e.revision',
  recordedAtOf: `SELECT recorded_at FROM ${schemaName}.events WHERE position = $1`,
} as const
