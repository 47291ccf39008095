// Exactly one webhook dispatcher across instances: the instance holding the `webhook-dispatcher`
// lease runs it; another takes over when the holder stops renewing. Deliveries live in the log
// (the outbox), so the new holder continues exactly where the old one stopped. On PostgreSQL the
// lease is a row judged on the server's clock (postgres-lease.ts); elsewhere it lives in the log.
import { hostname } from 'node:os'
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Alerts } from '../alerts/alerts.ts'
import type { EventStore } from '../store/port.ts'
import type { PostgresEventStore } from '../store/postgres.ts'
import { createLease, type Lease, type LeaseOptions } from './lease.ts'
import { createPostgresLease } from './postgres-lease.ts'

/** The lease for the store: a row on PostgreSQL, events in the log elsewhere. */
const leaseOn = (store: EventStore, options: Omit<LeaseOptions, 'store'>): Lease => {
  const pool = store.kind === 'postgres' ? (store as { pool?: PostgresEventStore['pool'] }).pool : undefined
  return pool ? createPostgresLease({ ...options, pool }) : createLease({ ...options, store })
}

export interface DispatcherLeaseOptions {
  store: EventStore
  alerts: Pick<Alerts, 'dispatcher'>
  ttlMs: number
  logger: Logger
  clock?: () => Date
}

export const leaseDispatcher = ({ store, alerts, ttlMs, logger, clock }: DispatcherLeaseOptions): Lease => {
  const lease = leaseOn(store, {
    name: 'webhook-dispatcher',
    holderId: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    ttlMs,
    logger: logger.child({ component: 'dispatcher-lease' }),
    ...(clock ? { clock } : {}),
    onAcquired: ({ term }) => {
      logger.info({ term }, 'holding the webhook-dispatcher lease: delivering')
      alerts.dispatcher.start()
    },
    onLost: async (_term, reason) => {
      logger.warn({ reason }, 'webhook-dispatcher lease lost: delivery stops here')
      await alerts.dispatcher.stop()
    },
  })
  lease.start()
  return lease
}
