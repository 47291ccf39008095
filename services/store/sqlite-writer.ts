// The write side of the SQLite store: one group of appends judged and written in one IMMEDIATE
// transaction (one fsync), each append on its own. It runs on whichever thread owns the write
// connection: the store's own (inline) or its writer thread (sqlite-writer-thread.ts).
// An append needs no savepoint: it is judged before it writes (ids through the tail and the
// event-id table, sqlite-id-tail.ts; the expected revision), so its inserts cannot be refused, and
// anything else (disk, I/O) rolls back the whole group. The common append (new ids) costs one
// stream lookup, one lookup of event_ids per 64 of its ids and its inserts.
import type Database from 'better-sqlite3'
import { DomainError } from '../../domain/errors.ts'
import {
  checkExpectedRevision,
  expectedRevisionHolds,
  judgeReplay,
  noStream,
  stampRecordedAt,
  type PreparedEvent,
  type RecordedIdentity,
} from './append-rules.ts'
import { canonicalMeta, currentHashVersion, eventHashOfCanonicalParts, genesisHash } from './hashing.ts'
import type { AppendResult, ExpectedRevision } from './port.ts'
import { toStoreError } from './sqlite-errors.ts'
import { createIdTail, storedId, type StoredId } from './sqlite-id-tail.ts'
import { checkpointPragma, prepareStatements } from './sqlite-schema.ts'
import { encodeFold } from '../../projections/compact-facts.ts'

/** One append as the writer receives it: validated and canonicalised already (prepareAppend). */
export interface WriteRequest {
  stream: string
  prepared: PreparedEvent[]
  expected: ExpectedRevision
}

/** Each append's answer: written (count events, 0 when idempotent) or refused by a rule. */
export type WriteOutcome = { ok: true; result: AppendResult; count: number } | { ok: false; error: DomainError }

/** A group's answer: one outcome per append, or the failure that rolled the whole group back. */
export type GroupResult = { outcomes: WriteOutcome[] } | { failure: unknown }

type StreamRow = { id: number; revision: number; last_hash: string }

/**
 * Writes groups through `db`. `now` is the store clock's reading for the group (taken by the
 * store, so a writer thread needs no clock). Never throws: a failure of the group is its result.
 */
export const createSqliteWriter = (db: Database.Database): ((group: WriteRequest[], now: string) => GroupResult) => {
  // Only the connection that writes the groups checkpoints on commit (sqlite-schema.ts).
  db.pragma(checkpointPragma)
  const sql = prepareStatements(db)

  const tail = createIdTail(db, sql)

  /** What the log knows about an id, for judging a possible retry. */
  const recordedIdentity = (stream: string, row: StreamRow | undefined) => (id: string): RecordedIdentity | undefined => {
    const position = tail.positionOf(storedId(id))
    if (position === undefined) return undefined
    const found = sql.eventAt.get(position)!
    const owner = found.stream_id === row?.id ? stream : (sql.streamName.get(found.stream_id) as string)
    return { stream: owner, type: found.type, dataJson: found.data, revision: found.revision, position: found.position }
  }

  const writeEvents = (item: WriteRequest, row: StreamRow | undefined, ids: StoredId[], recordedAts: string[]): number[] => {
    const { stream, prepared } = item
    const current = row?.revision ?? noStream
    let prevHash = row?.last_hash ?? genesisHash
    const chained = prepared.map(({ event, dataJson }, index) => {
      const revision = current + 1 + index
      const hashVersion = event.meta.hashVersion ?? currentHashVersion
      // The meta is stored as its canonical text, the same the hash covers: encoded once.
      const meta = canonicalMeta(event.meta, prevHash, hashVersion)
      const fields = { id: event.id, type: event.type, stream, revision, occurredAt: event.occurredAt, recordedAt: recordedAts[index] }
      const hash = eventHashOfCanonicalParts(prevHash, fields, hashVersion, meta, dataJson)
      prevHash = hash
      return { revision, hash, meta }
    })
    const nextRevision = current + prepared.length
    // A new stream's row is written once, already at its last revision and hash.
    const streamId = row?.id ?? Number(sql.insertStream.run(stream, nextRevision, prevHash).lastInsertRowid)
    const positions = prepared.map(({ event, dataJson }, index) => {
      const { revision, hash, meta } = chained[index]
      const fold = encodeFold(event.type, event.data)
      const id = ids[index]
      const position = Number(sql.insertEvent.run(streamId, revision, id.stored, event.type, event.occurredAt, recordedAts[index], dataJson, meta, hash, fold).lastInsertRowid)
      tail.add(id, position)
      return position
    })
    if (row !== undefined) sql.updateStream.run(nextRevision, prevHash, row.id)
    return positions
  }

  const appendOne = (item: WriteRequest, now: string, last: string): { result: AppendResult; count: number; last: string } => {
    const { stream, prepared, expected } = item
    const row = sql.streamByName.get(stream)
    const current = row?.revision ?? noStream
    // A retry carries the expectation it was first sent with: an append whose revision does not
    // hold, or one of whose ids is recorded, is judged as a replay first (the same append again is
    // answered as it was; any other overlap is an IdConflict).
    const ids = prepared.map(({ event }) => storedId(event.id))
    if (!expectedRevisionHolds(expected, current) || tail.anyRecorded(ids)) {
      const replay = judgeReplay(stream, prepared, recordedIdentity(stream, row))
      if (replay !== null) return { result: replay, count: 0, last }
      checkExpectedRevision(stream, expected, current)
    }
    if (prepared.length === 0) return { result: { nextRevision: current, positions: [], idempotent: false }, count: 0, last }
    let stamped = last
    const recordedAts = prepared.map(({ recordedAt, event }) => (stamped = stampRecordedAt(recordedAt, now, stamped, event.id)))
    const positions = writeEvents(item, row, ids, recordedAts)
    return { result: { nextRevision: current + prepared.length, positions, idempotent: false }, count: prepared.length, last: stamped }
  }

  const writeGroup = db.transaction((group: WriteRequest[], now: string): WriteOutcome[] => {
    tail.sync()
    let last = sql.lastRecordedAt.get() ?? ''
    return group.map((item): WriteOutcome => {
      try {
        const written = appendOne(item, now, last)
        last = written.last
        return { ok: true, result: written.result, count: written.count }
      } catch (error) {
        // Rule violations belong to one append; anything else (disk, I/O) aborts the whole group.
        if (error instanceof DomainError) return { ok: false, error }
        throw error
      }
    })
  })

  return (group, now) => {
    try {
      // IMMEDIATE takes the write lock up front, so another process cannot deadlock the upgrade.
      const outcomes = writeGroup.immediate(group, now)
      tail.afterCommit()
      return { outcomes }
    } catch (error) {
      tail.rollback()
      return { failure: toStoreError(error, 'write', `the batch of ${group.length} append(s) was rolled back, nothing was written`) }
    }
  }
}

/** Where the store's writes run: `write` calls `done` once per group, synchronously when inline. */
export interface SqliteWriter {
  readonly where: 'inline' | 'thread'
  /** Resolves once the write connection is open (rejects with why it could not be). */
  ready(): Promise<void>
  write(group: WriteRequest[], now: string, done: (result: GroupResult) => void): void
  /** A PRAGMA on the write connection (e.g. max_page_count, synchronous), kept for its life. */
  pragma(source: string): Promise<unknown>
  close(): Promise<void>
}

/** The writer on the store's own connection and thread: each group blocks the event loop until its COMMIT. */
export const inlineWriter = (db: Database.Database): SqliteWriter => {
  const writeGroup = createSqliteWriter(db)
  return {
    where: 'inline',
    ready: async () => {},
    write: (group, now, done) => done(writeGroup(group, now)),
    pragma: async (source) => db.pragma(source, { simple: true }),
    close: async () => {},
  }
}
