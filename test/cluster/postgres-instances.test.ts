// Two targetwatch processes on one PostgreSQL database (README, "Architecture: several
// instances"): a write to either is read by both at its position; exactly one holds the
// webhook-dispatcher lease (a row judged on the server's clock) and delivers; SIGKILL the holder
// under load, TARGETWATCH_CLUSTER_KILLS times (10), and the other takes over within the lease
// ttl; in the end every message in the log was delivered at least once, each under one
// webhook-id with one content, none lost.
import t from 'tap'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { batch } from '../helpers/facts.ts'
import { adminKey } from '../helpers/harness.ts'
import { freshDatabaseUrl } from '../helpers/postgres.ts'
import { startService, type ServiceProcess } from '../helpers/process.ts'
import { startReceiver, waitUntil } from '../alerts/helpers.ts'

const kills = Number(process.env.TARGETWATCH_CLUSTER_KILLS ?? 10)
const ttlMs = 2_000
const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }
const regions = ['guiyang', 'liupanshui', 'zunyi', 'anshun', 'bijie', 'tongren', 'qianxinan', 'qiandongnan', 'qiannan', 'guian']
t.setTimeout(600_000)

const call = async (service: ServiceProcess, method: string, url: string, body?: unknown) => {
  const response = await fetch(`${service.url}${url}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  const json = (await response.json()) as Record<string, any>
  if (response.status >= 300) throw Object.assign(new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json).slice(0, 300)}`), { status: response.status })
  return json
}

interface LeaseRow {
  holder_id: string
  term: string
  expires_at: Date
}

t.test(`two instances on one PostgreSQL: shared log, one dispatcher, ${kills} SIGKILLs of the holder lose no delivery`, async (t) => {
  const databaseUrl = await freshDatabaseUrl('instances')
  const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-instances-'))
  const receiver = await startReceiver()
  const db = new pg.Client({ connectionString: databaseUrl })
  const running = new Set<ServiceProcess>()
  const started: ServiceProcess[] = []
  t.teardown(async () => {
    for (const service of running) service.child.kill('SIGKILL')
    await Promise.all([...running].map((service) => service.exited))
    await db.end().catch(() => undefined)
    await receiver.close()
    rmSync(root, { recursive: true, force: true })
  })
  const shared = {
    TARGETWATCH_STORE: 'postgres',
    DATABASE_URL: databaseUrl,
    TARGETWATCH_ADMIN_KEY: adminKey,
    // The same secrets on every instance (README): webhook secrets at rest and the ledger key.
    TARGETWATCH_WEBHOOK_KEY: randomBytes(32).toString('hex'),
    TARGETWATCH_LEDGER_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    TARGETWATCH_LEDGER_CHECKPOINT_EVERY: '1000000',
    TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: '0',
    TARGETWATCH_DISPATCHER_LEASE_TTL_MS: String(ttlMs),
    TARGETWATCH_WEBHOOK_ALLOW_PRIVATE: '1',
    TARGETWATCH_WEBHOOK_RETRY_SCHEDULE: '200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s',
    TARGETWATCH_ALERTS_DEBOUNCE: '20ms',
    TARGETWATCH_RATE_LIMIT: '0',
    LOG_LEVEL: 'info',
  }
  const start = async (name: 'a' | 'b') => {
    const service = await startService({ ...shared, TARGETWATCH_DATA_DIR: path.join(root, name) }, 60_000)
    running.add(service)
    started.push(service)
    void service.exited.then(() => running.delete(service))
    return service
  }
  let [a, b] = [await start('a'), await start('b')]
  await db.connect()

  // Read your writes across instances, through `position`.
  const onA = (await call(a, 'POST', '/v1/events', batch({}, { region: 'zunyi', sampledOn: '2020-04-01' }))).position as number
  const onB = (await call(b, 'POST', '/v1/events', batch({}, { region: 'zunyi', sampledOn: '2020-04-02' }))).position as number
  t.ok(onB > onA, 'one log: positions from both instances in one order')
  for (const [reader, label] of [[a, 'a'], [b, 'b']] as const) {
    const answer = await call(reader, 'GET', `/v1/targets/food-sampling-pass-rate?at=2020-04-30&region=zunyi&position=${onB}`)
    t.match(answer, { position: onB }, `${label} answers at the other's position`)
    t.equal(answer.regions.find((r: { region: string }) => r.region === 'zunyi').sample, 2, `${label} counts both writes`)
  }

  const webhook = await call(a, 'POST', '/v1/webhooks', { url: receiver.url })
  receiver.secrets.push(webhook.secret)
  const pidOf = (holderId: string) => Number(holderId.split('-').at(-2))
  const lease = async (): Promise<LeaseRow | undefined> =>
    (await db.query<LeaseRow>("SELECT holder_id, term, expires_at FROM targetwatch.leases WHERE name = 'webhook-dispatcher'")).rows[0]
  const holderOf = async () => {
    const row = await waitUntil('a lease holder', lease, 20_000)
    const holder = [a, b].find((service) => service.child.pid === pidOf(row.holder_id))
    if (!holder) throw new Error(`the lease is held by ${row.holder_id}, neither instance`)
    return { row, holder }
  }

  // Load: facts on both instances (a breach per region and round raises alerts) and test
  // messages through either, until stopped.
  const requested = new Set<string>()
  const testErrors: string[] = []
  let loading = true
  let round = 0
  const load = async () => {
    for (let n = 0; loading; n++) {
      const service = n % 2 === 0 ? a : b
      const region = regions[round % regions.length]
      const facts = Array.from({ length: 40 }, (_, i) => batch({}, { region, sampledOn: '2020-06-10', result: i === 0 && n % 3 === 0 ? 'fail' : 'pass' }))
      await call(service, 'POST', '/v1/events/batch', { events: facts }).catch(() => undefined)
      try {
        requested.add((await call(service, 'POST', `/v1/webhooks/${webhook.id}/test`, {})).id)
      } catch (error) {
        // 409 when the other instance wrote to the webhook's stream first, or the instance is down
        if (testErrors.length < 3) testErrors.push((error as Error).message)
      }
      await new Promise((resolve) => setTimeout(resolve, 30))
    }
  }
  const loaders = [load(), load()]

  const takeovers: number[] = []
  const afterExpiry: number[] = []
  const terms: number[] = []
  for (round = 1; round <= kills; round++) {
    const { row, holder } = await holderOf()
    terms.push(Number(row.term))
    const other = holder === a ? b : a
    const deliveredBefore = receiver.received.length
    await waitUntil('deliveries from the holder', () => receiver.received.length > deliveredBefore, 15_000)
    const before = await lease()
    const killedAt = Date.now()
    holder.child.kill('SIGKILL')
    await holder.exited
    const taken = await waitUntil('the other instance takes the lease', async () => {
      const now = await lease()
      return now && pidOf(now.holder_id) === other.child.pid ? now : null
    }, ttlMs * 5, 10)
    const tookMs = Date.now() - killedAt
    takeovers.push(tookMs)
    afterExpiry.push(Date.now() - before!.expires_at.getTime())
    if (Number(taken.term) !== Number(before!.term) + 1) t.fail(`round ${round}: term went from ${before!.term} to ${taken.term}`)
    const restarted = await start(holder === a ? 'a' : 'b')
    if (holder === a) a = restarted
    else b = restarted
  }
  loading = false
  await Promise.all(loaders)

  // Every message in the log is delivered; the receiver saw each under one webhook-id, one content.
  const deliveries = await waitUntil('every delivery delivered', async () => {
    const { deliveries } = await call(a, 'GET', `/v1/webhooks/${webhook.id}/deliveries?limit=1000`)
    return deliveries.every((d: { status: string }) => d.status === 'delivered') ? (deliveries as { id: string; type: string }[]) : null
  }, 60_000, 200)
  const bodiesById = new Map<string, Set<string>>()
  for (const request of receiver.received) {
    const id = request.headers['webhook-id']!
    const data = JSON.stringify((JSON.parse(request.body) as { data: unknown }).data)
    bodiesById.set(id, (bodiesById.get(id) ?? new Set()).add(data))
  }
  const missing = deliveries.filter((d) => !bodiesById.has(d.id))
  t.same(missing, [], `all ${deliveries.length} deliveries in the log reached the receiver`)
  t.ok(requested.size >= kills && [...requested].every((id) => deliveries.some((d) => d.id === id)), `the ${requested.size} test messages acknowledged are among them`)
  t.ok(deliveries.some((d) => d.type === 'target.status_changed'), 'alerts from the facts too')
  t.same([...bodiesById].filter(([, bodies]) => bodies.size > 1), [], 'one content per webhook-id')
  t.same(receiver.received.filter((r) => r.verifyError !== null).map((r) => r.verifyError), [], 'every request verifies')
  t.ok(takeovers.every((ms) => ms <= ttlMs + 1_000), `takeover after each kill within the ttl (${ttlMs} ms) and a tick: ${takeovers.join(', ')} ms`)
  t.ok(afterExpiry.every((ms) => ms <= 1_000), `taken over at most 1 s after the row expired: ${afterExpiry.join(', ')} ms`)
  const acquisitions = started.flatMap((service) => service.output().split('\n').filter((line) => line.includes('holding the webhook-dispatcher lease')))
  t.equal(acquisitions.length, kills + 1, 'the lease was acquired once at start and once per kill: never by two at a time')
  if (requested.size < kills) t.comment(testErrors.join('\n'))
  const duplicates = receiver.received.length - bodiesById.size
  t.comment(
    `instances: ${kills} SIGKILLs of the holder; takeover ${Math.min(...takeovers)}–${Math.max(...takeovers)} ms after the kill ` +
      `(mean ${Math.round(takeovers.reduce((x, y) => x + y, 0) / takeovers.length)} ms, ttl ${ttlMs} ms); ${deliveries.length} messages ` +
      `(${requested.size} test, ${deliveries.filter((d) => d.type === 'target.status_changed').length} alerts), ${receiver.received.length} requests, ` +
      `${duplicates} repeats after kills, 0 lost; lease terms ${terms.join(',')}`,
  )
})
