// Pages of events in position order, read in two column groups. Folds read the type and data of
// nearly every event and the other fields of very few (system events), so a page is read with
// the light columns only: no join for the stream name, no hex of id and hash, no parse of the
// metadata. Those are read for the whole page the first time any event of it is asked for one.
// Every event still has each RecordedEvent field as an own enumerable property (an accessor until
// it is read), so spreading, cloning, comparing or serialising one shows what an eager read shows.
import { StoreUnavailable } from '../../domain/errors.ts'
import type { EventMeta, RecordedEvent } from './port.ts'
import type { HeavyRow, LightRow } from './sqlite-schema.ts'
import { decodeEventId } from './sqlite-rows.ts'

type HeavyOf = (position: number) => HeavyRow

// An assigned field simply becomes a data property, as on any other event object.
const settle = (event: object, field: string, value: unknown) =>
  Object.defineProperty(event, field, { value, writable: true, enumerable: true, configurable: true })

const lazyEvent = ([position, revision, type, occurredAt, recordedAt, data]: LightRow, heavyOf: HeavyOf): RecordedEvent => {
  let meta: EventMeta | undefined
  return {
    get id(): string {
      return decodeEventId(heavyOf(position)[1])
    },
    set id(value: string) {
      settle(this, 'id', value)
    },
    type,
    get stream(): string {
      return heavyOf(position)[4]
    },
    set stream(value: string) {
      settle(this, 'stream', value)
    },
    revision,
    position,
    occurredAt,
    recordedAt,
    data: JSON.parse(data),
    get meta(): EventMeta {
      if (meta === undefined) {
        const [, , json, hash] = heavyOf(position)
        // The hash lives only in its own column; meta holds prevHash.
        meta = { ...(JSON.parse(json) as EventMeta), hash }
      }
      return meta
    },
    set meta(value: EventMeta) {
      settle(this, 'meta', value)
    },
  }
}

/** Events of the light rows; `readHeavy(first, last)` reads the heavy group of those positions. */
export const lazyPage = (rows: LightRow[], readHeavy: (first: number, last: number) => HeavyRow[]): RecordedEvent[] => {
  if (rows.length === 0) return []
  const first = rows[0][0]
  const last = rows[rows.length - 1][0]
  let heavy: Map<number, HeavyRow> | undefined
  const heavyOf = (position: number): HeavyRow => {
    heavy ??= new Map(readHeavy(first, last).map((row) => [row[0], row]))
    const row = heavy.get(position)
    if (row === undefined) throw new StoreUnavailable(`the event at position ${position} is no longer in the log`)
    return row
  }
  return rows.map((row) => lazyEvent(row, heavyOf))
}
