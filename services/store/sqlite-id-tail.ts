// The event-id index and its tail (docs/ARCHITECTURE.md, section 3): idempotency by id needs every
// recorded id findable, but a unique index on random uuids costs a random leaf page per event in
// every commit. So a row enters the index (the partial events_by_event_id, sqlite-schema.ts) only
// when the writer merges the tail: the newest rows, inserted with id_indexed = 0, whose ids the
// writer holds in memory. A merge marks the whole tail at once, so the index pages it touches are
// written once per merge, not once per event. Positions are dense and merges go from the oldest
// unindexed row to the head, so the unindexed rows are always the log's suffix: the tail is
// rebuilt after a crash from that suffix (a rowid range scan), and rows another connection wrote
// are picked up by position before each group.
import type Database from 'better-sqlite3'
import type { Statements } from './sqlite-schema.ts'
import { isPackedEventId } from './sqlite-rows.ts'

/** The tail is merged once it holds this share of the indexed ids, within the bounds below. */
const mergeShare = 16
export const minimumTail = 4096
const maximumTail = 32_768

/** An id as the tail holds it: the 32 hex digits of a packed uuid, or ':' and the id (tailIdsAfter builds the same in SQL). */
const tailKey = (id: string): string => (isPackedEventId(id) ? id.replaceAll('-', '') : `:${id}`)

/** The tail's key of an id as stored (16 bytes, or text), for readers of the raw file. */
export const tailKeyOfStored = (stored: Buffer | string): string => (typeof stored === 'string' ? `:${stored}` : stored.toString('hex'))

/** The tail's key and the stored form of an id, from one test of its shape. */
const keyAndStored = (id: string): [string, Buffer | string] => {
  const key = tailKey(id)
  return key.charCodeAt(0) === 58 ? [key, id] : [key, Buffer.from(key, 'hex')]
}

/** The first unindexed position (head + 1 when every row is indexed): a binary search, the unindexed rows being a suffix. */
const firstUnindexed = (sql: Statements, head: number): number => {
  let low = 1
  let high = head + 1
  while (low < high) {
    const middle = Math.floor((low + high) / 2)
    if (sql.idIndexedAt.get(middle) === 0) high = middle
    else low = middle + 1
  }
  return low
}

/** Marks every row after `from - 1` up to the head indexed, in one IMMEDIATE transaction. Returns the head merged to. */
export const mergeIdTail = (db: Database.Database, sql: Statements, from?: number): number =>
  db
    .transaction(() => {
      const head = sql.head.get() as number
      const start = from ?? firstUnindexed(sql, head)
      if (start <= head) sql.indexIds.run(start - 1, head)
      return head
    })
    .immediate()

export interface IdTail {
  /** Where an id is recorded: the tail's map, else the index. */
  positionOf(id: string): number | undefined
  /** At the start of a write transaction: takes in the rows other connections wrote since. */
  sync(): void
  /** A row this writer inserted. */
  add(id: string, position: number): void
  /** The group's transaction rolled back: forgets the rows it added. */
  rollback(): void
  /** After a commit: merges the tail into the index once it is long enough (its own transaction). */
  afterCommit(): void
}

export const createIdTail = (db: Database.Database, sql: Statements): IdTail => {
  const ids = new Map<string, number>()
  let head = 0
  let start = 1
  let added: string[] = []
  let committedHead = 0

  const load = () => {
    ids.clear()
    head = sql.head.get() as number
    start = firstUnindexed(sql, head)
    for (const [key, position] of sql.tailIdsAfter.all(start - 1)) ids.set(key, position)
    committedHead = head
  }
  load()

  return {
    positionOf: (id) => {
      const [key, stored] = keyAndStored(id)
      return ids.get(key) ?? (sql.indexedPositionOf.get(stored) as number | undefined)
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
    add: (id, position) => {
      const key = tailKey(id)
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
      if (ids.size < Math.min(maximumTail, Math.max(minimumTail, Math.floor((start - 1) / mergeShare)))) return
      try {
        const merged = mergeIdTail(db, sql, start)
        // A group can only follow this merge, so every id in the map is now in the index.
        ids.clear()
        start = merged + 1
        head = merged
        committedHead = merged
      } catch {
        // Disk full or busy: the tail stays in memory and in the log, and the next commit tries again.
      }
    },
  }
}
