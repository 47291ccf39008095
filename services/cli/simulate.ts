// `targetwatch simulate [--plan ID] [--seed N] [--scale 1] [--until DATE] [--url ...] [--key ...]`:
// posts a simulated period of a plan through the HTTP API of a running service — for the 2020
// plan a realistic Guizhou year (seeds/simulate/year.ts), for any other published plan one read
// from its measures (seeds/simulate/any-plan.ts) — then prints what was appended and where every
// target stands.
import { parseArgs } from 'node:util'
import { planId as planIdSchema } from '../../domain/events.ts'
import { defaultPlanId, type Plan } from '../../domain/plans.ts'
import type { RegionSet } from '../../domain/regions.ts'
import { isCalendarDate } from '../../domain/time.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { simulatePlan } from '../../seeds/simulate/any-plan.ts'
import type { SimulatedDay } from '../../seeds/simulate/year.ts'
import { oneShot, postYear, preflight, SimulationError, waitForProjection, type PostSummary } from '../../seeds/simulate/client.ts'
import { progressReporter, summaryText, targetsText, type TargetLine } from '../../seeds/simulate/report.ts'
import { simulateYear } from '../../seeds/simulate/year.ts'
import { ConfigError, type Config } from '../config.ts'

export const simulateUsage = `usage: targetwatch simulate [options]   (npm run simulate -- [options])

  --plan ID       the published plan to simulate (default ${defaultPlanId}: a realistic Guizhou
                  year); any other plan gets a period read from its measures, each region
                  landing near its thresholds
  --seed N        the year to simulate (default 2020); the same seed gives the same events,
                  so a second run is idempotent (every event answers 200)
  --scale S       volume of sampling, registrations and entrapments, 0 < S <= 2 (default 1:
                  about 660,000 events for ${defaultPlanId}); readings and milestones do not scale
  --until DATE    stop after the facts that occurred by DATE (e.g. 2020-09-30)
  --url URL       the service (default http://HOST:PORT from the environment)
  --key KEY       a reporter (all regions) or admin key (default TARGETWATCH_KEY, then
                  TARGETWATCH_ADMIN_KEY)
  --batch N       events per request (default 2000)
  --lanes N       requests in flight (default 3)`

export interface SimulateArguments {
  plan: string
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
      plan: { type: 'string' },
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
  const plan = values.plan ?? defaultPlanId
  const planCheck = planIdSchema.safeParse(plan)
  if (!planCheck.success) throw new ConfigError('simulate --plan', `${planCheck.error.issues[0]!.message}, got '${plan}'`)
  const key = values.key ?? env.TARGETWATCH_KEY ?? config.adminKey
  if (!key) throw new ConfigError('simulate --key', 'is required: a reporter key for all regions or an admin key (or set TARGETWATCH_KEY)')
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return {
    plan,
    seed: whole('--seed', values.seed, 2020, 0, 2 ** 31),
    scale,
    ...(values.until ? { until: values.until } : {}),
    url: (values.url ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`).replace(/\/+$/, ''),
    key,
    batchSize: whole('--batch', values.batch, 2000, 1, 10_000),
    lanes: whole('--lanes', values.lanes, 3, 1, 16),
  }
}

const getJson = async <T>(url: string, key: string, route: string): Promise<T> => {
  const response = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${key}`, ...oneShot } })
  if (response.status === 404) throw new SimulationError(`${route}: no such plan is published (POST /v1/plans or \`targetwatch plans publish FILE\` first)`)
  if (!response.ok) throw new Error(`GET ${route} answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
  return (await response.json()) as T
}

/** The targets of the plan as the service sees them at the end of the simulated stretch. */
export const fetchTargets = async (url: string, key: string, until?: string, plan = defaultPlanId): Promise<TargetLine[]> =>
  (await getJson<{ targets: TargetLine[] }>(url, key, `/v1/plans/${encodeURIComponent(plan)}/targets${until ? `?at=${until}` : ''}`)).targets

/** The period to post: the realistic 2020 year for the 2020 plan, else one read from the published plan. */
const periodToPost = async (options: SimulateArguments): Promise<{ days: Iterable<SimulatedDay>; start: string }> => {
  const { plan, seed, scale, until, url, key } = options
  if (plan === defaultPlanId) return { days: simulateYear({ seed, scale, plan: seedPlan(), ...(until ? { until } : {}) }), start: '2020-01-01' }
  const route = `/v1/plans/${encodeURIComponent(plan)}`
  const [document, regions] = await Promise.all([getJson<Plan>(url, key, route), getJson<RegionSet>(url, key, `${route}/regions`)])
  return { days: simulatePlan({ seed, scale, plan: document, regions, ...(until ? { until } : {}) }), start: document.period.start }
}

export const runSimulation = async (options: SimulateArguments, out: NodeJS.WritableStream & { isTTY?: boolean }): Promise<PostSummary> => {
  const { plan, seed, scale, until, url, key, batchSize, lanes } = options
  const planNote = plan === defaultPlanId ? '' : `plan ${plan}, `
  out.write(`targetwatch simulate: ${planNote}seed ${seed}, scale ${scale}${until ? `, until ${until}` : ''} → ${url}\n`)
  await preflight(url, key)
  const progress = progressReporter(out)
  const { days: year, start } = await periodToPost(options)
  let last = { date: start, posted: 0, rejected: 0, elapsedMs: 0 }
  const summary = await postYear(year, { url, key, batchSize, lanes, onProgress: (p) => progress.update((last = p)) })
  progress.done({ ...last, posted: summary.posted, rejected: summary.rejected, elapsedMs: summary.elapsedMs })
  out.write(`\n${summaryText(summary)}\n\n`)
  await waitForProjection(url, summary.lastPosition)
  const heading = until ? `targets at ${until}` : 'targets after the period closed'
  out.write(`${targetsText(await fetchTargets(url, key, until, plan), heading)}\n`)
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
