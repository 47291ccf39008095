import t from 'tap'
import { ConcurrencyError, DomainError, IdConflict, StoreUnavailable } from '../../domain/errors.ts'
import { fromWire, toWire } from '../../services/threads/error-wire.ts'

// What crosses a thread must come back as what was thrown: the class (instanceof, the HTTP
// mapping), its code, status, details and own fields. structuredClone stands in for postMessage.
const across = (error: unknown) => fromWire(structuredClone(toWire(error)))

t.test('a DomainError comes back as its own class with every field', async (t) => {
  const original = new ConcurrencyError('sampling-1', '3', '4')
  const back = across(original)
  t.ok(back instanceof ConcurrencyError && back instanceof DomainError && back instanceof Error)
  t.same(
    { name: back.name, message: back.message, code: (back as ConcurrencyError).code, status: (back as ConcurrencyError).status, stream: (back as ConcurrencyError).stream },
    { name: 'ConcurrencyError', message: original.message, code: 'WRONG_EXPECTED_REVISION', status: 409, stream: 'sampling-1' },
  )
  t.same((back as ConcurrencyError).details, original.details)
  t.equal(back.stack, original.stack, 'the stack of the thread that threw')
  const unavailable = across(new StoreUnavailable('disk full', { code: 'SQLITE_FULL' }))
  t.ok(unavailable instanceof StoreUnavailable)
  t.match(unavailable, { status: 503, details: { code: 'SQLITE_FULL' } })
  t.ok(across(new IdConflict('abc', 'taken')) instanceof IdConflict)
})

t.test('other errors keep their name, message and fields; non-errors become an Error', async (t) => {
  const sqlite = Object.assign(new Error('database is locked'), { name: 'SqliteError', code: 'SQLITE_BUSY' })
  const back = across(sqlite)
  t.notOk(back instanceof DomainError)
  t.match(back, { name: 'SqliteError', message: 'database is locked', code: 'SQLITE_BUSY' })
  const thrown = across('a string')
  t.ok(thrown instanceof Error)
  t.equal(thrown.message, 'a string')
})
