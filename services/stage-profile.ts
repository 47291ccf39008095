// Per-stage timing of POST /v1/events (README "Performance", issue 18 item 1): hrtime counters
// that exist only when TARGETWATCH_PROFILE_STAGES names a file; the process writes
// { stage: { count, totalUs, meanUs } } there when it exits. Off, every call site is one
// boolean test and no hook is registered.
import fs from 'node:fs'

const file = process.env.TARGETWATCH_PROFILE_STAGES
/** True only when stages are being profiled; guard every call with it. */
export const profilingStages = file !== undefined && file !== ''

const totals = new Map<string, { count: number; totalNs: bigint }>()

export const now = (): bigint => process.hrtime.bigint()

/** Adds the time since `since` (from `now()`) to `stage`. */
export const record = (stage: string, since: bigint, count = 1): void => {
  const entry = totals.get(stage)
  const elapsed = process.hrtime.bigint() - since
  if (entry) {
    entry.count += count
    entry.totalNs += elapsed
  } else totals.set(stage, { count, totalNs: elapsed })
}

export const stageReport = (): Record<string, { count: number; totalUs: number; meanUs: number }> =>
  Object.fromEntries(
    [...totals].map(([stage, { count, totalNs }]) => {
      const totalUs = Number(totalNs) / 1000
      return [stage, { count, totalUs: Math.round(totalUs), meanUs: Number((totalUs / Math.max(1, count)).toFixed(1)) }]
    }),
  )

if (profilingStages) process.on('exit', () => fs.writeFileSync(file!, JSON.stringify(stageReport())))

const started = Symbol('stage-started')
type Stamped = { [started]?: bigint }

/**
 * Route hooks of POST /v1/events when profiling: body parsing (preParsing → preValidation),
 * validation (→ preHandler) and the reply (handler's end → onResponse, serialization and write).
 */
export const stageHooks = () =>
  profilingStages
    ? {
        preParsing: async (request: object) => void ((request as Stamped)[started] = now()),
        preValidation: async (request: object) => {
          const stamped = request as Stamped
          record('http.parse', stamped[started]!)
          stamped[started] = now()
        },
        preHandler: async (request: object) => record('http.validate', (request as Stamped)[started]!),
        preSerialization: async (request: object, _reply: unknown, payload: unknown) => {
          ;(request as Stamped)[started] = now()
          return payload
        },
        onResponse: async (request: object) => {
          const since = (request as Stamped)[started]
          if (since !== undefined) record('http.reply (wait: serialize, write, loop)', since)
        },
      }
    : {}
