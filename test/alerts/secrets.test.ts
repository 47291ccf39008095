// Secrets at rest: sealed with AES-256-GCM (key in the data dir, mode 0600, or from config),
// never in clear in the log files, the API after creation, or the service's logs.
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import { createSecretBox, keyFileName, loadSecretKey } from '../../services/alerts/secret-box.ts'
import { ConfigError, loadConfig } from '../../services/config.ts'
import { buildApp } from '../../services/http/app.ts'
import { redactedPaths } from '../../services/logger.ts'
import { openServices } from '../../services/services.ts'
import { adminKey } from '../helpers/harness.ts'

const tempDir = (t: Test) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-secrets-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('sealing: round trip, bound to the webhook id, tamper and wrong key detected', async (t) => {
  const box = createSecretBox(randomBytes(32))
  const sealed = box.seal('whsec_abc', 'wh_aaaaaaaaaaaaaaaa')
  t.match(sealed, new RegExp(`^v1\\.${box.keyId}\\.`))
  t.not(box.seal('whsec_abc', 'wh_aaaaaaaaaaaaaaaa'), sealed, 'a fresh nonce each time')
  t.equal(box.open(sealed, 'wh_aaaaaaaaaaaaaaaa'), 'whsec_abc')
  t.throws(() => box.open(sealed, 'wh_bbbbbbbbbbbbbbbb'), { code: 'WEBHOOK_SECRET_UNAVAILABLE', message: /does not verify/ }, 'moved to another subscription')
  const parts = sealed.split('.')
  parts[3] = Buffer.from('tampered').toString('base64url')
  t.throws(() => box.open(parts.join('.'), 'wh_aaaaaaaaaaaaaaaa'), { message: /does not verify/ })
  t.throws(() => createSecretBox(randomBytes(32)).open(sealed, 'wh_aaaaaaaaaaaaaaaa'), { message: /sealed with key [0-9a-f]{8}, this service has key/ })
})

t.test('the key: created once in the data dir with mode 0600, reused; or taken from TARGETWATCH_WEBHOOK_KEY', async (t) => {
  const dir = tempDir(t)
  const logger = pino({ level: 'silent' })
  const key = loadSecretKey({ configured: null, dataDir: dir, persistent: true, logger })
  t.equal(statSync(path.join(dir, keyFileName)).mode & 0o777, 0o600)
  t.same(loadSecretKey({ configured: null, dataDir: dir, persistent: true, logger }), key, 'the same key on the next start')
  const hex = randomBytes(32).toString('hex')
  t.same(loadConfig({ TARGETWATCH_WEBHOOK_KEY: hex }).alerts.webhooks.key, Buffer.from(hex, 'hex'))
  t.throws(() => loadConfig({ TARGETWATCH_WEBHOOK_KEY: 'short' }), new ConfigError('TARGETWATCH_WEBHOOK_KEY', 'must be 32 bytes as 64 hex characters or base64 (e.g. openssl rand -base64 32)'))
  t.throws(() => loadConfig({ TARGETWATCH_WEBHOOK_RETRY_SCHEDULE: '1s,later' }), { message: /^TARGETWATCH_WEBHOOK_RETRY_SCHEDULE: item 2 'later'/ })
  t.same(loadConfig({ TARGETWATCH_WEBHOOK_RETRY_SCHEDULE: '1s,2s,5s' }).alerts.webhooks.retrySchedule, [1000, 2000, 5000])
})

t.test('no secret in clear: not in the SQLite files, not in the logs, not in any answer after creation', async (t) => {
  const dir = tempDir(t)
  const lines: string[] = []
  const logger = pino({ level: 'trace', redact: { paths: redactedPaths, censor: '[redacted]' } }, { write: (line: string) => void lines.push(line) })
  const services = await openServices(loadConfig({ TARGETWATCH_DATA_DIR: dir, TARGETWATCH_ADMIN_KEY: adminKey }), logger)
  const app = await buildApp(services, { logger })
  await app.ready()
  const headers = { authorization: `Bearer ${adminKey}` }
  const created = await app.inject({ method: 'POST', url: '/v1/webhooks', headers, payload: { url: 'https://93.184.216.34/hook' } })
  const { id, secret } = created.json()
  const rotated = (await app.inject({ method: 'POST', url: `/v1/webhooks/${id}/rotate-secret`, headers })).json().secret as string
  t.match(rotated, /^whsec_/)
  const urls = ['/v1/webhooks', `/v1/webhooks/${id}`, `/v1/webhooks/${id}/deliveries`, `/v1/streams/webhook-${id}`, '/v1/alerts']
  const answers = await Promise.all(urls.map(async (url) => ({ url, body: (await app.inject({ method: 'GET', url, headers })).body })))
  await app.close()
  await services.close()

  const secrets = [secret, rotated].flatMap((s: string) => [s, s.slice('whsec_'.length), Buffer.from(s.slice(6), 'base64').toString('hex')])
  const files = readdirSync(dir).filter((f) => f !== keyFileName)
  t.ok(files.includes('events.db'))
  for (const file of files) {
    const bytes = readFileSync(path.join(dir, file)).toString('latin1')
    for (const s of secrets) t.notOk(bytes.includes(s), `${file} does not contain a secret`)
  }
  t.ok(lines.length > 0, 'the service logged')
  for (const s of secrets) t.notOk(lines.join('\n').includes(s), 'the logs do not contain a secret')
  for (const answer of answers) for (const s of secrets) t.notOk(answer.body.includes(s), `${answer.url} does not show a secret`)
})
