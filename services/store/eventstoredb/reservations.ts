// Event ids are unique across the whole log, as the embedded stores' unique index makes them.
// EventStoreDB has no index by event id, so each id gets a reservation stream, appended to with
// expected revision NO_STREAM before the event itself: the reservation pattern
// (https://event-driven.io/en/uniqueness-in-event-sourcing/). The last record of the stream is
// the state: EventIdReserved {stream, type, contentHash, since} or EventIdReleased.
//
// - A reservation with the same stream and content is a retry: it is taken over (re-reserved at
//   the next revision, keeping `since`, the position after which the event can be found).
// - Other content: a conflict when the event is recorded; when it is not, an append is still in
//   flight or died, and the reservation is taken over only after `takeoverAfterMs`.
// - An append that certainly wrote nothing releases the reservations it created, with the
//   expected revision it created them at, so it never releases one that another append took over.
import { createHash, randomUUID } from 'node:crypto'
import { jsonEvent, NO_STREAM, WrongExpectedVersionError, type AppendExpectedRevision } from '@eventstore/db-client'
import { IdConflict, StoreUnavailable } from '../../../domain/errors.ts'
import type { PreparedEvent } from '../append-rules.ts'
import type { Position } from '../port.ts'
import type { EsdbClient } from './connection.ts'
import { encodePosition } from './positions.ts'
import { readLastRecord } from './reads.ts'
import { reservationPrefix } from './records.ts'

export const reservedType = 'EventIdReserved'
export const releasedType = 'EventIdReleased'

export const reservationStream = (id: string): string => `${reservationPrefix}${id}`

export interface Claim {
  stream: string
  type: string
  /** SHA-256 of the canonical JSON of the event's data. */
  contentHash: string
  /** Where to start looking for the event: the position of the first reservation of this claim. */
  since?: Position
}

export interface Reservation {
  id: string
  revision: bigint
  since: Position
  /** Created by this append (not taken over from a retry): only these are ever released. */
  fresh: boolean
}

export interface ReservationDeps {
  client: EsdbClient
  clock: () => Date
  /** A reservation for other content whose event never appeared is abandoned after this long. */
  takeoverAfterMs: number
  /** Whether event `id` is recorded in `stream` after position `since`. */
  isRecorded: (stream: string, id: string, since: Position) => Promise<boolean>
}

export const claimOf = (stream: string, { event, dataJson }: PreparedEvent): Claim => ({
  stream,
  type: event.type,
  contentHash: createHash('sha256').update(dataJson, 'utf8').digest('hex'),
})

const sameClaim = (a: Claim, b: Claim): boolean => a.stream === b.stream && a.type === b.type && a.contentHash === b.contentHash

const maxAttempts = 8

export const reserve = async (deps: ReservationDeps, id: string, claim: Claim): Promise<Reservation> => {
  const stream = reservationStream(id)
  let expected: AppendExpectedRevision = NO_STREAM
  let since: Position | undefined
  let fresh = true
  for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
    try {
      const data = since === undefined ? { ...claim } : { ...claim, since }
      const result = await deps.client.appendToStream(stream, jsonEvent({ id: randomUUID(), type: reservedType, data }), { expectedRevision: expected })
      // Without a position the whole stream is searched on a retry: correct, only slower.
      const own = result.position === undefined ? 0 : encodePosition(result.position)
      return { id, revision: result.nextExpectedRevision, since: since ?? own, fresh }
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error
    }
    const last = await readLastRecord(deps.client, stream)
    // Whatever happens next, this attempt starts over from a fresh or a taken-over reservation.
    expected = last === undefined ? NO_STREAM : last.revision
    since = undefined
    fresh = true
    if (last === undefined || last.type === releasedType) continue
    const held = last.data as unknown as Claim
    const heldSince = held.since ?? (last.position === undefined ? 0 : encodePosition(last.position))
    if (sameClaim(held, claim)) {
      since = heldSince
      fresh = false
      continue
    }
    if (await deps.isRecorded(held.stream, id, heldSince)) {
      throw new IdConflict(
        id,
        held.stream === claim.stream
          ? `event ${id} is already recorded in ${held.stream} with other content`
          : `event ${id} is already recorded in stream ${held.stream}, not ${claim.stream}`,
      )
    }
    const age = deps.clock().getTime() - last.created.getTime()
    if (age < deps.takeoverAfterMs) {
      throw new IdConflict(id, `event ${id} is reserved by an unfinished append to ${held.stream} with other content; retry later`)
    }
  }
  throw new StoreUnavailable(`could not reserve event id ${id}: its reservation changed ${maxAttempts} times in a row`)
}

/** Gives a reservation back; a no-op when another append has taken it over since. */
export const release = async (client: EsdbClient, reservation: Reservation): Promise<void> => {
  try {
    await client.appendToStream(
      reservationStream(reservation.id),
      jsonEvent({ id: randomUUID(), type: releasedType, data: {} }),
      { expectedRevision: reservation.revision },
    )
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error
  }
}

/** Whether any of `ids` has a live reservation (read only: used before reserving anything). */
export const anyReserved = async (client: EsdbClient, ids: readonly string[]): Promise<boolean> => {
  const lasts = await Promise.all(ids.map((id) => readLastRecord(client, reservationStream(id))))
  return lasts.some((last) => last !== undefined && last.type === reservedType)
}
