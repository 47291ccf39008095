// `targetwatch simulate [--seed N] [--scale 1] [--until 2020-09-30] [--url ...] [--key ...]`:
// posts a realistic 2020 through the HTTP API of a running service, then prints what was
// appended and where every target stands.
import { parseArgs } from 'node:util'
import { isCalendarDate } from '../../domain/time.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { oneShot, postYear, preflight, SimulationError, waitForProjection, type PostSummary } from '../../seeds/simulate/client.ts'
import { progressReporter, summaryText, targetsText, type TargetLine } from '../../seeds/simulate/report.ts'
import { simulateYear } from '../../seeds/simulate/year.ts'
import { ConfigError, type Config } from '../config.ts'

export const simulateUsage = `usage: targetwatch simulate [options]   (npm run simulate -- [options])

  --seed N        the year to simulate (default 2020); the same seed gives the same events,
                  so a second run is idempotent (every event answers 200)
  --scale S       volume of sampling, registrations and entrapments, 0 < S <= 2 (default 1:
                  about 660,000 events); readings and milestones do not scale
  --until DATE    stop after the facts that occurred by DATE (e.g. 2020-09-30)
  --url URL       the service (default http://HOST:PORT from the environment)
  --key KEY       a reporter (all regions) or admin key (default TARGETWATCH_KEY, then
                  TARGETWATCH_ADMIN_KEY)
  --batch N       events per request (default 2000)
  --lanes N       requests in flight (default 3)`

export interface SimulateArguments {
  seed: number
  scale: number
  until?: string
  url: string
  key: string
  batchSize: number
  lanes: number
}

const whole = (flag: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) throw new ConfigError(`simulate ${flag}`, `must be a whole number from ${min} to ${max}, got '${raw}'`)
  return Number(raw)
}

export const parseSimulateArguments = (config: Config, args: string[], env = process.env): SimulateArguments => {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      seed: { type: 'string' },
      scale: { type: 'string' },
      until: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      batch: { type: 'string' },
      lanes: { type: 'string' },
    },
  })
  const scale = values.scale === undefined ? 1 : Number(values.scale)
  if (!(scale > 0 && scale <= 2)) throw new ConfigError('simulate --scale', `must be a number in (0, 2], got '${values.scale}'`)
  if (values.until !== undefined && !isCalendarDate(values.until)) throw new ConfigError('simulate --until', `must be a date YYYY-MM-DD, got '${values.until}'`)
  const key = values.key ?? env.TARGETWATCH_KEY ?? config.adminKey
  if (!key) throw new ConfigError('simulate --key', 'is required: a reporter key for all regions or an admin key (or set TARGETWATCH_KEY)')
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return {
    seed: whole('--seed', values.seed, 2020, 0, 2 ** 31),
    scale,
    ...(values.until ? { until: values.until } : {}),
    url: (values.url ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`).replace(/\/+$/, ''),
    key,
    batchSize: whole('--batch', values.batch, 2000, 1, 10_000),
    lanes: whole('--lanes', values.lanes, 3, 1, 16),
  }
}

/** The targets as the service sees them at the end of the simulated stretch. */
export const fetchTargets = async (url: string, key: string, until?: string): Promise<TargetLine[]> => {
  const response = await fetch(`${url}/v1/targets${until ? `?at=${until}` : ''}`, { headers: { authorization: `Bearer ${key}`, ...oneShot } })
  if (!response.ok) throw new Error(`GET /v1/targets answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
  return ((await response.json()) as { targets: TargetLine[] }).targets
}

export const runSimulation = async (options: SimulateArguments, out: NodeJS.WritableStream & { isTTY?: boolean }): Promise<PostSummary> => {
  const { seed, scale, until, url, key, batchSize, lanes } = options
  out.write(`targetwatch simulate: seed ${seed}, scale ${scale}${until ? `, until ${until}` : ''} → ${url}\n`)
  await preflight(url, key)
  const progress = progressReporter(out)
  let last = { date: '2020-01-01', posted: 0, rejected: 0, elapsedMs: 0 }
  const year = simulateYear({ seed, scale, plan: seedPlan(), ...(until ? { until } : {}) })
  const summary = await postYear(year, { url, key, batchSize, lanes, onProgress: (p) => progress.update((last = p)) })
  progress.done({ ...last, posted: summary.posted, rejected: summary.rejected, elapsedMs: summary.elapsedMs })
  out.write(`\n${summaryText(summary)}\n\n`)
  await waitForProjection(url, summary.lastPosition)
  const heading = until ? `targets at ${until}` : 'targets after the year closed'
  out.write(`${targetsText(await fetchTargets(url, key, until), heading)}\n`)
  if (scale < 1)
    out.write(`\n  (scale ${scale}: registrations and sampling are ${Math.round(scale * 1000) / 10}% of a real year, so the count targets read against full-size thresholds)\n`)
  return summary
}

export const simulateCommand = async (config: Config, args: string[]): Promise<number> => {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${simulateUsage}\n`)
    return 0
  }
  const options = parseSimulateArguments(config, args)
  try {
    const summary = await runSimulation(options, process.stdout)
    return summary.rejected > 0 ? 1 : 0
  } catch (error) {
    // The service refused the key, or is not there: say so without a stack trace.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    if (error instanceof SimulationError) process.stderr.write(`\ntargetwatch simulate: ${error.message}\n`)
    else if (error instanceof TypeError && error.message === 'fetch failed')
      process.stderr.write(`\ntargetwatch simulate: lost ${options.url} (${cause?.code ?? cause?.message ?? 'network error'})\n`)
    else throw error
    return 1
  }
}
