// The event-id table and its tail (docs/ARCHITECTURE.md, section 3): idempotency needs every
// recorded id findable, but a b-tree keyed by random uuids costs a random leaf page per event in
// every commit. So a row's id enters event_ids (sqlite-schema.ts) only when the writer merges the
// tail: the newest rows, whose ids the writer holds in memory. A merge copies the whole tail at
// once, so the pages it touches are written once per merge, not once per event, and the rows of
// the log are not written again. Merges go from the last merged position (event_ids_merged) to
// the head, so the tail is always the log's suffix: it is rebuilt after a crash from that suffix
// (a rowid range scan), and rows another connection wrote are picked up by position before each
// group.
import type Database from 'better-sqlite3'
import type { Statements } from './sqlite-schema.ts'
import { isPackedEventId } from './sqlite-rows.ts'

/**
 * The tail is merged once it holds this many ids. A merge of random ids touches about every leaf of
 * event_ids while that table is small (a leaf holds ~170 ids), so a merge costs about the same
 * however few ids it carries: merging rarely, in large tails, is what keeps it cheap per id. The map
 * of 32,768 ids is ~3 MB, and a crash leaves at most that many rows to read back at the next opening.
 */
export const tailMergedAt = 32_768

/** An id as the writer handles it, from one test of its shape: the tail's key and the form it is stored in. */
export interface StoredId {
  /** The 32 hex digits of a packed uuid, or ':' and the id (tailIdsAfter builds the same in SQL). */
  key: string
  /** 16 bytes for a packed uuid (sqlite-rows.ts), else the id as text. */
  stored: Buffer | string
}

export const storedId = (id: string): StoredId => {
  if (!isPackedEventId(id)) return { key: `:${id}`, stored: id }
  const key = id.replaceAll('-', '')
  return { key, stored: Buffer.from(key, 'hex') }
}

/** The tail's key of an id as stored (16 bytes, or text), for readers of the raw file. */
export const tailKeyOfStored = (stored: Buffer | string): string => (typeof stored === 'string' ? `:${stored}` : stored.toString('hex'))

/**
 * Copies the ids of every row after the last merged one up to the head into event_ids, in one
 * IMMEDIATE transaction; the last merged position is read inside it, so two connections on one
 * file never copy a row twice. Returns the head merged to.
 */
export const mergeIdTail = (db: Database.Database, sql: Statements): number =>
  db
    .transaction(() => {
      const head = sql.head.get() as number
      const through = sql.mergedThrough.get() as number
      if (through < head) {
        sql.mergeIds.run(through, head)
        sql.setMergedThrough.run(head)
      }
      return head
    })
    .immediate()

export interface IdTail {
  /** Where an id is recorded: the tail's map, else event_ids. */
  positionOf(id: StoredId): number | undefined
  /** Whether any of the ids is recorded: the map, then one query of event_ids per (up to) 64 ids. */
  anyRecorded(ids: readonly StoredId[]): boolean
  /** At the start of a write transaction: takes in the rows other connections wrote since. */
  sync(): void
  /** A row this writer inserted. */
  add(id: StoredId, position: number): void
  /** The group's transaction rolled back: forgets the rows it added. */
  rollback(): void
  /** After a commit: merges the tail into event_ids once it is long enough (its own transaction). */
  afterCommit(): void
}

/** The most ids one probe of event_ids binds (SQLite allows 32,766 parameters; statements are prepared per count). */
const probeSize = 64

export const createIdTail = (db: Database.Database, sql: Statements): IdTail => {
  const ids = new Map<string, number>()
  const probes: Database.Statement<(Buffer | string)[], number>[] = []
  const probe = (count: number) =>
    (probes[count] ??= db.prepare<(Buffer | string)[], number>(`SELECT 1 FROM event_ids WHERE event_id IN (${Array(count).fill('?').join(', ')}) LIMIT 1`).pluck())
  let head = 0
  let added: string[] = []
  let committedHead = 0

  const load = () => {
    ids.clear()
    head = sql.head.get() as number
    for (const [key, position] of sql.tailIdsAfter.all(sql.mergedThrough.get() as number)) ids.set(key, position)
    committedHead = head
  }
  load()

  return {
    positionOf: ({ key, stored }) => ids.get(key) ?? (sql.mergedPositionOf.get(stored) as number | undefined),
    anyRecorded: (candidates) => {
      for (const { key } of candidates) if (ids.has(key)) return true
      for (let from = 0; from < candidates.length; from += probeSize) {
        const stored = candidates.slice(from, from + probeSize).map((id) => id.stored)
        if (probe(stored.length).get(...stored) !== undefined) return true
      }
      return false
    },
    sync: () => {
      added = []
      const now = sql.head.get() as number
      if (now === head) return
      // Rows another connection committed (a second store on the file, another process).
      if (now < head) return load()
      for (const [key, position] of sql.tailIdsAfter.all(head)) ids.set(key, position)
      head = now
      committedHead = now
    },
    add: ({ key }, position) => {
      ids.set(key, position)
      added.push(key)
      head = position
    },
    rollback: () => {
      for (const key of added) ids.delete(key)
      added = []
      head = committedHead
    },
    afterCommit: () => {
      committedHead = head
      if (ids.size < tailMergedAt) return
      try {
        const merged = mergeIdTail(db, sql)
        // A group can only follow this merge, so every id in the map is now in event_ids.
        ids.clear()
        head = merged
        committedHead = merged
      } catch {
        // Disk full or busy: the tail stays in memory and in the log, and the next commit tries again.
      }
    },
  }
}
