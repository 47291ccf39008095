// Builders of valid facts for tests; override what a test is about.
import { randomUUID } from 'node:crypto'
import { usccCheckCharacter, usccAlphabet } from '../../domain/uscc.ts'

export const batch = <O extends Record<string, unknown> = {}>(overrides: O = {} as O, data: Record<string, unknown> = {}) => ({
  type: 'SamplingBatchTested',
  data: { batchId: `B-${randomUUID()}`, region: 'zunyi', stage: 'distribution', sampledOn: '2020-05-12', result: 'pass', ...data },
  ...overrides,
})

/** A valid USCC built from a counter (registration authority 9, kind 1, division 520000). */
export const validUscc = (n: number): string => {
  let serial = ''
  for (let i = 0, v = n; i < 9; i++, v = Math.floor(v / 31)) serial = usccAlphabet[v % 31] + serial
  const body = `91520000${serial}`
  return body + usccCheckCharacter(body)
}

export const entity = (n: number, data: Record<string, unknown> = {}) => ({
  type: 'MarketEntityRegistered',
  data: { uscc: validUscc(n), region: 'guiyang', kind: 'enterprise', registeredOn: '2020-03-02', ...data },
})

export const rescueRequested = (incidentId: string, data: Record<string, unknown> = {}) => ({
  type: 'RescueRequested',
  data: { incidentId, region: 'guiyang', reportedAt: '2020-06-01T10:00:00+08:00', ...data },
})

export const rescuerArrived = (incidentId: string, arrivedAt: string) => ({ type: 'RescuerArrived', data: { incidentId, arrivedAt } })

export const reading = (indicator: string, region: string, asOf: string, numerator: number, denominator: number) => ({
  type: 'IndicatorReported',
  data: { indicator, region, asOf, numerator, denominator },
})
