// Import of an NDJSON export into an empty store (any adapter): ids, stream revisions, times
// (NewEvent.recordedAt) and order are preserved, so every hash comes out identical. Each
// window of appends is read back and compared with the export before the next one starts.
import { DomainError, ValidationError } from '../../domain/errors.ts'
import { hashVersionOf } from '../store/hashing.ts'
import type { EventMeta, EventStore, NewEvent, RecordedEvent } from '../store/port.ts'

export class ImportError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('IMPORT_FAILED', 422, message, details)
  }
}

export interface ImportResult {
  imported: number
  head: number
}

const asExported = (line: string, lineNumber: number): RecordedEvent => {
  let value: RecordedEvent
  try {
    value = JSON.parse(line) as RecordedEvent
  } catch (error) {
    throw new ValidationError(`line ${lineNumber}: not JSON (${(error as Error).message})`)
  }
  const fields: [keyof RecordedEvent, string][] = [
    ['id', 'string'], ['type', 'string'], ['stream', 'string'], ['revision', 'number'], ['position', 'number'],
    ['occurredAt', 'string'], ['recordedAt', 'string'], ['meta', 'object'],
  ]
  for (const [field, type] of fields)
    if (typeof value?.[field] !== type || value[field] === null) throw new ValidationError(`line ${lineNumber}: ${field} must be a ${type}`)
  if (typeof value.meta.hash !== 'string') throw new ValidationError(`line ${lineNumber}: meta.hash must be a string`)
  return value
}

const toNewEvent = (event: RecordedEvent): NewEvent => {
  // The store derives prevHash and hash itself; the rest of meta travels as recorded, with the
  // hash version the event was written with (an export of a v1 log stays v1).
  const { prevHash: _prevHash, hash: _hash, ...meta } = event.meta as EventMeta
  return { id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data, meta: { ...meta, hashVersion: hashVersionOf(event.meta) }, recordedAt: event.recordedAt }
}

const sameRecord = (stored: RecordedEvent, exported: RecordedEvent, comparePositions: boolean): string | null => {
  const fields = ['id', 'stream', 'revision', 'type', 'occurredAt', 'recordedAt', ...(comparePositions ? ['position' as const] : [])] as const
  for (const field of fields)
    if (stored[field] !== exported[field]) return `${field} is ${String(stored[field])}, the export says ${String(exported[field])}`
  if (stored.meta.hash !== exported.meta.hash) return `hash is ${stored.meta.hash}, the export says ${exported.meta.hash}`
  return null
}

/** The embedded stores and PostgreSQL number the log 1, 2, 3, ...; EventStoreDB's positions are only ordered. */
const numbersDensely = (store: EventStore) => store.kind === 'memory' || store.kind === 'sqlite' || store.kind === 'postgres'

export interface ImportOptions {
  /** Appends in flight at once; the embedded stores and PostgreSQL (one group-commit queue) keep call order, others get 1. */
  window?: number
}

export const importEvents = async (store: EventStore, lines: AsyncIterable<string> | Iterable<string>, options: ImportOptions = {}): Promise<ImportResult> => {
  const head = await store.head()
  if (head !== 0) throw new ImportError(`the target store is not empty (head ${head}); import needs an empty store`, { head })
  const dense = numbersDensely(store)
  const window = options.window ?? (dense ? 500 : 1)
  let batch: RecordedEvent[] = []
  let imported = 0
  // An export that starts at position 1 is of a dense store: it must be complete, and a dense
  // target must give every event the same position. EventStoreDB's positions are only ordered.
  let denseExport: boolean | null = null
  let lastPosition = 0

  const settle = async () => {
    if (batch.length === 0) return
    const results = await Promise.allSettled(
      batch.map((event) => store.append(event.stream, [toNewEvent(event)], event.revision === 0 ? 'no_stream' : event.revision - 1)),
    )
    for (const [index, result] of results.entries()) {
      const event = batch[index]
      if (result.status === 'rejected')
        throw new ImportError(`position ${event.position}: ${(result.reason as Error).message}; the store now holds a partial import, start again with an empty one`, {
          position: event.position,
        })
      let stored: RecordedEvent | undefined
      for await (const found of store.readStream(event.stream, { fromRevision: event.revision, limit: 1 })) stored = found
      const samePositions = dense && denseExport === true
      const difference = stored ? sameRecord(stored, event, samePositions) : 'it was not found after its append'
      if (!difference && samePositions && result.value.positions[0] !== event.position)
        throw new ImportError(`position ${event.position}: recorded at position ${result.value.positions[0]}`, { position: event.position })
      if (difference) throw new ImportError(`position ${event.position}: ${difference}`, { position: event.position })
    }
    imported += batch.length
    batch = []
  }

  let lineNumber = 0
  for await (const line of lines) {
    lineNumber += 1
    if (line.trim() === '') continue
    const event = asExported(line, lineNumber)
    if (event.position <= lastPosition)
      throw new ImportError(`line ${lineNumber}: position ${event.position} after ${lastPosition}; an export is in position order`, { line: lineNumber })
    denseExport ??= event.position === 1
    if (denseExport && event.position !== lastPosition + 1)
      throw new ImportError(`line ${lineNumber}: position ${event.position} where ${lastPosition + 1} was due; import takes a complete export, from position 1`, {
        line: lineNumber,
      })
    lastPosition = event.position
    batch.push(event)
    if (batch.length >= window) await settle()
  }
  await settle()
  return { imported, head: await store.head() }
}
