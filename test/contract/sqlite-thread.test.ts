import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { eventStoreContract } from './event-store.contract.ts'

// The same contract with the writer on its own thread (the service's default): every append
// crosses to the writer thread and back; reads stay on the test's thread.
eventStoreContract(t, 'sqlite (writer thread)', async (options) => {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'targetwatch-contract-thread-'))
  const store = createSqliteStore({ file: path.join(directory, 'events.db'), ...options, writer: 'thread' })
  t.equal(store.writer, 'thread', 'the writer runs on its own thread')
  return {
    store,
    cleanup: async () => {
      await store.close()
      fs.rmSync(directory, { recursive: true, force: true })
    },
  }
})
