// Run the real service as a child process on 127.0.0.1, for crash and end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })

export interface ServiceProcess {
  child: ChildProcess
  url: string
  output: () => string
  /** Resolves when the process has exited. */
  exited: Promise<number | null>
}

/** `nodeArgs` go before the script, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] to profile the service. */
export const startService = async (env: Record<string, string>, timeoutMs = 20_000, nodeArgs: string[] = []): Promise<ServiceProcess> => {
  const port = await freePort()
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(projectRoot, 'services/cli.ts'), 'serve'], {
    cwd: projectRoot,
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${output}`)
    try {
      const response = await fetch(`${url}/readyz`)
      if (response.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`service not ready within ${timeoutMs} ms:\n${output}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { child, url, output: () => output, exited }
}
