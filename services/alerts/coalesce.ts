// Run an async job at most once per interval however often it is requested, never two at a
// time, and once more after a run if it was requested meanwhile. `flush` runs it now (after any
// run in progress) and resolves when that run is over.
import type { Logger } from 'pino'

export interface Coalesced {
  /** Ask for a run within the interval. */
  request(): void
  /** Run now (after the current run, if any) and wait for it. */
  flush(): Promise<void>
  start(): void
  /** No further runs; resolves when the current one is over. */
  stop(): Promise<void>
}

export const coalesce = (job: () => Promise<void>, intervalMs: number, logger: Logger, name: string): Coalesced => {
  let stopped = true
  let timer: NodeJS.Timeout | null = null
  let running: Promise<void> | null = null
  let again = false
  let lastRunAt = 0

  const run = (): Promise<void> => {
    if (running) {
      again = true
      return running
    }
    running = job()
      .catch((err) => logger.error({ err, job: name }, `${name} failed; it runs again on the next trigger`))
      .finally(() => {
        running = null
        lastRunAt = performance.now()
        if (again) {
          again = false
          request()
        }
      })
    return running
  }

  const request = () => {
    if (stopped || timer) return
    const wait = Math.max(0, lastRunAt + intervalMs - performance.now())
    timer = setTimeout(() => {
      timer = null
      if (!stopped) void run()
    }, wait)
  }

  return {
    request,
    flush: async () => {
      if (running) await running
      if (!stopped) await run()
    },
    start: () => {
      stopped = false
    },
    stop: async () => {
      stopped = true
      if (timer) clearTimeout(timer)
      timer = null
      again = false
      await running
    },
  }
}
