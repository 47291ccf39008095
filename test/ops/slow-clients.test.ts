// Issue 16 item 4: slow clients cannot hold sockets. The real service (a child process) runs with
// short TARGETWATCH_HTTP_* limits so the test is quick; real sockets send a byte at a time. A
// body declared at 100,000 bytes and sent a byte every 100 ms (it would take 3 hours) is cut at
// the request timeout, with or without a key; slow headers at the headers timeout; an idle
// keep-alive connection at the keep-alive timeout; connections beyond the cap are closed at once;
// a connection carries at most maxRequestsPerSocket requests. Before: nothing closed any of them.
import t, { type Test } from 'tap'
import { connect, type Socket } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startService } from '../helpers/process.ts'

const adminKey = 'test-admin-key-0123456789'

interface Watched {
  socket: Socket
  received: () => string
  /** ms from open until the server closed the connection */
  closed: Promise<number>
}

const open = async (url: string): Promise<Watched> => {
  const { hostname, port } = new URL(url)
  const started = Date.now()
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: hostname, port: Number(port) }, () => resolve(s))
    s.once('error', reject)
  })
  let received = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk) => (received += chunk))
  socket.on('error', () => {})
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)))
  return { socket, received: () => received, closed }
}

/** Writes `text` a byte every `everyMs` until the socket closes (or the text ends). */
const dribble = (socket: Socket, text: string, everyMs: number) => {
  let at = 0
  const timer = setInterval(() => {
    if (socket.destroyed || at >= text.length) return clearInterval(timer)
    socket.write(text[at++]!)
  }, everyMs)
  socket.once('close', () => clearInterval(timer))
}

/** Resolves with the close time, or fails the test when the server keeps the socket past `boundMs`. */
const closedWithin = async (t: Test, watched: Watched, boundMs: number, what: string) => {
  const bound = new Promise<null>((resolve) => setTimeout(() => resolve(null), boundMs).unref())
  const ms = await Promise.race([watched.closed, bound])
  if (ms === null) {
    watched.socket.destroy()
    t.fail(`${what}: still open after ${boundMs} ms`)
  } else t.pass(`${what}: closed by the server after ${ms} ms`)
  return ms
}

t.test('timeouts and the connection cap, against real slow sockets', async (t) => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-slow-'))
  const service = await startService({
    TARGETWATCH_DATA_DIR: dataDir,
    TARGETWATCH_ADMIN_KEY: adminKey,
    TARGETWATCH_HTTP_REQUEST_TIMEOUT_MS: '1000',
    TARGETWATCH_HTTP_HEADERS_TIMEOUT_MS: '500',
    TARGETWATCH_HTTP_KEEPALIVE_TIMEOUT_MS: '300',
    TARGETWATCH_HTTP_CONNECTION_TIMEOUT_MS: '10000',
    TARGETWATCH_HTTP_MAX_REQUESTS_PER_SOCKET: '3',
    TARGETWATCH_HTTP_MAX_CONNECTIONS: '8',
  })
  t.teardown(async () => {
    service.child.kill('SIGTERM')
    await service.exited
    rmSync(dataDir, { recursive: true, force: true })
  })

  for (const withKey of [true, false]) {
    const slow = await open(service.url)
    slow.socket.write(
      `POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n${withKey ? `authorization: Bearer ${adminKey}\r\n` : ''}\r\n`,
    )
    dribble(slow.socket, '{"type":"SamplingBatchTested",' + ' '.repeat(99_970), 100)
    const ms = await closedWithin(t, slow, 5_000, `a body sent a byte every 100 ms ${withKey ? 'with' : 'without'} a key`)
    if (ms !== null) t.ok(ms >= 900, `not before the request timeout (${ms} ms)`)
    t.match(slow.received(), withKey ? /^HTTP\/1\.1 408/ : /^HTTP\/1\.1 (401|408)/, 'the client is told (408 Request Timeout, or the 401 sent before)')
  }

  const slowHeaders = await open(service.url)
  dribble(slowHeaders.socket, `GET /v1/targets HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${adminKey}\r\nx-padding: ${'a'.repeat(200)}\r\n\r\n`, 100)
  await closedWithin(t, slowHeaders, 4_000, 'headers sent a byte every 100 ms')

  const idle = await open(service.url)
  idle.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n')
  await closedWithin(t, idle, 3_000, 'an idle keep-alive connection after its answer')
  t.match(idle.received(), /^HTTP\/1\.1 200/)

  const reused = await open(service.url)
  reused.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(3))
  await closedWithin(t, reused, 3_000, 'a connection after maxRequestsPerSocket requests')
  const answers = reused.received().split(/(?=HTTP\/1\.1 )/)
  t.equal(answers.length, 3, 'three answers on it')
  t.match(answers[2], /connection: close/i, 'the third says the connection closes')

  const held: Watched[] = []
  for (let i = 0; i < 8; i++) held.push(await open(service.url))
  const beyond = await open(service.url)
  await closedWithin(t, beyond, 2_000, 'a ninth connection beyond the cap of 8')
  t.equal(beyond.received(), '', 'closed before any answer')
  for (const h of held) h.socket.destroy()
  await Promise.all(held.map((h) => h.closed))
  const after = await fetch(`${service.url}/healthz`)
  t.equal(after.status, 200, 'once connections close, new ones are served')
})
