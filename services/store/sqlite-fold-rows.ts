// The SQLite side of the fold column (docs/ARCHITECTURE.md, section 3, "The fold column"): the
// backfill of a layout-1 file, and the narrow read the runner's rebuild folds from. A row of a
// fact type with a fold is read as position, type, recorded_at and fold; every other row (system
// events, facts whose data has no exact fold, rows of an upgrade cut short) is read whole, as
// readAll reads it, so what the projections see never depends on which rows have a fold.
import type Database from 'better-sqlite3'
import { decodeFold, encodeFold, foldTypes } from '../../projections/compact-facts.ts'
import type { EventMeta, RecordedEvent } from './port.ts'
import { rowToEvent } from './sqlite-rows.ts'

const backfillBatch = 5000

/**
 * Fills `fold` for every fact row that has none, in batches of its own transaction each (the WAL
 * stays small; an upgrade cut short leaves rows that read from their data, and the next open
 * goes on). Returns the number of rows given a fold.
 */
export const backfillFolds = (db: Database.Database): number => {
  const types = foldTypes()
  const marks = types.map(() => '?').join(', ')
  const pending = db
    .prepare<unknown[], [number, string, string]>(
      `SELECT position, type, data FROM events WHERE position > ? AND fold IS NULL AND type IN (${marks}) ORDER BY position LIMIT ${backfillBatch}`,
    )
    .raw()
  const setFold = db.prepare<[string, number]>('UPDATE events SET fold = ? WHERE position = ?')
  let from = 0
  let filled = 0
  const batch = db.transaction((rows: [number, string, string][]) => {
    for (const [position, type, data] of rows) {
      const fold = encodeFold(type, JSON.parse(data))
      if (fold !== null) {
        setFold.run(fold, position)
        filled++
      }
    }
  })
  for (;;) {
    const rows = pending.all(from, ...types)
    if (rows.length === 0) return filled
    batch.immediate(rows)
    from = rows[rows.length - 1]![0]
  }
}

/** The whole row of one position, as readAll gives it (for the rows without a fold, and lazily). */
type WholeRow = (position: number) => RecordedEvent

/**
 * An event folded from its fold: position, type, recordedAt and the folded fields of data are
 * read with the row; id, stream, revision, occurredAt and meta are read on first use (a snapshot
 * anchor, a listener), from the whole row. `data` holds only the folded fields.
 */
class FoldedEvent {
  #whole: RecordedEvent | undefined
  constructor(
    readonly position: number,
    readonly type: string,
    readonly recordedAt: string,
    readonly data: Record<string, unknown>,
    private readonly wholeRow: WholeRow,
  ) {}
  #full(): RecordedEvent {
    return (this.#whole ??= this.wholeRow(this.position))
  }
  get id(): string {
    return this.#full().id
  }
  get stream(): string {
    return this.#full().stream
  }
  get revision(): number {
    return this.#full().revision
  }
  get occurredAt(): string {
    return this.#full().occurredAt
  }
  get meta(): EventMeta {
    return this.#full().meta
  }
}

export interface FoldReader {
  /** Events after `from` (exclusive), at most `limit`, in position order. */
  page(from: number, limit: number): RecordedEvent[]
}

/** The fold reader over a store's connection (read-only statements; the store owns the writes). */
export const createFoldReader = (db: Database.Database): FoldReader => {
  const narrow = db
    .prepare<[number, number], [number, string, string, string | null]>(
      'SELECT position, type, recorded_at, fold FROM events WHERE position > ? ORDER BY position LIMIT ?',
    )
    .raw()
  const whole = db
    .prepare<[number], unknown[]>(
      'SELECT events.position, events.stream_id, events.revision, type, occurred_at, recorded_at, data, meta, ' +
        "CASE typeof(event_id) WHEN 'blob' THEN hex(event_id || hash) ELSE ':' || hex(hash) || event_id END, streams.name " +
        'FROM events JOIN streams ON streams.id = events.stream_id WHERE events.position = ?',
    )
    .raw()
  const wholeRow: WholeRow = (position) => {
    const row = whole.get(position)
    if (row === undefined) throw new Error(`no event at position ${position}`)
    return rowToEvent(row, missingName)
  }
  return {
    page: (from, limit) =>
      narrow
        .all(from, limit)
        .map(([position, type, recordedAt, fold]) =>
          fold === null ? wholeRow(position) : (new FoldedEvent(position, type, recordedAt, decodeFold(type, fold), wholeRow) as unknown as RecordedEvent),
        ),
  }
}

const missingName = (id: number): string => {
  throw new Error(`stream id ${id}: the row carries no stream name`)
}
