// append on EventStoreDB, with the port's rules (append-rules.ts) and the server's guarantees:
//   1. reserve every event id (reservations.ts), which finds ids recorded anywhere in the log;
//   2. read the stream's tail: its revision, last hash, and the reserved ids already in it
//      (a retry returns the original result, judged before the expected revision as everywhere);
//   3. check the expected revision, chain the hashes on that exact revision, and append with it
//      as the server-side expected revision. A concurrent writer makes the server refuse
//      (WrongExpectedVersion), never breaks the chain; 'any' and 'exists' then go round again.
import { WrongExpectedVersionError } from '@eventstore/db-client'
import { ConcurrencyError, IdConflict, StoreUnavailable, ValidationError } from '../../../domain/errors.ts'
import { checkExpectedRevision, judgeReplay, prepareAppend, stampRecordedAt, type PreparedEvent } from '../append-rules.ts'
import type { AppendResult, ExpectedRevision, NewEvent } from '../port.ts'
import type { EsdbClient } from './connection.ts'
import { translateError } from './errors.ts'
import { readHeadEvent, readPositions, readStreamTail } from './reads.ts'
import { isLogStream, toEsdbRecord } from './records.ts'
import { anyReserved, claimOf, release, reserve, type Reservation, type ReservationDeps } from './reservations.ts'
import { chainedExpected } from './revisions.ts'

export interface AppendDeps {
  client: EsdbClient
  clock: () => Date
  takeoverAfterMs: number
  /** Rounds of read-chain-append for 'any' and 'exists' under contention. */
  maxAttempts?: number
}

type Append = (stream: string, events: NewEvent[], expected: ExpectedRevision) => Promise<AppendResult>

const chain = (prepared: PreparedEvent[], stream: string, current: number, lastHash: string) => {
  let prevHash = lastHash
  return prepared.map((item, index) => {
    const { record, hash } = toEsdbRecord(item, stream, current + 1 + index, prevHash)
    prevHash = hash
    return record
  })
}

/** Imported recordedAt values must not go back in time (positionAt relies on the order). */
const checkImportOrder = async (client: EsdbClient, prepared: PreparedEvent[]): Promise<void> => {
  if (prepared.every((item) => item.recordedAt === undefined)) return
  let last = (await readHeadEvent(client))?.recordedAt ?? ''
  for (const { recordedAt, event } of prepared) if (recordedAt !== undefined) last = stampRecordedAt(recordedAt, '', last, event.id)
}

/** Nothing was written when the append failed this way, so its fresh reservations go back. */
const wroteNothing = (error: unknown): boolean =>
  error instanceof ConcurrencyError || error instanceof IdConflict || error instanceof ValidationError ||
  error instanceof WrongExpectedVersionError || (error instanceof StoreUnavailable && error.details !== undefined && 'contention' in error.details)

export const createAppend = ({ client, clock, takeoverAfterMs, maxAttempts = 100 }: AppendDeps): Append => {
  const isRecorded = async (stream: string, id: string, since: number) =>
    (await readStreamTail(client, stream, new Set([id]), since)).found.has(id)
  const reservationDeps: ReservationDeps = { client, clock, takeoverAfterMs, isRecorded }

  const reserveAll = async (stream: string, prepared: PreparedEvent[]): Promise<Reservation[]> => {
    const outcomes = await Promise.allSettled(prepared.map((item) => reserve(reservationDeps, item.event.id, claimOf(stream, item))))
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
    const reservations = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []))
    if (failed === undefined) return reservations
    await releaseFresh(reservations)
    throw failed.reason
  }

  const releaseFresh = async (reservations: Reservation[]) => {
    await Promise.allSettled(reservations.filter((reservation) => reservation.fresh).map((reservation) => release(client, reservation)))
  }

  const appendReserved = async (stream: string, prepared: PreparedEvent[], expected: ExpectedRevision, reservations: Reservation[]) => {
    const ids = new Set(prepared.map((item) => item.event.id))
    const since = Math.min(...reservations.map((reservation) => reservation.since))
    for (let attempt = 1; ; attempt += 1) {
      const tail = await readStreamTail(client, stream, ids, since)
      const replay = judgeReplay(stream, prepared, (id) => tail.found.get(id))
      if (replay !== null) return replay
      checkExpectedRevision(stream, expected, tail.current)
      try {
        const records = chain(prepared, stream, tail.current, tail.lastHash)
        await client.appendToStream(stream, records, { expectedRevision: chainedExpected(expected, tail.current) })
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error
        if (attempt >= maxAttempts) {
          throw new StoreUnavailable(`append to ${stream} lost the race for its next revision ${attempt} times; try again`, { contention: attempt })
        }
        // Another writer got the revision: judge again on the new tail (exact expectations fail
        // there), after a short random pause so that contending writers spread out.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, attempt * 2)))
        continue
      }
      const positions = await readPositions(client, stream, tail.current + 1, prepared.length)
      return { nextRevision: tail.current + prepared.length, positions, idempotent: false }
    }
  }

  return async (stream, events, expected) => {
    if (typeof stream === 'string' && !isLogStream(stream)) {
      throw new ValidationError(`stream: ${stream} is reserved (names starting with $ belong to EventStoreDB, tw~eventid- to id reservations)`)
    }
    const prepared = prepareAppend(stream, events, expected)
    try {
      const tail = await readStreamTail(client, stream, new Set(), Infinity)
      try {
        checkExpectedRevision(stream, expected, tail.current)
      } catch (error) {
        // A stale expectation fails here, before anything is reserved, unless the append is a retry.
        if (prepared.length === 0 || !(await anyReserved(client, prepared.map((item) => item.event.id)))) throw error
      }
      if (prepared.length === 0) return { nextRevision: tail.current, positions: [], idempotent: false }
      await checkImportOrder(client, prepared)
      const reservations = await reserveAll(stream, prepared)
      try {
        return await appendReserved(stream, prepared, expected, reservations)
      } catch (error) {
        if (wroteNothing(error)) await releaseFresh(reservations)
        throw error
      }
    } catch (error) {
      throw translateError(error, stream)
    }
  }
}
