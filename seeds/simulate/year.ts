// A realistic 2020 for Guizhou, as the facts reporting systems would have sent, day by day in
// the order they occurred. Pure and deterministic: the same options give the same events (ids
// included), so posting a year twice is idempotent, and `until` cuts a prefix of the same year.
import type { ClientEventType } from '../../domain/events.ts'
import { populationOf, type RegionId } from './regions.ts'
import type { Plan } from '../../domain/plans.ts'
import { addDays, dayNumber, lastDayOfMonth } from '../../domain/time.ts'
import { activities, allocate, daysOfYear, epochMsOf, shanghaiInstant } from './calendar.ts'
import { entityFacts, rescueFacts, samplingFacts, type SimulatedEvent } from './facts.ts'
import { milestonePlans } from './milestones.ts'
import { entitiesAtScaleOne, guianEntityShare, regionProfiles, allRegions } from './profiles.ts'
import { streamFor } from './random.ts'
import { readingPlans, reportingHabits, shareIn } from './readings.ts'

export type { SimulatedEvent } from './facts.ts'

export interface SimulationOptions {
  seed: number
  /** Volume of sampling, registrations and entrapments relative to the real year (1 = full size). */
  scale: number
  /** Keep only facts that occurred (were reported) on or before this day; default: all, into 2021. */
  until?: string
  /** The plan whose milestone items the year achieves (titles, regions): the 2020 plan. */
  plan: Plan
  /**
   * Month-to-month variation of the volumes (sampling, registrations, entrapments) that the
   * calendar does not explain: each region's year and, on top, each of its months are drawn from
   * the seed with this coefficient of variation (log-normal, mean 1; a quiet month is not made up
   * later). Default 0: the calendar's year
   * exactly, the same volumes for every seed. The calibration (test/bench/calibration.ts) uses it
   * so that seeds differ as years do.
   */
  variation?: number
}

export interface SimulatedDay {
  /** The day the facts occurred (Asia/Shanghai). */
  date: string
  events: SimulatedEvent[]
}

const round = (x: number) => Math.round(x)

/** Yearly totals per region at the given scale: sampling batches, new entities, entrapments. */
export const regionTotals = (scale: number): Record<RegionId, { sampling: number; entities: number; entrapments: number }> => {
  const vigour = (region: RegionId) => (populationOf(region) ?? 0) * regionProfiles[region].entityVigour
  const vigourSum = allRegions.reduce((sum, region) => sum + vigour(region), 0)
  const entities = entitiesAtScaleOne * scale
  const totals = {} as Record<RegionId, { sampling: number; entities: number; entrapments: number }>
  for (const region of allRegions) {
    const profile = regionProfiles[region]
    const population = populationOf(region)
    totals[region] = {
      sampling: round((population === null ? (profile.samplingBatches ?? 0) : (profile.samplingDensity * population) / 1000) * scale),
      entities: round(region === 'guian' ? entities * guianEntityShare : (entities * (1 - guianEntityShare) * vigour(region)) / vigourSum),
      entrapments: round(profile.entrapments * scale),
    }
  }
  return totals
}

const prefixSums = (perDay: number[]): number[] => {
  const sums = [0]
  for (const n of perDay) sums.push(sums[sums.length - 1]! + n)
  return sums
}

interface Schedule {
  sampling: number[][]
  entities: number[][]
  entrapments: number[][]
  /** Index of a region's first entity in the province-wide numbering (USCCs must not collide). */
  entityOffset: number[]
}

/** A log-normal factor with mean 1 and coefficient of variation `cv`. */
const factor = (normal: number, cv: number): number => {
  const sigma = Math.sqrt(Math.log(1 + cv * cv))
  return Math.exp(sigma * normal - (sigma * sigma) / 2)
}

const schedule = (scale: number, seed: number, variation: number): Schedule => {
  const totals = regionTotals(scale)
  const sums = (kind: 'sampling' | 'entities' | 'entrapments', activity: (typeof activities)[keyof typeof activities]) =>
    allRegions.map((region) => {
      if (!(variation > 0)) return prefixSums(allocate(totals[region][kind], activity))
      const random = streamFor(seed, 'variation', kind, region)
      const year = factor(random.normal(), variation)
      const months = Array.from({ length: 12 }, () => factor(random.normal(), variation))
      return prefixSums(allocate(Math.round(totals[region][kind] * year), activity, months))
    })
  const entities = sums('entities', activities.registration)
  const entityOffset: number[] = []
  entities.reduce((offset, days, i) => ((entityOffset[i] = offset), offset + days[days.length - 1]!), 0)
  return {
    sampling: sums('sampling', activities.sampling),
    entities,
    entrapments: sums('entrapments', activities.entrapment),
    entityOffset,
  }
}

const countOn = (sums: number[], day: number) => sums[day + 1]! - sums[day]!

/** Monthly readings of every region, each dated when its report arrives. */
const readingFacts = (seed: number): SimulatedEvent[] => {
  const events: SimulatedEvent[] = []
  for (const plan of readingPlans) {
    for (const region of allRegions) {
      const habit = reportingHabits[region]
      const random = streamFor(seed, 'readings', plan.indicator, region)
      let previous = 0
      for (let month = 0; month < 12; month++) {
        const size = Math.round(plan.size(region) * (1 + ((plan.growth ?? 0) * month) / 11))
        let numerator = Math.floor(shareIn(plan, region, month) * size + (plan.monotone ? 0 : random.normal() * 0.002 * size))
        numerator = Math.min(size, Math.max(plan.monotone ? previous : 0, numerator))
        previous = numerator
        const delay = random.int(...habit.delayDays)
        const skipped = habit.skips?.some((s) => s.month === month && (!s.indicators || s.indicators.includes(plan.indicator)))
        if (skipped || month < (habit.firstMonth ?? 0)) continue
        const asOf = lastDayOfMonth(`2020-${String(month + 1).padStart(2, '0')}`)
        const reportedOn = addDays(asOf, delay)
        events.push({
          id: random.uuid(),
          type: 'IndicatorReported',
          occurredAt: shanghaiInstant(epochMsOf(reportedOn, random.int(9 * 3600, 17 * 3600))),
          data: { indicator: plan.indicator, region, asOf, numerator, denominator: size },
        })
      }
    }
  }
  return events
}

const milestoneFacts = (seed: number, catalog: Plan): SimulatedEvent[] =>
  milestonePlans.flatMap((plan) => {
    if (!plan.window) return []
    const random = streamFor(seed, 'milestones', plan.targetId, plan.itemId)
    const item = catalog.targets.find((t) => t.id === plan.targetId)?.items?.find((i) => i.id === plan.itemId)
    const [from, to] = plan.window
    const achievedOn = addDays(from, random.int(0, dayNumber(to) - dayNumber(from)))
    const region = plan.region ?? (item?.region as RegionId | undefined)
    const title = plan.title ?? (item ? `${item.title.zh} / ${item.title.en}` : plan.itemId)
    return [
      {
        id: random.uuid(),
        type: 'MilestoneAchieved' as const,
        occurredAt: shanghaiInstant(epochMsOf(addDays(achievedOn, random.int(0, 3)), random.int(9 * 3600, 18 * 3600))),
        data: { targetId: plan.targetId, itemId: plan.itemId, title, ...(region ? { region } : {}), achievedOn },
      },
    ]
  })

const byOccurrence = (a: SimulatedEvent, b: SimulatedEvent) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0)

/** The simulated year, one day of occurrences at a time (2020, then late reports into 2021). */
export function* simulateYear(options: SimulationOptions): Generator<SimulatedDay> {
  const { seed, scale, until, plan: catalog, variation = 0 } = options
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a whole number >= 0, got ${seed}`)
  if (!(scale > 0 && scale <= 2)) throw new RangeError(`scale must be in (0, 2], got ${scale}`)
  if (!(variation >= 0 && variation <= 1)) throw new RangeError(`variation must be in [0, 1], got ${variation}`)
  const plan = schedule(scale, seed, variation)
  const pending = new Map<string, SimulatedEvent[]>()
  const hold = (event: SimulatedEvent) => {
    const day = event.occurredAt.slice(0, 10)
    const list = pending.get(day)
    if (list) list.push(event)
    else pending.set(day, [event])
  }
  for (const event of readingFacts(seed)) hold(event)
  for (const event of milestoneFacts(seed, catalog)) hold(event)

  const last = until ?? '9999-12-31'
  for (let day = 0; day < daysOfYear.length; day++) {
    const date = daysOfYear[day]!
    if (date > last) return
    allRegions.forEach((region, r) => {
      const context = { seed, region, date }
      samplingFacts(context, countOn(plan.sampling[r]!, day), plan.sampling[r]![day]! + 1).forEach(hold)
      entityFacts(context, countOn(plan.entities[r]!, day), plan.entityOffset[r]! + plan.entities[r]![day]!).forEach(hold)
      rescueFacts(context, countOn(plan.entrapments[r]!, day), plan.entrapments[r]![day]! + 1).forEach(hold)
    })
    const events = (pending.get(date) ?? []).sort(byOccurrence)
    pending.delete(date)
    yield { date, events }
  }
  // Facts of 2020 that occurred in 2021: December's readings, late test results and arrivals.
  for (const date of [...pending.keys()].sort()) {
    if (date > last) return
    const events = pending.get(date)!.sort(byOccurrence)
    yield { date, events }
  }
}

/** The whole simulated year as one list (convenient for small scales and tests). */
export const simulatedEvents = (options: SimulationOptions): SimulatedEvent[] => [...simulateYear(options)].flatMap((day) => day.events)

export const countByType = (events: Iterable<SimulatedEvent>): Record<ClientEventType, number> => {
  const counts: Record<ClientEventType, number> = {
    SamplingBatchTested: 0,
    SamplingResultCorrected: 0,
    InspectionBatchTested: 0,
    InspectionResultCorrected: 0,
    MarketEntityRegistered: 0,
    RescueRequested: 0,
    RescuerArrived: 0,
    IndicatorReported: 0,
    MilestoneAchieved: 0,
  }
  for (const event of events) counts[event.type] += 1
  return counts
}
