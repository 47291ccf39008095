// Stream `entity-{uscc}`: a market entity is registered once.
import { InvariantViolation } from '../errors.ts'
import type { ClientEventDataOf } from '../events.ts'
import { assertDateNotFuture } from './business-dates.ts'
import type { Decider } from './decider.ts'

type EntityEvent = { type: 'MarketEntityRegistered'; data: ClientEventDataOf<'MarketEntityRegistered'> }

export interface MarketEntityState {
  registered: boolean
}

export const marketEntityDecider: Decider<MarketEntityState, EntityEvent> = {
  initialState: () => ({ registered: false }),
  evolve: (state, event) => (event.type === 'MarketEntityRegistered' ? { registered: true } : state),
  regionOf: (_state, event) => event.data.region,
  decide: (state, event, context) => {
    if (state.registered)
      throw new InvariantViolation('ENTITY_ALREADY_REGISTERED', `data.uscc: ${event.data.uscc} is already registered`, {
        uscc: event.data.uscc,
      })
    assertDateNotFuture('data.registeredOn', event.data.registeredOn, context.now)
    return { type: event.type, data: event.data }
  },
}
