// Event ids the service mints for facts sent without one: UUID version 7 (RFC 9562), whose
// first 48 bits are the time in milliseconds. Ids minted in order sort in order, so the log's
// unique event-id index grows at its right edge; a random (version 4) id lands on a random page
// of that index, which at millions of events costs a page read and a page write per insert.
import { randomFillSync } from 'node:crypto'

const pool = Buffer.alloc(16 * 256)
let pooled = pool.length
let lastMilliseconds = 0
let sequence = 0

const randomBytes16 = (): Buffer => {
  if (pooled === pool.length) {
    randomFillSync(pool)
    pooled = 0
  }
  pooled += 16
  return pool.subarray(pooled - 16, pooled)
}

/**
 * A version-7 uuid. Within one millisecond a 12-bit counter (rand_a, RFC 9562 method 1) keeps
 * this process's ids increasing; when it runs out, the timestamp moves on by a millisecond.
 */
export const newEventId = (now: number = Date.now()): string => {
  if (now > lastMilliseconds) {
    lastMilliseconds = now
    sequence = 0
  } else if (++sequence > 0xfff) {
    lastMilliseconds += 1
    sequence = 0
  }
  const bytes = Buffer.from(randomBytes16())
  bytes.writeUIntBE(lastMilliseconds, 0, 6)
  bytes[6] = 0x70 | (sequence >> 8)
  bytes[7] = sequence & 0xff
  bytes[8] = 0x80 | (bytes[8] & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const anyCaseUuid = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

/**
 * A uuid names one event whatever its letter case (RFC 9562 §4: case-insensitive on input,
 * lower case on output): it is lowered before idempotency is judged. Other ids stay as given.
 */
export const normalizeEventId = (id: string): string => (anyCaseUuid.test(id) ? id.toLowerCase() : id)
