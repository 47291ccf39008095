// The background scrub: the whole log re-verified (hash of every event, every chain, the tree
// against every signed head; services/audit/verify.ts) at start and then
// TARGETWATCH_SCRUB_INTERVAL after each run ends. On a SQLite log of
// TARGETWATCH_VERIFY_THREAD_FROM events or more it runs on a thread of its own
// (verify-thread.ts); else on the serving thread, reading the file a page of 200 rows at a time
// and yielding to the event loop between pages, so requests keep being served while it runs.
// Every problem it finds is a finding of the integrity guard (README "Integrity").
import type { Logger } from 'pino'
import type { VerifyReport } from './verify.ts'

export interface ScrubRun {
  startedAt: string
  finishedAt: string
  durationMs: number
  checked: number
  ok: boolean
}

export interface ScrubOptions {
  /** The verification of the live store, which reports its findings to the integrity guard. */
  verify: () => Promise<VerifyReport>
  intervalMs: number
  logger: Logger
  clock: () => Date
  onRun?: (run: ScrubRun) => void
}

export const createScrub = ({ verify, intervalMs, logger, clock, onRun }: ScrubOptions) => {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<ScrubRun | null> | null = null
  let stopped = false
  let last: ScrubRun | null = null

  const once = (): Promise<ScrubRun | null> =>
    (running ??= (async () => {
      const started = clock()
      let report: VerifyReport
      try {
        // verify() itself reports what it finds to the guard.
        report = await verify()
      } catch (error) {
        // Stopping cancels a run on its thread (services/audit/verify-thread.ts): no failure.
        if (!stopped) logger.error({ err: error }, 'the integrity scrub could not run')
        return null
      }
      const finished = clock()
      last = { startedAt: started.toISOString(), finishedAt: finished.toISOString(), durationMs: finished.getTime() - started.getTime(), checked: report.checked, ok: report.ok }
      if (report.ok) logger.info({ checked: report.checked, durationMs: last.durationMs }, 'integrity scrub: no problem found')
      onRun?.(last)
      return last
    })().finally(() => (running = null)))

  const schedule = (delayMs: number) => {
    if (stopped || intervalMs === 0) return
    timer = setTimeout(() => {
      void once().finally(() => schedule(intervalMs))
    }, delayMs).unref()
  }

  return {
    /** The first run right away (in the background), then every interval after the previous ends. */
    start: () => schedule(0),
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    },
    /** Runs now (or joins the run under way). */
    runNow: once,
    last: () => last,
  }
}

export type Scrub = ReturnType<typeof createScrub>
