// The log as the CLI reads it: the SQLite file raw and read-only (works beside a running
// service, memory stays flat), an NDJSON export, or any other store through the port.
import path from 'node:path'
import type { Config } from '../config.ts'
import type { Position, RecordedEvent } from '../store/port.ts'
import type { ExportReader } from './export.ts'
import { inputLines } from './input-lines.ts'
import { openRawLog } from './raw-sqlite.ts'
import { eventsFileName } from './verify-sources.ts'

export type LogReader = ExportReader & { close: () => Promise<void> | void }

/** The configured store (or the SQLite log in `dataDir`), for reading. */
export const openLogReader = async (config: Config, dataDir?: string): Promise<LogReader> => {
  if (dataDir !== undefined || config.store === 'sqlite') return openRawLog(path.join(dataDir ?? config.dataDir, eventsFileName))
  if (config.store === 'memory') throw new Error('TARGETWATCH_STORE=memory keeps nothing to read; give --data DIR or --file FILE')
  // Loaded only here: the composition root pulls in every service.
  const { openStore } = await import('../services.ts')
  return openStore(config, () => new Date())
}

/** Events of an NDJSON export, in file order. */
export async function* exportedEvents(file: string): AsyncGenerator<RecordedEvent> {
  let line = 0
  for await (const text of inputLines(file)) {
    line += 1
    if (text.trim() === '') continue
    try {
      yield JSON.parse(text) as RecordedEvent
    } catch (error) {
      throw new Error(`${file} line ${line}: not JSON (${(error as Error).message})`)
    }
  }
}

/** The last position recorded at or before `instant` in an export (recordedAt never decreases). */
export const exportPositionAt = async (file: string, instant: string): Promise<Position> => {
  const limit = new Date(instant).toISOString()
  let position = 0
  for await (const event of exportedEvents(file)) {
    if (event.recordedAt > limit) break
    position = event.position
  }
  return position
}
