// How a PostgreSQL store learns of commits made by other processes: LISTEN on the channel every
// write transaction NOTIFYs (schema.ts), with polling of the head as the bound when a
// notification is lost (the listening connection dropped, or is reconnecting): a live subscriber
// sees any commit within `pollMs` at worst, and within a round trip normally.
import pg from 'pg'
import type { Logger } from 'pino'
import { readHead, type Queryable } from './reads.ts'
import { eventsChannel } from './schema.ts'

export interface CommitWatchOptions {
  connectionString: string
  pool: Queryable
  /** Wakes the subscriptions (they then read the log from their own position). */
  wake: () => void
  pollMs: number
  logger: Logger
}

export const watchCommits = ({ connectionString, pool, wake, pollMs, logger }: CommitWatchOptions) => {
  let listener: pg.Client | null = null
  let stopped = false
  let lastHead = -1
  let reconnect: NodeJS.Timeout | undefined

  const listen = async () => {
    if (stopped) return
    const client = new pg.Client({ connectionString })
    client.on('notification', () => wake())
    client.on('error', (err) => {
      logger.warn({ err }, 'PostgreSQL LISTEN connection lost; polling until it is back')
      client.end().catch(() => undefined)
      if (listener === client) listener = null
      if (!stopped) reconnect = setTimeout(() => void listen(), pollMs).unref()
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${eventsChannel}`)
      if (stopped) return void (await client.end())
      listener = client
      // Commits made while not listening are found by the next read.
      wake()
    } catch (err) {
      logger.warn({ err }, 'PostgreSQL LISTEN failed; polling, and trying again')
      client.end().catch(() => undefined)
      if (!stopped) reconnect = setTimeout(() => void listen(), pollMs).unref()
    }
  }

  const poll = setInterval(() => {
    readHead(pool).then(
      (head) => {
        if (head !== lastHead) {
          lastHead = head
          wake()
        }
      },
      () => undefined,
    )
  }, pollMs)
  poll.unref()

  const started = listen()

  const stop = async () => {
    stopped = true
    clearInterval(poll)
    clearTimeout(reconnect)
    await started
    await listener?.end().catch(() => undefined)
    listener = null
  }

  return { started, stop }
}
