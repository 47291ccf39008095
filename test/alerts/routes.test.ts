// /v1/webhooks and /v1/alerts through app.inject: who may call, what is refused and why, what
// an answer shows (the secret once, never again).
import t from 'tap'
import { isPrivateAddress } from '../../services/alerts/address.ts'
import { createKey, startHarness, type Harness } from '../helpers/harness.ts'

const create = (h: Harness, payload: unknown, key?: string) => h.app.inject({ method: 'POST', url: '/v1/webhooks', headers: h.auth(key), payload: payload as object })

t.test('only admins manage webhooks; every key reads the alert history', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const viewer = await createKey(h, 'viewer')
  const auditor = await createKey(h, 'auditor')
  t.equal((await create(h, { url: 'https://93.184.216.34/hook' }, viewer)).statusCode, 403)
  t.equal((await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: h.auth(auditor) })).statusCode, 403)
  t.equal((await h.app.inject({ method: 'GET', url: '/v1/webhooks' })).statusCode, 401)
  const alerts = await h.app.inject({ method: 'GET', url: '/v1/alerts', headers: h.auth(viewer) })
  t.equal(alerts.statusCode, 200)
  t.match(alerts.json(), { position: Number, deriving: false, firing: [], history: [] }, 'no subscription: nothing is derived')
})

t.test('refusals name the field and the rule', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const refused = async (payload: unknown, message: RegExp) => {
    const response = await create(h, payload)
    t.equal(response.statusCode, 400, response.body)
    t.match(response.json().error, { code: 'VALIDATION_FAILED', message })
  }
  await refused({ url: 'ftp://93.184.216.34/x' }, /^url: must be an absolute http or https URL/)
  await refused({ url: 'not a url' }, /^url: /)
  await refused({ url: 'https://user:pw@93.184.216.34/x' }, /^url: must not carry credentials/)
  await refused({ url: 'https://93.184.216.34/x', filter: { colour: ['red'] } }, /^filter: unknown field 'colour'/)
  await refused({ url: 'https://93.184.216.34/x', filter: { regions: ['atlantis'] } }, /^filter\.regions: atlantis not a region of any region set/)
  await refused({ url: 'https://93.184.216.34/x', filter: { types: ['webhook.test'] } }, /^filter\.types\[0\]: must be one of target\.status_changed, rescue\.overdue/)
  await refused({ url: 'https://93.184.216.34/x', filter: { targets: ['no-such-target'] } }, /^filter\.targets: no-such-target not in the catalog/)
  for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://10.1.2.3/', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://0.0.0.0/'])
    await refused({ url }, /^url: .*private or special-purpose address; receivers must be public \(TARGETWATCH_WEBHOOK_ALLOW_PRIVATE=1 allows private ones\)/)
  t.equal((await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: h.auth() })).json().webhooks.length, 0, 'nothing was recorded')
})

t.test('the secret is in the creation answer only; list, get and delete never show it', async (t) => {
  const h = await startHarness()
  t.teardown(h.close)
  const created = await create(h, { url: 'https://93.184.216.34/hook', description: 'regulator inbox', filter: { regions: ['zunyi', 'guizhou'] } })
  t.equal(created.statusCode, 201)
  const { id, secret } = created.json()
  t.match(created.json(), { id: /^wh_[a-z0-9]{16}$/, status: 'active', filter: { regions: ['zunyi', 'guizhou'] }, description: 'regulator inbox', deliveries: { pending: 0 } })
  const list = await h.app.inject({ method: 'GET', url: '/v1/webhooks', headers: h.auth() })
  const one = await h.app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: h.auth() })
  const stream = await h.app.inject({ method: 'GET', url: `/v1/streams/webhook-${id}`, headers: h.auth() })
  for (const [name, response] of Object.entries({ list, one, stream })) {
    t.equal(response.statusCode, 200)
    t.notOk(response.body.includes(secret.slice(6)), `${name} does not show the secret`)
  }
  t.notOk('secret' in one.json())
  t.match(stream.json().events[0].data.secret, /^v1\.[0-9a-f]{8}\./, 'the log holds it sealed')

  const deleted = await h.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: h.auth() })
  t.match(deleted.json(), { status: 'deleted', deletedAt: String })
  t.notOk('secret' in deleted.json())
  t.equal((await h.app.inject({ method: 'DELETE', url: `/v1/webhooks/${id}`, headers: h.auth() })).statusCode, 200, 'deleting again changes nothing')
  const rotate = await h.app.inject({ method: 'POST', url: `/v1/webhooks/${id}/rotate-secret`, headers: h.auth() })
  t.equal(rotate.statusCode, 409)
  t.match(rotate.json().error, { code: 'WEBHOOK_INACTIVE', message: /is deleted/ })
  t.equal((await h.app.inject({ method: 'GET', url: '/v1/webhooks/wh_nope', headers: h.auth() })).statusCode, 404)
  t.equal((await h.app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries/msg_nope`, headers: h.auth() })).statusCode, 404)
})

t.test('private and special-purpose addresses, IPv4 and IPv6', async (t) => {
  for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::a00:1'])
    t.ok(isPrivateAddress(address), `${address} is refused`)
  for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8', '172.32.0.1'])
    t.notOk(isPrivateAddress(address), `${address} is public`)
  t.ok(isPrivateAddress('not-an-address'))
})
