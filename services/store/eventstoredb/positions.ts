// The port's Position (an ordered number) <-> EventStoreDB's $all position {commit, prepare}.
//
// Encoding: position = commit + 1, so 0 keeps meaning "before the first event".
// It needs commit === prepare, which holds for every event appended over gRPC: the two differ
// only for events written in explicit transactions, a legacy TCP-client feature that this
// adapter never uses (maintainer's note: https://github.com/EventStore/EventStore/issues/3989).
// Positions are byte offsets in the transaction log, so they are ordered and unique, not dense.
//
// Limit: commit must stay below 2^53 - 1 (Number.MAX_SAFE_INTEGER), i.e. 8 PiB of log. A
// national deployment writes ~25 M events a year; at ~1.5 KB of log per event (the event, its
// id reservation and record overhead) that is ~38 GB a year, so the limit is ~200,000 years away.
import { StoreUnavailable, ValidationError } from '../../../domain/errors.ts'
import type { Position } from '../port.ts'

export interface AllPosition {
  commit: bigint
  prepare: bigint
}

const largestCommit = BigInt(Number.MAX_SAFE_INTEGER) - 1n

export const encodePosition = (position: AllPosition): Position => {
  const { commit, prepare } = position
  if (commit !== prepare) {
    throw new StoreUnavailable(
      `$all position {commit: ${commit}, prepare: ${prepare}} belongs to an explicit transaction; targetwatch only reads logs written over gRPC`,
      { commit: String(commit), prepare: String(prepare) },
    )
  }
  if (commit < 0n || commit > largestCommit) {
    throw new StoreUnavailable(`$all commit position ${commit} is outside 0..${largestCommit}, the range a Position can hold exactly`, {
      commit: String(commit),
    })
  }
  return Number(commit) + 1
}

/** The $all position of the event at `position`; 0 (before everything) has none. */
export const decodePosition = (position: Position): AllPosition => {
  if (!Number.isSafeInteger(position) || position < 1) {
    throw new ValidationError(`position: ${position} is not the position of an event (a whole number >= 1)`)
  }
  const commit = BigInt(position - 1)
  return { commit, prepare: commit }
}

/** Where a read or subscription starts: 'start' for 0, else the event's $all position. */
export const startingPoint = (position: Position): 'start' | AllPosition => (position === 0 ? 'start' : decodePosition(position))
