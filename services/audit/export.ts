// The history as NDJSON: one RecordedEvent per line, in position order, streamed page by page
// so memory does not grow with the log. Lines are gathered into ~64 KiB chunks: one write per
// chunk, not per event.
import type { EventStore, Position, RecordedEvent } from '../store/port.ts'

export interface ExportFilter {
  /** Events with position > from (exclusive), as readAll. */
  from?: Position
  /** ... and <= to. */
  to?: Position
  stream?: string
  type?: string
  /** recordedAt >= recordedFrom (inclusive). */
  recordedFrom?: string
  /** recordedAt <= recordedTo (inclusive). */
  recordedTo?: string
}

export type ExportReader = Pick<EventStore, 'readAll' | 'readStream'> & {
  head: () => Position | Promise<Position>
  positionAt: (instant: string) => Position | Promise<Position>
  /** Pages of events in position order, when the reader can give them cheaper than one by one. */
  readPages?: (range: { from: Position; to: Position }) => AsyncIterable<RecordedEvent[]>
}

const chunkBytes = 64 * 1024

/** The position range a filter selects, fixed when the export starts (a consistent prefix). */
export const exportRange = async (reader: ExportReader, filter: ExportFilter): Promise<{ from: Position; to: Position }> => {
  let from = filter.from ?? 0
  let to = Math.min(filter.to ?? Number.MAX_SAFE_INTEGER, await reader.head())
  // recordedAt never decreases along the log, so instants map to positions.
  if (filter.recordedFrom !== undefined)
    from = Math.max(from, await reader.positionAt(new Date(Date.parse(filter.recordedFrom) - 1).toISOString()))
  if (filter.recordedTo !== undefined) to = Math.min(to, await reader.positionAt(filter.recordedTo))
  return { from, to }
}

/** Events of the range a page at a time: the reader's own pages when it has them (raw SQLite). */
async function* pages(reader: ExportReader, filter: ExportFilter, range: { from: Position; to: Position }): AsyncGenerator<RecordedEvent[]> {
  if (range.to <= range.from) return
  if (filter.stream === undefined && reader.readPages) {
    yield* reader.readPages(range)
    return
  }
  let page: RecordedEvent[] = []
  const events = filter.stream === undefined ? reader.readAll(range) : reader.readStream(filter.stream)
  for await (const event of events) {
    if (event.position > range.to && filter.stream === undefined) break
    page.push(event)
    if (page.length >= 200) {
      yield page
      page = []
    }
  }
  yield page
}

/** NDJSON chunks of the selected events. */
export async function* exportChunks(reader: ExportReader, filter: ExportFilter = {}): AsyncGenerator<string> {
  const range = await exportRange(reader, filter)
  let chunk = ''
  for await (const page of pages(reader, filter, range))
    for (const event of page) {
      if (event.position <= range.from || event.position > range.to) continue
      if (filter.type !== undefined && event.type !== filter.type) continue
      chunk += `${JSON.stringify(event)}\n`
      if (chunk.length >= chunkBytes) {
        yield chunk
        chunk = ''
      }
    }
  if (chunk) yield chunk
}

/** Writes chunks to a stream, waiting for 'drain' whenever its buffer is full. */
export const writeChunks = async (chunks: AsyncIterable<string>, out: NodeJS.WritableStream): Promise<void> => {
  for await (const chunk of chunks) {
    if (!out.write(chunk))
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error)
        out.once('error', onError)
        out.once('drain', () => {
          out.off('error', onError)
          resolve()
        })
      })
  }
}
