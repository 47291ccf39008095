import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { eventStoreContract } from './event-store.contract.ts'

// A real file in a fresh temp directory per test, so WAL and fsync are exercised.
eventStoreContract(t, 'sqlite', async (options) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-contract-'))
  const store = createSqliteStore({ file: path.join(directory, 'events.db'), ...options })
  return {
    store,
    cleanup: async () => {
      await store.close()
      fs.rmSync(directory, { recursive: true, force: true })
    },
  }
})
