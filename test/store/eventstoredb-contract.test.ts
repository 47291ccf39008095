// The one contract suite, run against the EventStoreDB adapter on the stand-in server of
// eventstoredb-fake.ts: the adapter's own logic (reservations, chains, paging, resubscribing)
// is exercised on every machine; test/contract/eventstoredb.test.ts runs it on a real server.
import t from 'tap'
import { createEventStoreDbStore } from '../../services/store/eventstoredb.ts'
import { eventStoreContract } from '../contract/event-store.contract.ts'
import { createFakeEventStoreDb } from './eventstoredb-fake.ts'

eventStoreContract(t, 'eventstoredb adapter on a stand-in server', async () => {
  const store = createEventStoreDbStore({ client: createFakeEventStoreDb().client })
  return { store, cleanup: () => store.close() }
}, { densePositions: false, controllableClock: false })
