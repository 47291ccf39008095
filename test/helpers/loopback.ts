// A test's own HTTP server (a webhook receiver, say) on 127.0.0.1 only, at a free port. close()
// destroys the connections still open first — a receiver that never answers holds its sockets,
// and server.close() alone would wait for them forever.
import { once } from 'node:events'
import type http from 'node:http'
import type { Socket } from 'node:net'

export interface Loopback {
  /** http://127.0.0.1:<port><path> */
  url: string
  close: () => Promise<void>
}

export const listenOnLoopback = async (server: http.Server, path = '/hook'): Promise<Loopback> => {
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
