// Ids the service mints: RFC 9562 version 7, accepted wherever a client's uuid is, and in the
// order they were minted (so the event-id index grows at its right edge).
import t from 'tap'
import { z } from 'zod'
import { newEventId } from '../../services/store/event-ids.ts'

t.test('a minted id is a version-7, RFC 9562 variant uuid that the API accepts as an id', async (t) => {
  const id = newEventId(Date.parse('2020-05-12T08:30:00Z'))
  t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  t.ok(z.uuid().safeParse(id).success, 'z.uuid() accepts it')
  t.equal(parseInt(id.replaceAll('-', '').slice(0, 12), 16), Date.parse('2020-05-12T08:30:00Z'), 'its first 48 bits are the millisecond')
})

t.test('ids minted one after another increase, within one millisecond too, and never repeat', async (t) => {
  const ids = Array.from({ length: 10_000 }, (_, index) => newEventId(Date.parse('2030-01-01T00:00:00Z') + Math.floor(index / 5000)))
  t.ok(ids.every((id, index) => index === 0 || id > ids[index - 1]), 'strictly increasing')
  t.equal(new Set(ids).size, ids.length, 'unique')
  const later = newEventId(Date.parse('2030-01-01T00:00:00Z'))
  t.ok(later > ids.at(-1)!, 'a clock that steps back does not send ids backwards')
})
