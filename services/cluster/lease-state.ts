// What a lease holder or contender knows, and what it should do next: pure, so the rules read
// (and are tested) without a store or a timer. The lease lives in stream `lease-{name}`:
//   LeaseAcquired {holderId, term, ttlMs, expiresAt}  term = the revision of this event
//   LeaseRenewed  {holderId, term, ttlMs, expiresAt}
//   LeaseReleased {holderId, term}
// Every append names the revision it saw (expected revision), so two instances can never both
// acquire, and a holder that was overtaken finds out from the refusal.
//
// Expiry is judged on the contender's own clock, never on the holder's expiresAt (which is only
// written for people reading the log): a contender may take over after seeing no new lease event
// for ttlMs. The holder counts ttlMs from just before its last successful write, which precedes
// the moment any contender sees that write, so the holder's belief always ends first. Only the
// clocks' rates need to agree, not their readings.

import type { LeaseEventData } from '../../domain/system-events.ts'
export { leaseStream, type LeaseEventType } from '../../domain/system-events.ts'

/** The lease as last read from the stream. */
export interface Observed {
  /** Revision of the last lease event seen; -1 when the stream is empty. */
  revision: number
  holderId: string | null
  term: number | null
  released: boolean
  /** When (own clock, ms) this instance first saw `revision`. */
  seenAt: number
}

/** This instance's hold, while it has one. */
export interface Hold {
  term: number
  /** When the last successful acquire or renew was started (own clock, ms). */
  wroteAt: number
}

export const nothingObserved = (now: number): Observed => ({ revision: -1, holderId: null, term: null, released: false, seenAt: now })

/** Folds the lease events read after `observed.revision` into it. */
export const observe = (observed: Observed, events: ReadonlyArray<{ revision: number; type: string; data: unknown }>, now: number): Observed =>
  events.reduce<Observed>((state, event) => {
    if (event.revision <= state.revision) return state
    const data = event.data as LeaseEventData
    return { revision: event.revision, holderId: data.holderId, term: data.term, released: event.type === 'LeaseReleased', seenAt: now }
  }, observed)

/** The hold ends ttlMs after its last write started, whether or not anyone has taken over. */
export const holdsUntil = (hold: Hold, ttlMs: number): number => hold.wroteAt + ttlMs

export type Step =
  | { kind: 'acquire' }
  | { kind: 'renew' }
  | { kind: 'keep' }
  | { kind: 'wait' }
  | { kind: 'lose'; reason: 'taken' | 'expired' }

export interface Timing {
  ttlMs: number
  renewEveryMs: number
}

/** The next step for `holderId`, given what it observed, its hold (if any) and the time. */
export const nextStep = (observed: Observed, hold: Hold | null, holderId: string, now: number, { ttlMs, renewEveryMs }: Timing): Step => {
  if (hold !== null) {
    if (observed.holderId !== holderId || observed.term !== hold.term || observed.released) return { kind: 'lose', reason: 'taken' }
    if (now >= holdsUntil(hold, ttlMs)) return { kind: 'lose', reason: 'expired' }
    return now - hold.wroteAt >= renewEveryMs ? { kind: 'renew' } : { kind: 'keep' }
  }
  const free = observed.revision === -1 || observed.released || now - observed.seenAt >= ttlMs
  return free ? { kind: 'acquire' } : { kind: 'wait' }
}
