// Expected and current revisions between the port and the client: each word maps to its own
// constant, so a mapping mistake (e.g. no_stream sent as any) fails here.
import { ANY, NO_STREAM, STREAM_EXISTS } from '@eventstore/db-client'
import t from 'tap'
import { StoreUnavailable } from '../../domain/errors.ts'
import {
  chainedExpected,
  describeCurrent,
  fromEsdbCurrent,
  fromEsdbExpected,
  toEsdbCurrent,
  toEsdbExpected,
} from '../../services/store/eventstoredb/revisions.ts'
import type { ExpectedRevision } from '../../services/store/port.ts'

const table: Array<[ExpectedRevision, unknown]> = [['any', ANY], ['no_stream', NO_STREAM], ['exists', STREAM_EXISTS], [0, 0n], [41, 41n]]

t.test('port expected revisions map to the client constants and back', async (t) => {
  for (const [port, esdb] of table) {
    t.equal(toEsdbExpected(port), esdb, `${port} -> ${String(esdb)}`)
    t.equal(fromEsdbExpected(toEsdbExpected(port)), port, `${port} round-trips`)
  }
  t.equal(new Set(table.map(([port]) => toEsdbExpected(port))).size, table.length, 'no two words share a constant')
  t.not(toEsdbExpected('no_stream'), ANY, 'no_stream is never sent as any')
  t.not(toEsdbExpected('exists'), ANY, 'exists is never sent as any')
})

t.test('legacy numeric codes in server errors read as the words they stand for', async (t) => {
  t.equal(fromEsdbExpected(-1n), 'no_stream')
  t.equal(fromEsdbExpected(-2n), 'any')
  t.equal(fromEsdbExpected(-4n), 'exists')
  t.equal(fromEsdbCurrent(-1n), -1)
})

t.test('current revisions: NO_STREAM is the append rules\' -1', async (t) => {
  t.equal(fromEsdbCurrent(NO_STREAM), -1)
  t.equal(fromEsdbCurrent(7n), 7)
  t.equal(toEsdbCurrent(-1), NO_STREAM)
  t.equal(toEsdbCurrent(7), 7n)
  t.equal(describeCurrent(-1), 'no_stream')
  t.equal(describeCurrent(3), '3')
  t.throws(() => fromEsdbCurrent(BigInt(Number.MAX_SAFE_INTEGER) + 1n), StoreUnavailable, 'a revision beyond 2^53 is refused')
})

t.test('a checked append is sent with the exact revision its hash chain was computed on', async (t) => {
  t.equal(chainedExpected('any', -1), NO_STREAM, "'any' on a missing stream: must still be missing")
  t.equal(chainedExpected('any', 4), 4n, "'any' on revision 4: must still be 4")
  t.equal(chainedExpected('exists', 4), 4n, "'exists' on revision 4: must still be 4")
  t.equal(chainedExpected('no_stream', -1), NO_STREAM)
  t.equal(chainedExpected(4, 4), 4n)
})
