// A small deterministic generator of realistic facts: the seven client event types in the
// proportions of a Guizhou year (most facts are new market entities and sampling batches), with
// business dates that advance through 2020 as the log grows. Each fact comes in two forms: what a
// client submits, and what the store records (the decider's output, with its stream context).
import { regions, type RegionId } from '../../seeds/simulate/regions.ts'
import { usccAlphabet, usccCheckCharacter } from '../../domain/uscc.ts'

/** Bump when the facts change: seeded logs of other versions are written again. */
export const generatorVersion = 2

export interface SubmittedFact {
  id: string
  type: string
  data: Record<string, unknown>
}

export interface GeneratedFact {
  stream: string
  /** Revision the stream has before this fact: -1 for a new stream. */
  revisionBefore: number
  submitted: SubmittedFact
  /** The data the decider records (corrections and arrivals carry their stream's context). */
  recorded: Record<string, unknown>
  /** Instant within 2020 that this fact's place in the log stands for. */
  instant: string
}

/** mulberry32: a tiny, fast, deterministic PRNG. */
const random32 = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hex = (random: () => number, digits: number) => {
  let text = ''
  while (text.length < digits) text += Math.floor(random() * 0x10000).toString(16).padStart(4, '0')
  return text.slice(0, digits)
}

/**
 * A version-7 uuid (RFC 9562: 48-bit millisecond time, then randomness) drawn from the PRNG:
 * the form the service mints for facts sent without an id, which is most of them.
 */
const uuidV7Of = (random: () => number, milliseconds: number) => {
  const h = milliseconds.toString(16).padStart(12, '0') + hex(random, 20)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-${'89ab'[Math.floor(random() * 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

const yearStart = Date.parse('2020-01-01T00:00:00+08:00')
const yearMs = 366 * 86_400_000
const shanghaiDate = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10)
const prefectures = regions.filter((r) => r.population !== null)
const stages = ['production', 'distribution', 'catering', 'edible_agricultural'] as const
const indicators = ['licence-separation-coverage', 'joint-random-inspection-coverage', 'school-kitchen-transparency', 'food-risk-grading', 'elevator-inspection-rate', 'elevator-registration-rate']
const openMilestoneTargets = ['specialty-industry-standards', 'provincial-agri-demo-zones', 'new-measurement-standards']
const regionCode: Record<string, string> = Object.fromEntries(regions.map((r) => [r.id, r.id.slice(0, 2).toUpperCase()]))
const serialSpace = 31 ** 7

/**
 * A valid, unique USCC for the n-th entity: the region's division code, then a serial that
 * scatters n over 31^7 values (multiplying by 5^11, prime to 31, is a bijection; exact while n < 1.8e8), as real
 * codes do not arrive in order.
 */
const usccOf = (n: number, region: RegionId): string => {
  let serial = ''
  for (let i = 0, v = (n * 48_828_125) % serialSpace; i < 7; i++, v = Math.floor(v / 31)) serial = usccAlphabet[v % 31] + serial
  const body = `92${regions.find((r) => r.id === region)!.code ?? '520900'}00${serial}`
  return body + usccCheckCharacter(body)
}

// Cumulative shares of the year's facts other than readings, by kind.
const mix = [
  ['entity', 0.766],
  ['batch', 0.952],
  ['correction', 0.957],
  ['rescue', 0.978],
  ['arrival', 0.999],
  ['milestone', 1],
] as const

// Readings are periodic: every region reports every reading indicator weekly, however many other
// facts the year holds (a busier year has more batches and entities, not more weekly reports).
const readingsPerYear = indicators.length * regions.length * 52
// Milestone items are few and named by the plan (12 standard systems, 30 demonstration zones, 12
// measurement standards): a busier year does not invent more of them.
const milestonesPerYear = openMilestoneTargets.length * 40
const milestoneSlot = 1 - mix[mix.length - 2][1]

/**
 * `total` spreads the facts' dates over 2020; `firstSerial` starts the counters that name batches,
 * entities, incidents and items, so facts of separate generators never collide.
 */
export const createGenerator = (options: { total: number; seed?: number; firstSerial?: number }) => {
  const random = random32(options.seed ?? 2020)
  const batches: { stream: string; region: RegionId; sampledOn: string; result: 'pass' | 'fail'; revision: number; batchId: string }[] = []
  const pendingRescues: { stream: string; incidentId: string; region: RegionId; reportedAt: string }[] = []
  const indicatorRevisions = new Map<string, number>()
  let index = 0
  const readingShare = Math.min(0.05, readingsPerYear / options.total)
  const first = options.firstSerial ?? 0
  const counters = { entity: first, batch: first, rescue: first, milestone: first }

  const region = (): RegionId => {
    // Weighted by population; Gui'an reports rarely.
    if (random() < 0.02) return 'guian'
    let pick = random() * 36_000_000
    for (const r of prefectures) if ((pick -= r.population!) <= 0) return r.id
    return prefectures[0].id
  }

  const fact = (stream: string, revisionBefore: number, type: string, data: Record<string, unknown>, recorded: Record<string, unknown>, ms: number): GeneratedFact => ({
    stream,
    revisionBefore,
    submitted: { id: uuidV7Of(random, ms), type, data },
    recorded,
    instant: new Date(ms).toISOString(),
  })

  const next = (): GeneratedFact => {
    const ms = yearStart + Math.floor((index++ / options.total) * yearMs)
    const today = shanghaiDate(ms)
    const roll = random()
    let kind: (typeof mix)[number][0] | 'indicator' = random() < readingShare ? 'indicator' : mix.find(([, share]) => roll < share)![0]
    if (kind === 'milestone' && random() * milestoneSlot * options.total >= milestonesPerYear) kind = 'entity'
    if (kind === 'correction' && batches.length > 0) {
      const batch = batches[Math.floor(random() * batches.length)]
      const result = batch.result === 'pass' ? 'fail' : 'pass'
      const data = { batchId: batch.batchId, result, reason: 'retest ordered by the provincial laboratory' }
      const recorded = { ...data, region: batch.region, sampledOn: batch.sampledOn, previousResult: batch.result }
      batch.result = result
      return fact(batch.stream, batch.revision++, 'SamplingResultCorrected', data, recorded, ms)
    }
    if (kind === 'arrival' && pendingRescues.length > 0) {
      const rescue = pendingRescues.shift()!
      const data = { incidentId: rescue.incidentId, arrivedAt: new Date(Date.parse(rescue.reportedAt) + (6 + random() * 30) * 60_000).toISOString() }
      return fact(rescue.stream, 0, 'RescuerArrived', data, { ...data, region: rescue.region, reportedAt: rescue.reportedAt }, ms)
    }
    if (kind === 'rescue') {
      const incidentId = `ER-${today}-${++counters.rescue}`
      const data = { incidentId, region: region(), elevatorId: `EL-${Math.floor(random() * 90_000)}`, reportedAt: new Date(ms).toISOString() }
      pendingRescues.push({ stream: `rescue-${incidentId}`, incidentId, region: data.region, reportedAt: data.reportedAt })
      return fact(`rescue-${incidentId}`, -1, 'RescueRequested', data, data, ms)
    }
    if (kind === 'indicator') {
      const data = { indicator: indicators[Math.floor(random() * indicators.length)], region: region(), asOf: today, numerator: 0, denominator: 400 + Math.floor(random() * 600) }
      data.numerator = Math.floor(data.denominator * (0.85 + random() * 0.15))
      // An indicator stream holds every report of one indicator in one region.
      const stream = `indicator-${data.indicator}-${data.region}`
      const revision = indicatorRevisions.get(stream) ?? -1
      indicatorRevisions.set(stream, revision + 1)
      return fact(stream, revision, 'IndicatorReported', data, data, ms)
    }
    if (kind === 'milestone') {
      const data = { targetId: openMilestoneTargets[counters.milestone % 3], itemId: `item-${++counters.milestone}`, title: 'Provincial standard published', achievedOn: today }
      return fact(`milestone-${data.targetId}-${data.itemId}`, -1, 'MilestoneAchieved', data, data, ms)
    }
    if (kind === 'batch' || kind === 'correction') {
      const place = region()
      const batchId = `${regionCode[place]}-2020-${String(++counters.batch).padStart(8, '0')}`
      const failed = random() < 0.015
      const data = { batchId, region: place, stage: stages[Math.floor(random() * 4)], sampledOn: today, result: failed ? 'fail' : 'pass', ...(failed ? { failedItems: ['pesticide residue'] } : {}) }
      batches.push({ stream: `sampling-${batchId}`, region: place, sampledOn: today, result: data.result as 'pass' | 'fail', revision: 0, batchId })
      if (batches.length > 1000) batches.shift()
      return fact(`sampling-${batchId}`, -1, 'SamplingBatchTested', data, data, ms)
    }
    const place = region()
    const data = { uscc: usccOf(++counters.entity, place), region: place, kind: random() < 0.7 ? 'individual' : 'enterprise', registeredOn: today }
    return fact(`entity-${data.uscc}`, -1, 'MarketEntityRegistered', data, data, ms)
  }

  return { next }
}

export type Generator = ReturnType<typeof createGenerator>
