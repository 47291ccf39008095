// Logs of the real process when stdout is not a terminal: pino JSON lines, each line of a
// request carrying its request id (the client's x-request-id, or a generated one that the
// response echoes), and no credentials.
import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { adminKey } from '../helpers/harness.ts'
import { startService } from '../helpers/process.ts'

t.test('JSON log lines carry the request id of every request', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-logs-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const service = await startService({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey, LOG_LEVEL: 'info' })
  let stdout = ''
  service.child.stdout!.on('data', (chunk) => (stdout += chunk))
  t.teardown(async () => {
    service.child.kill('SIGTERM')
    await service.exited
  })
  const headers = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }

  const read = await fetch(`${service.url}/v1/targets?at=2020-03-01`, { headers: { ...headers, 'x-request-id': 'ops-log-read-1' } })
  t.equal(read.status, 200)
  t.equal(read.headers.get('x-request-id'), 'ops-log-read-1', 'the response echoes the id')
  const refused = await fetch(`${service.url}/v1/events`, {
    method: 'POST',
    headers: { ...headers, 'x-request-id': 'ops-log-bad-2' },
    body: JSON.stringify({ type: 'MarketEntityRegistered', data: { uscc: '91520000MA6DMXXX00', region: 'guiyang', kind: 'enterprise', registeredOn: '2020-03-02' } }),
  })
  t.equal(refused.status, 400)
  const anonymous = await fetch(`${service.url}/readyz`)
  const generated = anonymous.headers.get('x-request-id')!
  t.match(generated, /^[0-9a-f-]{36}$/, 'without one, the service makes an id up and echoes it')

  service.child.kill('SIGTERM')
  await service.exited
  const lines = stdout.split('\n').filter((line) => line.trim() !== '')
  const entries = lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>
    } catch {
      t.fail(`not a JSON line: ${line}`)
      return {}
    }
  })
  t.ok(entries.length > 5, `${entries.length} JSON lines`)
  const about = (id: string) => entries.filter((e) => e.reqId === id)
  for (const [id, status] of [['ops-log-read-1', 200], ['ops-log-bad-2', 400], [generated, 200]] as const) {
    const mine = about(id)
    t.ok(mine.some((e) => e.msg === 'incoming request'), `${id}: its arrival is logged with the id`)
    t.ok(mine.some((e) => e.msg === 'request completed' && (e.res as { statusCode?: number })?.statusCode === status), `${id}: its completion (${status}) too`)
  }
  const requestLines = entries.filter((e) => e.req !== undefined || e.res !== undefined)
  t.same(requestLines.filter((e) => typeof e.reqId !== 'string'), [], 'every line about a request names it')
  t.notOk(stdout.includes(adminKey), 'the API key never reaches the log')
  t.ok(entries.every((e) => typeof e.level === 'number' && typeof e.time === 'number'), 'pino fields on every line')
})
