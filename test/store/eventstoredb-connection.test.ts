// Keep-alive and deadlines from configuration become connection-string settings.
import t from 'tap'
import { ValidationError } from '../../domain/errors.ts'
import { connectionString } from '../../services/store/eventstoredb/connection.ts'

t.test('configured timings are added to the URL', async (t) => {
  t.equal(
    connectionString('esdb://localhost:2113?tls=false', { keepAliveIntervalMs: 15_000, keepAliveTimeoutMs: 10_000, deadlineMs: 5_000 }),
    'esdb://localhost:2113?tls=false&keepAliveInterval=15000&keepAliveTimeout=10000&defaultDeadline=5000',
  )
  t.equal(connectionString('esdb://a:2113,b:2113,c:2113', { deadlineMs: 3_000 }), 'esdb://a:2113,b:2113,c:2113?defaultDeadline=3000')
  t.equal(connectionString('esdb+discover://cluster.local:2113?tls=false'), 'esdb+discover://cluster.local:2113?tls=false', 'nothing configured, nothing added')
})

t.test('a setting written in the URL wins over configuration', async (t) => {
  t.equal(connectionString('esdb://h:2113?keepaliveinterval=20000', { keepAliveIntervalMs: 15_000 }), 'esdb://h:2113?keepaliveinterval=20000')
})

t.test('bad input is refused with the setting named', async (t) => {
  t.throws(() => connectionString('http://localhost:2113'), ValidationError)
  t.throws(() => connectionString('esdb://h:2113', { deadlineMs: 0 }), /defaultDeadline/)
})
