// Seeds a SQLite log with generated facts through the store's own append path (so every row and
// hash is exactly what the service writes), many appends per group commit. The store's clock
// follows the facts through 2020, so asOf queries land on real positions of the log. The one
// liberty taken for speed: no fsync and a large page cache on the seeding connection (a benchmark
// log needs no durability while it is written); the file is checkpointed and closed as usual.
import { createSqliteStore } from '../../services/store/sqlite.ts'
import type { NewEvent } from '../../services/store/port.ts'
import { createGenerator, type GeneratedFact } from './generator.ts'

export const benchPrincipal = 'benchreport1'
const appendsPerCommit = 4000

const toNewEvent = (fact: GeneratedFact, requestId: string): NewEvent => ({
  id: fact.submitted.id,
  type: fact.submitted.type,
  occurredAt: fact.instant,
  data: fact.recorded,
  meta: { principal: benchPrincipal, requestId, schemaVersion: 1 },
})

/** Appends `count` generated facts (positions 1..count) to a new log at `file`. */
export const seedLog = async (file: string, count: number, onProgress?: (written: number) => void): Promise<void> => {
  let now = new Date('2020-01-01T00:00:00+08:00')
  const store = createSqliteStore({ file, clock: () => now })
  store.database.pragma('synchronous = OFF')
  store.database.pragma('cache_size = -1048576')
  const generator = createGenerator({ total: count })
  try {
    for (let written = 0; written < count; ) {
      const group: Promise<unknown>[] = []
      const requestId = `seed-${written}`
      for (let i = 0; i < appendsPerCommit && written < count; i++, written++) {
        const fact = generator.next()
        if (i === 0) now = new Date(fact.instant)
        group.push(store.append(fact.stream, [toNewEvent(fact, requestId)], fact.revisionBefore < 0 ? 'no_stream' : fact.revisionBefore))
      }
      await Promise.all(group)
      onProgress?.(written)
    }
  } finally {
    await store.close()
  }
}
