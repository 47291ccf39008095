// The EventStoreDB adapter runs the same contract when a server is available, and says loudly
// when it is not: a tap skip with its reason, never a pass.
import fs from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'
import type { EventStore } from '../../services/store/port.ts'
import { eventStoreContract } from './event-store.contract.ts'

const url = process.env.EVENTSTORE_URL
const adapterFile = fileURLToPath(new URL('../../services/store/eventstoredb.ts', import.meta.url))

type AdapterModule = { createEventStoreDbStore?: (options: { url: string }) => EventStore | Promise<EventStore> }

if (!url) {
  const reason =
    'EVENTSTORE_URL is not set ' +
    '(run `docker compose up -d eventstore` and EVENTSTORE_URL=esdb://localhost:2113?tls=false npm test)'
  // A tap skip with its reason: counted as skipped, not passed (issue 15 item 8).
  t.test('EventStoreDB contract suite against a real server', { skip: reason }, async () => {})
} else if (!fs.existsSync(adapterFile)) {
  t.fail(`EVENTSTORE_URL is set (${url}) but services/store/eventstoredb.ts does not exist yet: build the adapter or unset EVENTSTORE_URL`)
} else {
  // A computed specifier, so this file typechecks before the adapter exists.
  const adapter = (await import(pathToFileURL(adapterFile).href)) as AdapterModule
  const create = adapter.createEventStoreDbStore
  if (typeof create !== 'function') {
    t.fail('services/store/eventstoredb.ts must export createEventStoreDbStore({ url }): EventStore (as services/services.ts calls it)')
  } else {
    eventStoreContract(t, 'eventstoredb', async () => {
      const store = await create({ url })
      return { store, cleanup: () => store.close() }
    }, { densePositions: false, controllableClock: false })
  }
}
