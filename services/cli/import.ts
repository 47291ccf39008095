// `targetwatch import [--file F]`: an NDJSON export (stdin by default) into the configured,
// empty store. Ids, revisions, times and order are kept, so every hash comes out identical.
import { parseArgs } from 'node:util'
import { importEvents } from '../audit/import.ts'
import { inputLines } from '../audit/input-lines.ts'
import type { Config } from '../config.ts'

export const importCommand = async (config: Config, args: string[]): Promise<number> => {
  const { values } = parseArgs({ args, options: { file: { type: 'string' } } })
  if (config.store === 'memory') throw new Error('import: TARGETWATCH_STORE=memory keeps nothing; import into sqlite, postgres or eventstoredb')
  const { openStore } = await import('../services.ts')
  const store = await openStore(config, () => new Date())
  try {
    const result = await importEvents(store, inputLines(values.file))
    process.stdout.write(`${JSON.stringify({ ...result, store: config.store }, null, 2)}\n`)
    return 0
  } finally {
    await store.close()
  }
}
