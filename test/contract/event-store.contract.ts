// The one contract every EventStore adapter runs ("a factory goes in, the tests come out").
// Each test gets a fresh store from the factory and works in streams of its own, so the suite
// also runs against a shared server whose log is not empty.
import type { Test } from 'tap'
import type { EventStore } from '../../services/store/port.ts'
import { appendContract } from './append.contract.ts'
import { readContract } from './read.contract.ts'
import { subscribeContract } from './subscribe.contract.ts'

export interface StoreUnderTest {
  store: EventStore
  cleanup: () => Promise<void>
}

export type StoreFactory = (options?: { clock?: () => Date }) => Promise<StoreUnderTest>

export interface ContractOptions {
  /** Positions are 1, 2, 3, ... (memory, sqlite); EventStoreDB's are only ordered. Default true. */
  densePositions?: boolean
  /** The factory honours options.clock (embedded stores); a server stamps its own time. Default true. */
  controllableClock?: boolean
}

export interface ContractContext {
  name: string
  open: (t: Test, options?: { clock?: () => Date }) => Promise<EventStore>
  densePositions: boolean
  controllableClock: boolean
}

export const eventStoreContract = (t: Test, name: string, factory: StoreFactory, options: ContractOptions = {}): void => {
  const open = async (test: Test, factoryOptions?: { clock?: () => Date }) => {
    const { store, cleanup } = await factory(factoryOptions)
    test.teardown(cleanup)
    return store
  }
  const context: ContractContext = {
    name,
    open,
    densePositions: options.densePositions ?? true,
    controllableClock: options.controllableClock ?? true,
  }
  appendContract(t, context)
  readContract(t, context)
  subscribeContract(t, context)
}
