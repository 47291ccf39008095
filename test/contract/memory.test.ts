import t from 'tap'
import { createMemoryStore } from '../../services/store/memory.ts'
import { eventStoreContract } from './event-store.contract.ts'

eventStoreContract(t, 'memory', async (options) => {
  const store = createMemoryStore(options)
  return { store, cleanup: () => store.close() }
})
