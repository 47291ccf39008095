// Small helpers of the contract suite: event builders, collecting async iterables, waiting.
import { randomUUID } from 'node:crypto'
import type { NewEvent } from '../../services/store/port.ts'

export const newEvent = (data: unknown = { n: 0 }, overrides: Partial<NewEvent> = {}): NewEvent => ({
  id: randomUUID(),
  type: 'ContractEventHappened',
  occurredAt: '2020-05-01T08:30:00+08:00',
  data,
  meta: { principal: 'contract-suite', requestId: randomUUID(), schemaVersion: 1 },
  ...overrides,
})

export const newEvents = (count: number, from = 0): NewEvent[] =>
  Array.from({ length: count }, (_, index) => newEvent({ n: from + index, nested: { list: [from + index, 'x'], flag: true } }))

/** A stream name no other test uses, so the suite also runs against a shared server. */
export const freshStream = (label: string): string => `${label}-${randomUUID()}`

export const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

/** The rejection of a promise, or undefined when it fulfilled: lets a test inspect the error. */
export const errorOf = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise
    return undefined
  } catch (error) {
    return error
  }
}

export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

export const waitFor = async (check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A clock the test moves by hand. */
export const manualClock = (start: string) => {
  let now = new Date(start)
  return { clock: () => new Date(now), set: (instant: string) => (now = new Date(instant)) }
}
