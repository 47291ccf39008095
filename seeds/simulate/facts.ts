// The high-volume facts of one simulated day in one region: sampling results, supervisory or
// risk monitoring (and the odd correction), market entity registrations with valid USCCs, elevator entrapments and rescues.
// Each function draws from its own stream keyed by (seed, kind, region, date).
import type { ClientEvent } from '../../domain/events.ts'
import { regionById, type RegionId } from './regions.ts'
import { usccAlphabet, usccCheckCharacter } from '../../domain/uscc.ts'
import { addDays } from '../../domain/time.ts'
import { epochMsOf, shanghaiInstant } from './calendar.ts'
import { entityKinds, failureItems, regionProfiles, riskMonitoringShare, samplingStageMix } from './profiles.ts'
import { type Random, streamFor } from './random.ts'

/** A fact as the simulator posts it: always with its own id and the instant it occurred. */
export type SimulatedEvent = ClientEvent & { id: string; occurredAt: string }

export interface DayContext {
  seed: number
  region: RegionId
  date: string
}

/** Short code of a region in identifiers: its GB/T 2260 code, or GA for Gui'an. */
export const regionCode = (region: RegionId): string => regionById(region).code ?? 'GA'

const seedTag = (seed: number) => `s${seed.toString(36)}`
const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** A time in office hours (08:30–17:30), as seconds after midnight. */
const officeHours = (random: Random) => random.int(8 * 3600 + 1800, 17 * 3600 + 1800)

const month = (date: string) => Number(date.slice(5, 7))

export const samplingFacts = ({ seed, region, date }: DayContext, count: number, firstSeq: number): SimulatedEvent[] => {
  const random = streamFor(seed, 'sampling', region, date)
  // A stream of its own, so that adding the purpose left every other draw of the year as it was.
  const purposes = streamFor(seed, 'sampling-purpose', region, date)
  const profile = regionProfiles[region]
  // Heat and rain: microbial failures rise in June to August.
  const passRate = profile.passRate - (month(date) >= 6 && month(date) <= 8 ? 0.004 : 0)
  const events: SimulatedEvent[] = []
  for (let i = 0; i < count; i++) {
    const stage = random.weighted(samplingStageMix, (s) => s.share)
    const batchId = `SP20-${regionCode(region)}-${stage.code}-${seedTag(seed)}-${pad(firstSeq + i, 6)}`
    const pass = random.chance(passRate)
    const items = failureItems[stage.stage]
    // Laboratory turnaround: a week or two after sampling.
    const testedOn = addDays(date, Math.min(30, Math.max(3, Math.round(random.logNormal(9, 0.35)))))
    const riskMonitoring = purposes.chance(pass ? riskMonitoringShare.ofPasses : riskMonitoringShare.ofFailures)
    const failed = pass ? undefined : random.chance(0.85) ? [random.pick(items)] : [...new Set([random.pick(items), random.pick(items)])]
    events.push({
      id: random.uuid(),
      type: 'SamplingBatchTested',
      occurredAt: shanghaiInstant(epochMsOf(testedOn, officeHours(random))),
      data: {
        batchId,
        region,
        stage: stage.stage,
        purpose: riskMonitoring ? 'risk_monitoring' : 'supervision',
        sampledOn: date,
        result: pass ? 'pass' : 'fail',
        ...(failed ? { failedItems: failed } : {}),
      },
    })
    // A few failures are overturned by a re-test on appeal; a very few passes were keying errors.
    const overturned = pass ? random.chance(0.0003) : random.chance(0.04)
    if (overturned) {
      const correctedOn = addDays(testedOn, random.int(12, 30))
      events.push({
        id: random.uuid(),
        type: 'SamplingResultCorrected',
        occurredAt: shanghaiInstant(epochMsOf(correctedOn, officeHours(random))),
        data: pass
          ? { batchId, result: 'fail', reason: '复核发现检验数据录入错误,更正为不合格 / Review found a data-entry error; corrected to fail' }
          : { batchId, result: 'pass', reason: '复检合格,撤销原不合格结论 / Re-test on appeal passed; the failing result is withdrawn' },
      })
    }
  }
  return events
}

const modulus = 31n ** 8n
const multiplier = 387_420_489n // 3^18: coprime with 31, so n -> n * multiplier mod 31^8 is a permutation

/** GB 11714 check character of an 8-character organization code body. */
const organizationCheck = (body: string): string => {
  const weights = [3, 7, 9, 10, 5, 8, 4, 2]
  let sum = 0
  for (let i = 0; i < 8; i++) sum += parseInt(body[i]!, 36) * weights[i]!
  const check = 11 - (sum % 11)
  return check === 10 ? 'X' : check === 11 ? '0' : String(check)
}

/**
 * A valid USCC for the n-th entity of a seed: registration authority and kind (91/92/93), the
 * county's division code, a 9-character organization code (GB 11714 check), the GB 32100 check.
 * Distinct (seed mod 400,000, n < 2^21) give distinct codes.
 */
export const simulatedUscc = (seed: number, n: number, prefix: string, county: string): string => {
  let value = ((BigInt(seed % 400_000) * 2_097_152n + BigInt(n)) * multiplier) % modulus
  let body = ''
  for (let i = 0; i < 8; i++, value /= 31n) body = usccAlphabet[Number(value % 31n)] + body
  const first17 = `${prefix}${county}${body}${organizationCheck(body)}`
  return first17 + usccCheckCharacter(first17)
}

export const entityFacts = ({ seed, region, date }: DayContext, count: number, firstIndex: number): SimulatedEvent[] => {
  const random = streamFor(seed, 'entities', region, date)
  const { counties } = regionProfiles[region]
  return Array.from({ length: count }, (_, i) => {
    const kind = random.weighted(entityKinds, (k) => k.share)
    const uscc = simulatedUscc(seed, firstIndex + i, kind.usccPrefix, random.pick(counties))
    return {
      id: random.uuid(),
      type: 'MarketEntityRegistered',
      occurredAt: shanghaiInstant(epochMsOf(date, officeHours(random))),
      data: { uscc, region, kind: kind.kind, registeredOn: date },
    }
  })
}

/** Entrapments cluster around the morning, noon and evening rush. */
const entrapmentSecond = (random: Random): number => {
  const peak = random.weighted(
    [
      { mean: 8.2, sd: 1, w: 0.3 },
      { mean: 12.4, sd: 1.2, w: 0.22 },
      { mean: 18.3, sd: 1.5, w: 0.3 },
      { mean: 0, sd: 0, w: 0.18 },
    ],
    (p) => p.w,
  )
  const hours = peak.sd === 0 ? 6 + random.next() * 17 : peak.mean + peak.sd * random.normal()
  return Math.floor(Math.min(24 * 3600 - 1, Math.max(0, hours * 3600)))
}

export const rescueFacts = ({ seed, region, date }: DayContext, count: number, firstSeq: number): SimulatedEvent[] => {
  const random = streamFor(seed, 'rescues', region, date)
  const { rescueMedianMinutes, counties } = regionProfiles[region]
  const events: SimulatedEvent[] = []
  for (let i = 0; i < count; i++) {
    const incidentId = `DT20-${regionCode(region)}-${seedTag(seed)}-${pad(firstSeq + i, 5)}`
    const elevatorId = `3110${random.pick(counties)}${random.int(2003, 2019)}${pad(random.int(0, 99_999), 5)}`
    const reportedMs = epochMsOf(date, entrapmentSecond(random))
    // Right-skewed: most rescuers arrive in a quarter of an hour; traffic and distance make a long tail.
    let minutes = random.logNormal(rescueMedianMinutes, 0.42)
    if (random.chance(0.05)) minutes += random.int(10, 45)
    const arrivedMs = reportedMs + Math.max(3, minutes) * 60_000
    const reportedAt = shanghaiInstant(reportedMs)
    const arrivedAt = shanghaiInstant(arrivedMs)
    events.push(
      { id: random.uuid(), type: 'RescueRequested', occurredAt: reportedAt, data: { incidentId, region, elevatorId, reportedAt } },
      { id: random.uuid(), type: 'RescuerArrived', occurredAt: arrivedAt, data: { incidentId, arrivedAt } },
    )
  }
  return events
}
