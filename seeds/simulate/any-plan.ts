// A plausible period for any published plan, read from its measures alone: what the simulator
// posts when it is given a plan other than the 2020 one (whose year, in year.ts, is modelled on
// Guizhou's real calendar and regions). Every target gets the facts its measure counts, in every
// region of the plan's set, so that each region lands near its threshold — most just above, a
// few just below — and the verdicts come out mixed as a real period's would. Pure and
// deterministic: the same seed, scale and plan give the same events, ids included.
import { samplingStages } from '../../domain/measures.ts'
import type { Plan } from '../../domain/plans.ts'
import type { RegionDefinition, RegionSet } from '../../domain/regions.ts'
import type { ComputedFrom, Target } from '../../domain/targets.ts'
import { addDays, dayNumber, lastDayOfMonth } from '../../domain/time.ts'
import { dayKind, epochMsOf, shanghaiInstant } from './calendar.ts'
import type { SimulatedEvent } from './facts.ts'
import type { SimulatedDay } from './year.ts'
import { simulatedUscc } from './facts.ts'
import { type Random, streamFor } from './random.ts'

export interface PlanSimulationOptions {
  seed: number
  /** Volume relative to a full-size period (1 = the volumes the thresholds ask for). */
  scale: number
  plan: Plan
  /** The plan's region set (GET /v1/plans/{plan}/regions). */
  regions: RegionSet
  /** Keep only facts that occurred on or before this day. */
  until?: string
}

/** Inspection batches per region in a full-size period, where no per-capita target sets the volume. */
const batchesPerRegion = 400
/** Entrapments per region in a full-size period, where no count target sets the volume. */
const rescuesPerRegion = 120

const days = (start: string, end: string): string[] =>
  Array.from({ length: dayNumber(end) - dayNumber(start) + 1 }, (_, i) => addDays(start, i))

/** Workdays carry the volume; weekends a fifth of it; holidays little. */
const dayWeight = (date: string) => ({ workday: 1, weekend: 0.2, holiday: 0.05 })[dayKind(date)]

/** `total` spread over the days by weight, whole numbers that sum to it. */
const spread = (total: number, dates: readonly string[]): number[] => {
  const weights = dates.map(dayWeight)
  const sum = weights.reduce((a, b) => a + b, 0)
  let carried = 0
  let given = 0
  return weights.map((w) => {
    carried += (total * w) / sum
    const n = Math.round(carried) - given
    given += n
    return n
  })
}

/** Where a region lands against a threshold: most clear it by a little, about one in five misses. */
const margin = (random: Random): number => (random.chance(0.8) ? 0.3 + random.next() * 0.7 : -(0.2 + random.next() * 0.6))

const filterValue = (from: ComputedFrom | undefined, field: string): string | undefined => {
  const value = from?.filter?.[field]
  return typeof value === 'string' ? value : value?.[0]
}

const officeSecond = (random: Random) => random.int(8 * 3600 + 1800, 17 * 3600 + 1800)
const at = (date: string, random: Random) => shanghaiInstant(epochMsOf(date, officeSecond(random)))
const tag = (seed: number) => `s${seed.toString(36)}`

/** A stream of inspection facts (one program, stage, purpose): its volume and pass rate per region. */
interface InspectionSource {
  key: string
  from: ComputedFrom
  volume: Map<string, number>
  passRate: Map<string, number>
}

const regionsOf = (set: RegionSet): RegionDefinition[] => set.regions

/** The facts one target's measure needs, or the volume it adds to a shared source of facts. */
const plansOfTargets = (options: PlanSimulationOptions) => {
  const { plan, regions, scale, seed } = options
  const inspections = new Map<string, InspectionSource>()
  const entities = new Map<string, number>()
  const rescues = new Map<string, { count: number; medianMinutes: number }>()
  const source = (from: ComputedFrom): InspectionSource => {
    const key = JSON.stringify([from.fact, filterValue(from, 'program'), filterValue(from, 'stage'), filterValue(from, 'purpose')])
    let found = inspections.get(key)
    if (!found) inspections.set(key, (found = { key, from, volume: new Map(), passRate: new Map() }))
    return found
  }
  for (const target of plan.targets) {
    const from = target.computedFrom
    for (const region of regionsOf(regions)) {
      const random = streamFor(seed, 'plan-volume', target.id, region.id)
      const population = region.population?.value ?? 0
      const needed = (perPeriod: number) => Math.max(0, Math.round(perPeriod * (1 + 0.08 * margin(random)) * scale))
      if (target.metric === 'event_ratio' && from) {
        const s = source(from)
        s.volume.set(region.id, Math.max(s.volume.get(region.id) ?? 0, Math.round(batchesPerRegion * scale)))
        const gap = target.comparator === 'lte' ? -1 : 1
        s.passRate.set(region.id, Math.min(1, Math.max(0, target.threshold + gap * 0.01 * margin(random))))
      } else if ((target.metric === 'event_count' || target.metric === 'event_rate_per_1000') && from?.fact) {
        const share = target.metric === 'event_count' ? target.threshold / Math.max(1, regions.regions.length) : (target.threshold * population) / 1000
        const n = needed(share)
        if (from.fact === 'MarketEntityRegistered') entities.set(region.id, Math.max(entities.get(region.id) ?? 0, n))
        else if (from.fact === 'RescueRequested') rescues.set(region.id, { count: Math.max(rescues.get(region.id)?.count ?? 0, n), medianMinutes: 15 })
        else {
          const s = source(from)
          s.volume.set(region.id, Math.max(s.volume.get(region.id) ?? 0, n))
        }
      } else if (target.metric === 'mean_duration') {
        const known = rescues.get(region.id)
        const medianMinutes = target.threshold * (1 - 0.12 * margin(random)) * 0.93
        rescues.set(region.id, { count: Math.max(known?.count ?? 0, Math.round(rescuesPerRegion * scale)), medianMinutes })
      }
    }
  }
  return { inspections, entities, rescues }
}

const inspectionFacts = (options: PlanSimulationOptions, s: InspectionSource, region: RegionDefinition, dates: readonly string[]): SimulatedEvent[] => {
  const random = streamFor(options.seed, 'plan-inspections', s.key, region.id)
  const perDay = spread(s.volume.get(region.id) ?? 0, dates)
  const passRate = s.passRate.get(region.id) ?? 0.97
  const program = s.from.fact === 'InspectionBatchTested' ? (filterValue(s.from, 'program') ?? 'general') : undefined
  const stage = filterValue(s.from, 'stage') ?? (program === undefined ? 'mixed' : undefined)
  const purpose = filterValue(s.from, 'purpose')
  const events: SimulatedEvent[] = []
  let seq = 0
  dates.forEach((date, day) => {
    for (let i = 0; i < perDay[day]!; i++) {
      const batchId = `${(program ?? 'food-safety').toUpperCase().slice(0, 12)}-${region.id}-${tag(options.seed)}-${String(++seq).padStart(6, '0')}`
      const result = random.chance(passRate) ? 'pass' : 'fail'
      // A food-safety batch always names its stage (the event schema requires one): the filter's, or any.
      const stageOf = stage === 'mixed' ? random.pick(samplingStages) : stage
      const fields = { batchId, region: region.id, ...(stageOf ? { stage: stageOf } : {}), ...(purpose ? { purpose } : {}), sampledOn: date, result }
      const occurredAt = at(addDays(date, random.int(3, 12)), random)
      events.push(
        program === undefined
          ? ({ id: random.uuid(), type: 'SamplingBatchTested', occurredAt, data: fields } as SimulatedEvent)
          : ({ id: random.uuid(), type: 'InspectionBatchTested', occurredAt, data: { program, ...fields } } as SimulatedEvent),
      )
    }
  })
  return events
}

const entityFactsOf = (options: PlanSimulationOptions, region: RegionDefinition, index: number, total: number, dates: readonly string[]): SimulatedEvent[] => {
  const random = streamFor(options.seed, 'plan-entities', region.id)
  const county = /^\d{6}$/.test(region.code ?? '') ? region.code! : '520000'
  const perDay = spread(total, dates)
  const events: SimulatedEvent[] = []
  let n = index
  dates.forEach((date, day) => {
    for (let i = 0; i < perDay[day]!; i++)
      events.push({
        id: random.uuid(),
        type: 'MarketEntityRegistered',
        occurredAt: at(date, random),
        data: { uscc: simulatedUscc(options.seed, n++, '91', county), region: region.id, kind: 'enterprise', registeredOn: date },
      } as SimulatedEvent)
  })
  return events
}

const rescueFactsOf = (options: PlanSimulationOptions, region: RegionDefinition, count: number, medianMinutes: number, dates: readonly string[]): SimulatedEvent[] => {
  const random = streamFor(options.seed, 'plan-rescues', region.id)
  const perDay = spread(count, dates)
  const events: SimulatedEvent[] = []
  let seq = 0
  dates.forEach((date, day) => {
    for (let i = 0; i < perDay[day]!; i++) {
      const incidentId = `DT-${region.id}-${tag(options.seed)}-${String(++seq).padStart(5, '0')}`
      const reportedMs = epochMsOf(date, random.int(6 * 3600, 23 * 3600))
      const minutes = Math.max(3, random.logNormal(medianMinutes, 0.35))
      const reportedAt = shanghaiInstant(reportedMs)
      const arrivedAt = shanghaiInstant(reportedMs + Math.round(minutes * 60_000))
      events.push(
        { id: random.uuid(), type: 'RescueRequested', occurredAt: reportedAt, data: { incidentId, region: region.id, elevatorId: `${region.id}-${random.int(1, 99_999)}`, reportedAt } } as SimulatedEvent,
        { id: random.uuid(), type: 'RescuerArrived', occurredAt: arrivedAt, data: { incidentId, arrivedAt } } as SimulatedEvent,
      )
    }
  })
  return events
}

/** The last day of each reporting period (month or quarter) of a target's period. */
const reportingDates = (target: Target): string[] => {
  const every = target.reporting?.cadence === 'quarterly' ? 3 : 1
  const [y0, m0] = target.period.start.split('-').map(Number) as [number, number]
  const dates: string[] = []
  for (let i = every - 1; ; i += every) {
    const month = `${y0 + Math.floor((m0 - 1 + i) / 12)}-${String(((m0 - 1 + i) % 12) + 1).padStart(2, '0')}`
    const end = lastDayOfMonth(month)
    if (end > target.period.end) return dates
    dates.push(end)
  }
}

/** Readings on the target's cadence: rising towards the threshold for a by-period-end target, around it for a standing one. */
const readingFacts = (options: PlanSimulationOptions, target: Target): SimulatedEvent[] => {
  const indicator = target.computedFrom?.indicator ?? target.id
  const grace = target.reporting?.graceDays ?? 10
  const asOfs = reportingDates(target)
  return regionsOf(options.regions).flatMap((region) => {
    const random = streamFor(options.seed, 'plan-readings', target.id, region.id)
    const denominator = Math.max(10, Math.round((region.population?.value ?? 100_000) / 2_000))
    const final = Math.min(1, Math.max(0, target.threshold + (target.comparator === 'lte' ? -1 : 1) * 0.02 * margin(random)))
    return asOfs.map((asOf, i) => {
      const progress = target.evaluation === 'by_period_end' ? 0.55 + (0.45 * (i + 1)) / asOfs.length : 1
      const numerator = Math.min(denominator, Math.round(denominator * final * progress))
      return {
        id: random.uuid(),
        type: 'IndicatorReported',
        occurredAt: at(addDays(asOf, random.int(2, Math.max(2, grace - 1))), random),
        data: { plan: options.plan.id, indicator, region: region.id, asOf, numerator, denominator },
      } as SimulatedEvent
    })
  })
}

/** Each item of a milestone target achieved on a day of its period (a few late or never, for a firm target rarely). */
const milestoneFacts = (options: PlanSimulationOptions, target: Target): SimulatedEvent[] => {
  const items = target.items ?? Array.from({ length: Math.max(0, Math.round(target.threshold)) }, (_, i) => ({ id: `item-${i + 1}`, title: { zh: `事项${i + 1}`, en: `item ${i + 1}` } }))
  const span = dayNumber(target.period.end) - dayNumber(target.period.start)
  return items.flatMap((item) => {
    const random = streamFor(options.seed, 'plan-milestones', target.id, item.id)
    if (random.chance(target.commitment === 'strive' ? 0.2 : 0.05)) return []
    const achievedOn = addDays(target.period.start, random.int(Math.round(span * 0.2), span))
    const region = 'region' in item ? item.region : undefined
    return [
      {
        id: random.uuid(),
        type: 'MilestoneAchieved',
        occurredAt: at(addDays(achievedOn, random.int(0, 3)), random),
        data: { plan: options.plan.id, targetId: target.id, itemId: item.id, title: `${item.title.zh} / ${item.title.en}`, ...(region ? { region } : {}), achievedOn },
      } as SimulatedEvent,
    ]
  })
}

const byOccurrence = (a: SimulatedEvent, b: SimulatedEvent) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0)

/** The plan's period, one day of occurrences at a time (then the reports that arrive after it). */
export function* simulatePlan(options: PlanSimulationOptions): Generator<SimulatedDay> {
  const { seed, scale, plan, until } = options
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a whole number >= 0, got ${seed}`)
  if (!(scale > 0 && scale <= 2)) throw new RangeError(`scale must be in (0, 2], got ${scale}`)
  const dates = days(plan.period.start, plan.period.end)
  const volumes = plansOfTargets(options)
  const events: SimulatedEvent[] = []
  let entityIndex = 0
  for (const region of regionsOf(options.regions)) {
    for (const s of volumes.inspections.values()) events.push(...inspectionFacts(options, s, region, dates))
    const entities = volumes.entities.get(region.id) ?? 0
    events.push(...entityFactsOf(options, region, entityIndex, entities, dates))
    entityIndex += entities
    const rescue = volumes.rescues.get(region.id)
    if (rescue) events.push(...rescueFactsOf(options, region, rescue.count, rescue.medianMinutes, dates))
  }
  for (const target of plan.targets) {
    if (target.metric === 'reading_ratio') events.push(...readingFacts(options, target))
    if (target.metric === 'milestone_count') events.push(...milestoneFacts(options, target))
  }
  const byDay = new Map<string, SimulatedEvent[]>()
  for (const event of events) {
    const day = event.occurredAt.slice(0, 10)
    const list = byDay.get(day)
    if (list) list.push(event)
    else byDay.set(day, [event])
  }
  for (const date of [...byDay.keys()].sort()) {
    if (until !== undefined && date > until) return
    yield { date, events: byDay.get(date)!.sort(byOccurrence) }
  }
}
