// The service on a real socket (127.0.0.1, a free port) for ingest specifications, and a small
import { connect, type Socket } from 'node:net'
// JSON client over fetch.
import { createKey, startHarness, type Harness } from '../helpers/harness.ts'

export interface Served {
  h: Harness
  url: string
  post: (path: string, body: unknown, key?: string) => Promise<{ status: number; body: any }>
  key: (role: string, regions?: string[]) => Promise<string>
}

export const serveOnLoopback = async (options: Parameters<typeof startHarness>[0] = {}): Promise<Served> => {
  const h = await startHarness(options)
  const url = await h.app.listen({ port: 0, host: '127.0.0.1' })
  const post = async (path: string, body: unknown, key?: string) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...h.auth(key) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
    return { status: response.status, body: await response.json() }
  }
  return { h, url, post, key: (role, regions) => createKey(h, role, regions) }
}

/**
 * Sends every request at once: one socket each, all connected first, then every request written
 * in one turn of the loop, so the server reads them together (as from separate clients) rather
 * than one by one as a client sharing its event loop would send them.
 */
export const postAllAtOnce = async (url: string, path: string, bodies: unknown[], authorization: string): Promise<{ status: number; body: any }[]> => {
  const { hostname, port } = new URL(url)
  const sockets = await Promise.all(
    bodies.map(
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket))
          socket.once('error', reject)
        }),
    ),
  )
  const answers = sockets.map(
    (socket) =>
      new Promise<string>((resolve, reject) => {
        let text = ''
        socket.setEncoding('utf8')
        socket.on('data', (chunk) => (text += chunk))
        socket.once('end', () => resolve(text))
        socket.once('error', reject)
        socket.setTimeout(30_000, () => socket.destroy(new Error('no answer in 30 s')))
      }),
  )
  sockets.forEach((socket, index) => {
    const body = JSON.stringify(bodies[index])
    socket.write(
      `POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
        `authorization: ${authorization}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  })
  return (await Promise.all(answers)).map((raw) => {
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1])
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'))
    let payload = raw.slice(raw.indexOf('\r\n\r\n') + 4)
    // chunked transfer: join the chunks
    if (/transfer-encoding: chunked/i.test(head)) {
      let joined = ''
      for (let rest = payload; ; ) {
        const eol = rest.indexOf('\r\n')
        const size = parseInt(rest.slice(0, eol), 16)
        if (!size) break
        joined += rest.slice(eol + 2, eol + 2 + size)
        rest = rest.slice(eol + 2 + size + 2)
      }
      payload = joined
    }
    return { status, body: JSON.parse(payload) }
  })
}
