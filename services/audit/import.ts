// Import of an NDJSON export into an empty store (any adapter): ids, stream revisions, times
// (NewEvent.recordedAt) and order are preserved, so every hash comes out identical. Each
// window of appends is read back and compared with the export before the next one starts.
import { DomainError, ValidationError } from '../../domain/errors.ts'
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
  // The store derives prevHash and hash itself; the rest of meta travels as recorded.
  const { prevHash: _prevHash, hash: _hash, ...meta } = event.meta as EventMeta
  return { id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data, meta, recordedAt: event.recordedAt }
}

const sameRecord = (stored: RecordedEvent, exported: RecordedEvent): string | null => {
  for (const field of ['id', 'stream', 'revision', 'position', 'type', 'occurredAt', 'recordedAt'] as const)
    if (stored[field] !== exported[field]) return `${field} is ${String(stored[field])}, the export says ${String(exported[field])}`
  if (stored.meta.hash !== exported.meta.hash) return `hash is ${stored.meta.hash}, the export says ${exported.meta.hash}`
  return null
}

export interface ImportOptions {
  /** Appends in flight at once; the embedded stores keep call order, others get 1. */
  window?: number
}

export const importEvents = async (store: EventStore, lines: AsyncIterable<string>, options: ImportOptions = {}): Promise<ImportResult> => {
  const head = await store.head()
  if (head !== 0) throw new ImportError(`the target store is not empty (head ${head}); import needs an empty store`, { head })
  const window = options.window ?? (store.kind === 'memory' || store.kind === 'sqlite' ? 500 : 1)
  let batch: RecordedEvent[] = []
  let imported = 0

  const settle = async () => {
    if (batch.length === 0) return
    const results = await Promise.allSettled(
      batch.map((event) => store.append(event.stream, [toNewEvent(event)], event.revision === 0 ? 'no_stream' : event.revision - 1)),
    )
    const failed = results.findIndex((r) => r.status === 'rejected')
    if (failed >= 0) {
      const reason = (results[failed] as PromiseRejectedResult).reason as Error
      throw new ImportError(`position ${batch[failed].position}: ${reason.message}; the store now holds a partial import, start again with an empty one`, {
        position: batch[failed].position,
      })
    }
    let index = 0
    for await (const stored of store.readAll({ from: batch[0].position - 1, to: batch[batch.length - 1].position })) {
      const difference = sameRecord(stored, batch[index])
      if (difference) throw new ImportError(`position ${batch[index].position}: ${difference}`, { position: batch[index].position })
      index += 1
    }
    if (index !== batch.length) throw new ImportError(`the store holds ${index} of the last ${batch.length} events imported`)
    imported += batch.length
    batch = []
  }

  let lineNumber = 0
  for await (const line of lines) {
    lineNumber += 1
    if (line.trim() === '') continue
    const event = asExported(line, lineNumber)
    const expected = imported + batch.length + 1
    if (event.position !== expected)
      throw new ImportError(`line ${lineNumber}: position ${event.position} where ${expected} was due; import takes a complete export, from position 1`, {
        line: lineNumber,
      })
    batch.push(event)
    if (batch.length >= window) await settle()
  }
  await settle()
  return { imported, head: await store.head() }
}
