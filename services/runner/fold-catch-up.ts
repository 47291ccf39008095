// The rebuild's fast path (README "Performance"; docs/ARCHITECTURE.md, section 3, "The fold
// column"): on a SQLite log, catch-up reads each fact's compact fold with a narrow SELECT and folds
// that, never parsing its data; rows without a fold arrive whole. Other stores have no fold column:
// foldReaderOf gives null and the runner catches up through the subscription as before. Both paths
// give the same state (test/runner/fold-catch-up.test.ts).
import { setImmediate as nextTurn } from 'node:timers/promises'
import type { EventStore, Position, RecordedEvent } from '../store/port.ts'
import { createFoldReader, type FoldReader } from '../store/sqlite-fold-rows.ts'

const pageSize = 2000

/** The fold reader of a store that has the column (the SQLite store), else null. */
export const foldReaderOf = (store: EventStore): FoldReader | null => {
  const database = (store as { database?: unknown }).database
  return store.kind === 'sqlite' && database !== undefined ? createFoldReader(database as Parameters<typeof createFoldReader>[0]) : null
}

/**
 * Folds every event after `from` up to the head, page by page, yielding to the event loop between
 * pages; stops early when `keepGoing` says no (the subscription then takes over from where this
 * stopped). Returns the position reached.
 */
export const foldCatchUp = async (
  reader: FoldReader,
  from: Position,
  apply: (event: RecordedEvent) => void,
  keepGoing: () => boolean,
): Promise<Position> => {
  let position = from
  while (keepGoing()) {
    const page = reader.page(position, pageSize)
    for (const event of page) apply(event)
    if (page.length > 0) position = page[page.length - 1]!.position
    if (page.length < pageSize) break
    await nextTurn()
  }
  return position
}
