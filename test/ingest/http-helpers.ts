// The service on a real socket (127.0.0.1, a free port) for ingest specifications, and a small
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
