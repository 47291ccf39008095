// Calibration of the volume forecasts (issue 14, item 4): over simulated years, at each month end
// from January to November, the probability each forecast gave of reaching the threshold against
// what the year then did. Brier score and a reliability table for the seasonal forecast
// (domain/forecast.ts, with the plan's declared profile), the same model with a flat profile, and
// the flat Poisson run rate it replaced (domain/statistics.ts forecastCount), on the same runs.
//
//   npx tsx test/bench/calibration.ts     (also a section of `npm run bench`: BENCH_ONLY=calibration)
//
// CALIBRATION_SEEDS (1..8), CALIBRATION_SCALE (1), CALIBRATION_VARIATION (0.1: the simulator's
// month-to-month and year-to-year variation, without which every seed has the same volumes).
// Each run simulates the year in process and folds only sampling and registrations.
import { fileURLToPath } from 'node:url'
import { forecastCount } from '../../domain/statistics.ts'
import type { Plan } from '../../domain/plans.ts'
import { daysBetween, lastDayOfMonth } from '../../domain/time.ts'
import { type ComplianceState, type TargetReport, evaluatePlan, planView } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan } from '../../seeds/plans.ts'
import { foldSimulatedYear } from '../helpers/simulated-year.ts'
import { type Figure, formatTable } from './table.ts'

const volumeTargets = ['new-market-entities', 'food-sampling-density']
const forecasters = ['seasonal', 'seasonal_flat', 'run_rate'] as const
type Forecaster = (typeof forecasters)[number]
const described: Record<Forecaster, string> = {
  seasonal: 'seasonal, declared profile (new)',
  seasonal_flat: 'seasonal model, flat profile',
  run_rate: 'flat run rate, Poisson (before)',
}
/** `at`: what GET /v1/targets?at=<month end> answers once the year is in; `as_of`: what the log held at that month end. */
const modes = ['at', 'as_of'] as const
type Mode = (typeof modes)[number]

interface Forecast {
  run: number
  mode: Mode
  target: string
  scope: string
  date: string
  probability: Record<Forecaster, number>
  outcome: boolean
}

const monthEnds = Array.from({ length: 11 }, (_, m) => lastDayOfMonth(`2020-${String(m + 1).padStart(2, '0')}`))
const endOf = (date: string) => `${date}T23:59:59+08:00`

/** The plan with no declared profiles: its volume forecasts are the seasonal model, flat. */
const withoutProfiles = (plan: Plan): Plan => ({ ...plan, targets: plan.targets.map(({ seasonalProfile: _ignored, ...target }) => target) })

interface Scoped {
  scope: string
  status: string
  value: number | null
  sample: number
  threshold?: number
  probability?: number | null
}

const scopesOf = (report: TargetReport): Scoped[] => [
  { scope: report.scope, status: report.status, value: report.value, sample: report.sample, threshold: report.threshold, probability: report.forecast?.probability },
  ...report.regions.map((r) => ({ scope: r.region, status: r.status, value: r.value, sample: r.sample, threshold: r.threshold, probability: r.forecast?.probability })),
]

/** The run rate's probability for the same figure: its count, and the threshold in counts. */
const runRateProbability = (figure: Scoped, date: string): number => {
  const countThreshold = figure.value ? (figure.threshold! * figure.sample) / figure.value : Number.POSITIVE_INFINITY
  const f = forecastCount({ count: figure.sample, elapsedDays: daysBetween('2020-01-01', date) + 1, periodDays: 366, threshold: countThreshold })
  return f?.probability ?? 0
}

export interface CalibrationOptions {
  seeds: number[]
  scale: number
  variation: number
}

export const calibrationOptions = (env: Record<string, string | undefined> = process.env): CalibrationOptions => ({
  seeds: (env.CALIBRATION_SEEDS ?? '1,2,3,4,5,6,7,8').split(',').map(Number),
  scale: Number(env.CALIBRATION_SCALE ?? 1),
  variation: Number(env.CALIBRATION_VARIATION ?? 0.1),
})

/** Every open forecast (a scope not yet at its threshold) at every month end of every run. */
/** A target (province or prefecture) of one run that ended met: its lowest probability from 06-30 on. */
export interface MetFromMidYear {
  run: number
  seed: number
  target: string
  scope: string
  lowest: number
  date: string
  /** The year's final value over the threshold (1.01: met by 1%). */
  margin: number
}

export const collectForecasts = (options: CalibrationOptions, log: (line: string) => void = () => {}): { forecasts: Forecast[]; metFromMidYear: MetFromMidYear[] } => {
  const plan = seedPlan()
  const view = planView(plan, 0, guizhouRegionSet())
  const flatView = planView(withoutProfiles(plan), 0, guizhouRegionSet())
  const forecasts: Forecast[] = []
  // For every (run, target, scope) that ends met: the lowest seasonal probability from 06-30 on.
  const lowest = new Map<string, MetFromMidYear>()

  const read = (state: ComplianceState, date: string) => {
    const pick = (reports: TargetReport[]) => new Map(reports.filter((r) => volumeTargets.includes(r.id)).map((r) => [r.id, scopesOf(r)]))
    return { seasonal: pick(evaluatePlan(state, view, { at: endOf(date) })), flat: pick(evaluatePlan(state, flatView, { at: endOf(date) })) }
  }
  options.seeds.forEach((seed, run) => {
    const started = Date.now()
    const asOf = new Map<string, ReturnType<typeof read>>()
    const state = foldSimulatedYear({
      seed,
      scale: options.scale,
      plan,
      variation: options.variation,
      afterDay: (date, s) => {
        if (monthEnds.includes(date)) asOf.set(date, read(s, date))
      },
    })
    const outcomes = read(state, '2020-12-31').seasonal
    const readings: Record<Mode, Map<string, ReturnType<typeof read>>> = { as_of: asOf, at: new Map(monthEnds.map((date) => [date, read(state, date)])) }
    for (const mode of modes)
      for (const [date, { seasonal, flat }] of readings[mode])
        for (const target of volumeTargets) {
          const final = new Map(outcomes.get(target)!.map((f) => [f.scope, f]))
          const flatFigures = new Map(flat.get(target)!.map((f) => [f.scope, f]))
          for (const figure of seasonal.get(target)!) {
            const end = final.get(figure.scope)!
            if (end.threshold === undefined || figure.value === null) continue // Gui'an: no share of its own
            const outcome = end.status === 'met'
            if (mode === 'at' && outcome && date >= '2020-06-30') {
              const key = `${run}|${target}|${figure.scope}`
              const probability = figure.status === 'met' ? 1 : (figure.probability ?? 0)
              const margin = end.value! / end.threshold
              if (!lowest.has(key) || probability < lowest.get(key)!.lowest) lowest.set(key, { run, seed, target, scope: figure.scope, lowest: probability, date, margin })
            }
            if (figure.status === 'met') continue // decided: nothing left to forecast
            forecasts.push({
              run,
              mode,
              target,
              scope: figure.scope,
              date,
              outcome,
              probability: { seasonal: figure.probability ?? 0, seasonal_flat: flatFigures.get(figure.scope)!.probability ?? 0, run_rate: runRateProbability(figure, date) },
            })
          }
        }
    log(`calibration: seed ${seed} (scale ${options.scale}, variation ${options.variation}) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  })
  return { forecasts, metFromMidYear: [...lowest.values()] }
}

export const brier = (forecasts: readonly Forecast[], by: Forecaster): number =>
  forecasts.reduce((sum, f) => sum + (f.probability[by] - (f.outcome ? 1 : 0)) ** 2, 0) / forecasts.length

/** Ten bins of forecast probability: how many, their mean forecast, how often the target was met. */
export const reliability = (forecasts: readonly Forecast[], by: Forecaster) =>
  Array.from({ length: 10 }, (_, bin) => {
    const inBin = forecasts.filter((f) => Math.min(9, Math.floor(f.probability[by] * 10)) === bin)
    const n = inBin.length
    return {
      bin: `${(bin / 10).toFixed(1)}–${((bin + 1) / 10).toFixed(1)}`,
      n,
      forecast: n ? inBin.reduce((s, f) => s + f.probability[by], 0) / n : null,
      observed: n ? inBin.filter((f) => f.outcome).length / n : null,
    }
  })

const pct = (x: number | null) => (x === null ? '' : x.toFixed(2))

const reliabilityTable = (forecasts: readonly Forecast[]): string => {
  const rows = forecasters.map((by) => reliability(forecasts, by))
  const header = `| probability | ${forecasters.map((by) => `${described[by]}: n, mean forecast, observed`).join(' | ')} |`
  const lines = rows[0]!.map((_, bin) => `| ${rows[0]![bin]!.bin} | ${rows.map((r) => `${r[bin]!.n}, ${pct(r[bin]!.forecast)}, ${pct(r[bin]!.observed)}`).join(' | ')} |`)
  return [header, `|---|${forecasters.map(() => '---').join('|')}|`, ...lines].join('\n')
}

export interface CalibrationResult {
  figures: Figure[]
  report: string
}

export const calibration = (options: CalibrationOptions = calibrationOptions(), log: (line: string) => void = () => {}): CalibrationResult => {
  const started = Date.now()
  const { forecasts, metFromMidYear } = collectForecasts(options, log)
  const runs = `${options.seeds.length} seeds (${options.seeds.join(', ')}), scale ${options.scale}, variation ${options.variation}`
  const sections: string[] = []
  const figures: Figure[] = []
  for (const mode of modes) {
    const open = forecasts.filter((f) => f.mode === mode)
    const province = open.filter((f) => f.scope === 'guizhou')
    const scores = forecasters.map((by) => `${described[by]} ${brier(open, by).toFixed(4)}`).join('; ')
    sections.push(
      `calibration (${mode === 'at' ? 'at each month end, the whole log' : 'as of each month end: what the log held then'}): ${runs}; ` +
        `${open.length} open forecasts (province and prefectures, not yet met), ${open.filter((f) => f.outcome).length} of them ended met\n` +
        `Brier (lower is better): ${scores}\n` +
        `Brier, province only (${province.length}): ${forecasters.map((by) => `${described[by]} ${province.length ? brier(province, by).toFixed(4) : '-'}`).join('; ')}\n\n` +
        reliabilityTable(open),
    )
    figures.push({
      name: `volume forecast Brier score, ${mode === 'at' ? 'at' : 'as of'} each month end (${open.length} open forecasts, ${options.seeds.length} seeds)`,
      value: brier(open, 'seasonal'),
      unit: '',
      ceiling: { name: 'flat Poisson run rate on the same runs', value: brier(open, 'run_rate') },
      goal: { compare: '<=', target: 1 },
      note: `seasonal model with a flat profile: ${brier(open, 'seasonal_flat').toFixed(4)}`,
    })
  }
  const province = metFromMidYear.filter((m) => m.scope === 'guizhou')
  const prefectures = metFromMidYear.filter((m) => m.scope !== 'guizhou')
  const lowestOf = (list: readonly MetFromMidYear[]) => list.reduce((low, m) => (m.lowest < low.lowest ? m : low))
  const describe = (m: MetFromMidYear) => `${m.lowest.toFixed(3)} (seed ${m.seed}, ${m.target}, ${m.scope}, ${m.date}; the year ended ${((m.margin - 1) * 100).toFixed(1)}% over)`
  const below = province.filter((m) => m.lowest < 0.5)
  sections.push(
    `lowest probability from 06-30 on of a target that ends met (at each month end): province ${describe(lowestOf(province))}, ` +
      `${below.length} of ${province.length} target-years below 0.5${below.length ? ` (${below.map((m) => `seed ${m.seed} ${m.target} ${m.lowest.toFixed(2)}, ended ${((m.margin - 1) * 100).toFixed(1)}% over`).join('; ')})` : ''}; ` +
      `prefectures ${describe(lowestOf(prefectures))}`,
  )
  figures.push({
    name: `lowest probability from 06-30 on of a volume target that ends met (province, ${options.seeds.length} varied years)`,
    value: lowestOf(province).lowest,
    unit: '',
    ratio: lowestOf(province).lowest,
    goal: { compare: '>=', target: 0.5 },
    note: `${below.length} of ${province.length} below 0.5, each a close call: ${below.map((m) => `${((m.margin - 1) * 100).toFixed(1)}%`).join(', ') || '-'} over at the end; ${((Date.now() - started) / 1000).toFixed(0)} s for ${runs}`,
  })
  // The issue's year: seed 2020 with the calendar's volumes exactly (no variation).
  const plain = collectForecasts({ seeds: [2020], scale: options.scale, variation: 0 }).metFromMidYear.filter((m) => m.scope === 'guizhou')
  sections.push(`the simulated 2020 (seed 2020, scale ${options.scale}, no variation): lowest probability from 06-30 on, province: ${describe(lowestOf(plain))}`)
  figures.push({
    name: `lowest probability from 06-30 on of a volume target that ends met (province, seed 2020 as simulated)`,
    value: lowestOf(plain).lowest,
    unit: '',
    ratio: lowestOf(plain).lowest,
    goal: { compare: '>=', target: 0.5 },
    note: `${plain.map((m) => `${m.target} ${m.lowest.toFixed(3)}`).join(', ')}`,
  })
  return { figures, report: sections.join('\n\n') }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = calibration(calibrationOptions(), (line) => process.stderr.write(`${line}\n`))
  process.stdout.write(`${result.report}\n\n${formatTable(result.figures)}\n`)
}
