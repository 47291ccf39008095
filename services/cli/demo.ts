// `targetwatch serve --demo [--scale 0.1] [--seed 2020]` (npm start -- --demo): serve from a data
// dir of its own (./data-demo unless TARGETWATCH_DATA_DIR is set) and post a simulated year into
// itself in the background, through its own HTTP API, so the first look at the dashboard is never
// an empty page. Prints a dashboard link with a read-only key.
//
// Below scale 1 the demo's plan is the 2020 plan with its volume thresholds scaled as the volumes
// are (seeds/simulate/scaled-plan.ts), recorded as a revision of the plan in the demo's own data
// dir and named so in its title: the demo's verdicts are then those of the full-size year.
import path from 'node:path'
import type { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { Principal } from '../auth/principal.ts'
import { ConfigError, type Config } from '../config.ts'
import { serve } from '../server.ts'
import { seedPlan } from '../../seeds/plans.ts'
import type { PostSummary } from '../../seeds/simulate/client.ts'
import { scaledPlan } from '../../seeds/simulate/scaled-plan.ts'
import type { Services } from '../services.ts'
import type { PosterInput, PosterMessage } from './demo-poster.ts'
import { startTypeScriptWorker } from '../threads/typescript-worker.ts'

export const serveOptions = {
  demo: { type: 'boolean' },
  scale: { type: 'string' },
  seed: { type: 'string' },
} as const

export interface DemoArguments {
  demo?: boolean
  scale?: string
  seed?: string
}

const demoKeyNames = ['demo simulator', 'demo dashboard']
const operator: Principal = { keyId: 'demo', name: 'targetwatch serve --demo', role: 'admin', regions: null }

export const parseDemoArguments = (values: DemoArguments): { seed: number; scale: number } => {
  if (!values.demo && (values.scale !== undefined || values.seed !== undefined)) throw new ConfigError('serve --scale, --seed', 'go with --demo')
  const scale = values.scale === undefined ? 0.1 : Number(values.scale)
  if (!(scale > 0 && scale <= 2)) throw new ConfigError('serve --demo --scale', `must be a number in (0, 2], got '${values.scale}'`)
  const seed = values.seed === undefined ? 2020 : Number(values.seed)
  if (!Number.isSafeInteger(seed) || seed < 0) throw new ConfigError('serve --demo --seed', `must be a whole number, got '${values.seed}'`)
  return { seed, scale }
}

/** The data dir of a demo: its own, unless the operator named one. */
export const demoDataDir = (config: Config, env: Record<string, string | undefined> = process.env, cwd = process.cwd()): string =>
  env.TARGETWATCH_DATA_DIR ? config.dataDir : path.resolve(cwd, 'data-demo')

/**
 * Judges the demo's data dir against the plan at its scale: revises the 2020 plan there to the
 * scaled one (or back to the plan itself at scale 1); nothing is recorded when it already is.
 */
export const useDemoPlan = async (services: Services, scale: number): Promise<void> => {
  const plan = scaledPlan(seedPlan(), scale)
  const current = services.plans.get(plan.id)
  const reason = scale === 1 ? 'demo at full size: the plan as published' : `demo at scale ${scale}: volume thresholds scaled as the simulated volumes`
  await services.plans.revise(plan.id, plan, current.revision, operator, 'demo', reason)
}

export const serveDemo = async (config: Config, values: DemoArguments, logger: Logger) => {
  const { seed, scale } = parseDemoArguments(values)
  const demoConfig: Config = { ...config, dataDir: demoDataDir(config) }
  const { app, services } = await serve(demoConfig, logger)
  await useDemoPlan(services, scale)

  // Keys of an earlier demo start cannot be shown again (only hashes are kept): replace them.
  for (const key of services.keys.list())
    if (demoKeyNames.includes(key.name) && key.revokedAt === null) await services.keys.revoke(key.id, operator, 'demo', 'replaced by a new demo start')
  const simulatorKey = config.adminKey ?? (await services.keys.create({ name: 'demo simulator', role: 'reporter' }, operator, 'demo')).key
  const viewerKey = (await services.keys.create({ name: 'demo dashboard', role: 'viewer' }, operator, 'demo')).key

  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${(app.server.address() as { port: number }).port}`
  process.stderr.write(
    `\n  targetwatch demo (data in ${demoConfig.dataDir}): simulating 2020 at scale ${scale}, seed ${seed}` +
      `${scale === 1 ? '' : `; the volume thresholds of its plan are scaled by ${scale} alike`}.\n` +
      `  The dashboard fills in as the year is posted; open it with a read-only key:\n\n    ${url}/#key=${viewerKey}\n\n`,
  )

  const started = Date.now()
  const done = postInWorker({ url, key: simulatorKey, seed, scale }, logger).then(
    (summary) => {
      const { posted, appended, existing, rejected } = summary
      const seconds = (Date.now() - started) / 1000
      logger.info({ posted, appended, existing, rejected, seconds }, 'demo: the simulated year is in')
      process.stderr.write(`\n  targetwatch demo: the simulated year is in: ${posted.toLocaleString('en-US')} facts posted in ${seconds.toFixed(1)} s (${Math.round(posted / seconds).toLocaleString('en-US')}/s).\n\n`)
      return summary
    },
    (err) => {
      if (!(err instanceof ShuttingDown)) logger.error({ err }, 'demo: simulation failed')
      return null
    },
  )
  return { app, services, url, viewerKey, done }
}

class ShuttingDown extends Error {}

/** Runs the simulator in its worker thread (demo-poster.ts); resolves with what the service made of the year. */
const postInWorker = (input: PosterInput, logger: Logger): Promise<PostSummary> =>
  new Promise((resolve, reject) => {
    const worker = startPoster(input)
    const stop = () => worker.postMessage('abort')
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    const settle = () => (process.off('SIGINT', stop), process.off('SIGTERM', stop))
    worker.on('message', (message: PosterMessage) => {
      if (message.kind === 'progress')
        logger.info({ through: message.through, posted: message.posted, rejected: message.rejected }, `demo: simulating ${message.through.slice(0, 7)}`)
      else if (message.kind === 'done') (settle(), resolve(message.summary))
      else (settle(), reject(message.aborted ? new ShuttingDown(message.message) : new Error(message.message)))
    })
    worker.on('error', (error) => (settle(), reject(error)))
    // The worker must not keep a stopping service alive.
    worker.unref()
  })

/** The poster's thread (services/threads/typescript-worker.ts). */
const startPoster = (input: PosterInput): Worker => startTypeScriptWorker(new URL('./demo-poster.ts', import.meta.url), { workerData: input })
