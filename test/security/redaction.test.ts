// Credentials never reach a log line: API keys in Authorization (valid, revoked or garbage), a
// key created through the API, and the first-start admin key after its one-time banner.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { adminKey } from '../helpers/harness.ts'
import { startService } from '../helpers/process.ts'

t.test('Authorization headers and created keys are absent from the logs, even at trace level', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-redact-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const service = await startService({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey, LOG_LEVEL: 'trace' })
  t.teardown(() => service.child.kill('SIGKILL'))
  const as = (key: string) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' })
  const created = (await (await fetch(`${service.url}/v1/keys`, { method: 'POST', headers: as(adminKey), body: JSON.stringify({ name: 'r', role: 'reporter' }) })).json()) as { key: string }
  const garbage = 'tw_notarealkey000_' + 'x'.repeat(43)
  await fetch(`${service.url}/v1/targets`, { headers: as(created.key) })
  await fetch(`${service.url}/v1/targets`, { headers: as(garbage) })
  await fetch(`${service.url}/v1/events`, { method: 'POST', headers: as(created.key), body: '{"type":' })
  service.child.kill('SIGTERM')
  await service.exited
  const logs = service.output()
  t.ok(logs.split('\n').filter((l) => l.startsWith('{')).length > 5, 'there are log lines to search')
  for (const [name, secret] of Object.entries({ admin: adminKey, created: created.key, garbage })) t.notOk(logs.includes(secret), `the ${name} key is not in the logs`)
  t.notOk(/authorization/i.test(logs) && logs.includes('Bearer '), 'no Authorization value is logged')
})

t.test('the first-start admin key is printed once, on stderr, outside the log lines', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-redact-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const first = await startService({ TARGETWATCH_DATA_DIR: dataDir, LOG_LEVEL: 'trace' })
  first.child.kill('SIGTERM')
  await first.exited
  const key = /(tw_[a-z0-9]{12}_[A-Za-z0-9_-]{43})/.exec(first.output())?.[1]
  t.ok(key, 'the banner shows the key')
  const inLogLines = first.output().split('\n').filter((line) => line.startsWith('{') && line.includes(key!))
  t.same(inLogLines, [], 'no JSON log line carries it')
  const second = await startService({ TARGETWATCH_DATA_DIR: dataDir, LOG_LEVEL: 'trace' })
  const works = await fetch(`${second.url}/v1/keys`, { headers: { authorization: `Bearer ${key}` } })
  second.child.kill('SIGTERM')
  await second.exited
  t.equal(works.status, 200, 'the printed key is a working admin key')
  t.notOk(second.output().includes(key!), 'a second start does not print it again')
})
