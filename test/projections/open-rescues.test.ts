// Issue "Honest verdicts", item 5: the worst rescues must not drop out of the mean. An incident
// still open at `at` counts with its elapsed time as a lower bound; `open` and `overdue` (open
// longer than the 20-minute threshold, the rescue watch's default) are reported beside the mean,
// and open incidents push the status.
import t from 'tap'
import type { Target } from '../../domain/targets.ts'
import { complianceProjection, evaluationKey } from '../../projections/compliance.ts'
import { seedPlan, targetById } from '../../seeds/plans.ts'
import { endOf, evaluateTarget, fold, recorded } from './fixtures.ts'

const rescue: Target = targetById(seedPlan(), 'elevator-rescue-arrival')!
const regionOf = <R extends { region: string }>(report: { regions: R[] }, id: string): R => report.regions.find((r) => r.region === id)!

let incident = 0
const requested = (region: string, reportedAt: string, id = `r${++incident}`) => recorded('RescueRequested', { incidentId: id, region, reportedAt })
const arrivedAfter = (region: string, reportedAt: string, minutes: number, id: string) =>
  recorded('RescuerArrived', { incidentId: id, region, reportedAt, arrivedAt: new Date(Date.parse(reportedAt) + minutes * 60_000).toISOString() })
/** An incident whose rescuer came after `minutes`. */
const rescued = (region: string, reportedAt: string, minutes: number) => {
  const id = `r${++incident}`
  return [requested(region, reportedAt, id), arrivedAfter(region, reportedAt, minutes, id)]
}

// Qiandongnan in March: 30 rescues in 15 minutes each; on the 31st at 20:00 five entrapments
// have no rescuer by 23:00.
const thirty = Array.from({ length: 30 }, (_, i) => rescued('qiandongnan', `2020-03-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00+08:00`, 15)).flat()
const stuckAt = '2020-03-31T20:00:00+08:00'
const stuck = Array.from({ length: 5 }, (_, i) => requested('qiandongnan', stuckAt, `stuck-${i}`))
const at = '2020-03-31T23:00:00+08:00'

t.test('open incidents count with their elapsed time, and push the mean over the threshold', async (t) => {
  const state = fold([...thirty, ...stuck])
  // Before: the five were left out — 15.0 minutes over 30 incidents, met.
  const report = evaluateTarget(state, rescue, { at })
  const qiandongnan = regionOf(report, 'qiandongnan')
  const lowerBound = (30 * 15 + 5 * 180) / 35
  t.match(qiandongnan, { sample: 35, open: 5, overdue: 5, status: 'breached' }, `the mean is at least ${lowerBound.toFixed(1)} minutes`)
  t.ok(Math.abs(qiandongnan.value! - lowerBound) < 1e-9, `${qiandongnan.value}`)
  t.match(report, { open: 5, overdue: 5, sample: 35 }, 'the province counts them too')
  t.equal(regionOf(report, 'guiyang').open, 0)
})

t.test('an open incident is overdue only past the threshold; its arrival replaces the bound', async (t) => {
  const state = fold([...thirty, requested('qiandongnan', '2020-03-31T22:50:00+08:00', 'fresh')])
  const early = regionOf(evaluateTarget(state, rescue, { at }), 'qiandongnan')
  t.match(early, { open: 1, overdue: 0, status: 'met', sample: 31 }, 'ten minutes waiting: open, not overdue')
  t.ok(Math.abs(early.value! - (30 * 15 + 10) / 31) < 1e-9)
  const later = regionOf(evaluateTarget(state, rescue, { at: '2020-03-31T23:30:00+08:00' }), 'qiandongnan')
  t.match(later, { open: 1, overdue: 1 }, 'forty minutes waiting: overdue')
  fold([arrivedAfter('qiandongnan', '2020-03-31T22:50:00+08:00', 25, 'fresh')], state)
  const arrived = regionOf(evaluateTarget(state, rescue, { at: '2020-03-31T23:30:00+08:00' }), 'qiandongnan')
  t.match(arrived, { open: 0, overdue: 0, sample: 31 })
  t.ok(Math.abs(arrived.value! - (30 * 15 + 25) / 31) < 1e-9, 'the recorded 25 minutes')
})

t.test('the lower bound stops at the end of an earlier day asked for, and the series agrees', async (t) => {
  const state = fold([...thirty, ...stuck])
  const report = evaluateTarget(state, rescue, { at: endOf('2020-03-31') })
  const bound = (24 * 60 - 1 - 20 * 60 + 59 / 60) // 20:00 to 23:59:59, in minutes
  t.ok(Math.abs(regionOf(report, 'qiandongnan').value! - (30 * 15 + 5 * (bound - 59 / 60)) / 35) < 1e-9, 'at is taken to the minute')
  const march = report.series.find((p) => p.month === '2020-03')!
  t.equal(march.cumulative.sample, report.sample, 'the monthly series counts the open incidents too')
  t.ok(Math.abs(march.cumulative.value! - report.value!) < 1e-9)
})

t.test('the fold keeps open incidents by id and forgets them on arrival; caches key the minute while any is open', async (t) => {
  const state = fold(stuck.slice(0, 2))
  t.same(Object.keys(state.openRescues), ['stuck-0', 'stuck-1'])
  t.same(state.openRescues['stuck-0'], ['qiandongnan', '2020-03-31', Date.parse(stuckAt)])
  t.not(evaluationKey(state, '2020-03-31T23:00:00+08:00'), evaluationKey(state, '2020-03-31T23:01:00+08:00'), 'an open rescue: the minute matters')
  t.equal(evaluationKey(state, '2020-03-31T23:00:10+08:00'), evaluationKey(state, '2020-03-31T23:00:50+08:00'), 'within a minute the answers agree')
  fold([arrivedAfter('qiandongnan', stuckAt, 30, 'stuck-0'), arrivedAfter('qiandongnan', stuckAt, 40, 'stuck-1')], state)
  t.same(state.openRescues, {})
  t.equal(evaluationKey(state, '2020-03-31T23:00:00+08:00'), evaluationKey(state, '2020-03-31T23:59:00+08:00'), 'none open: the business day')
  t.equal(complianceProjection.version, 3, 'the state gained openRescues: snapshots of version 2 are rebuilt')
  const proto = fold([requested('zunyi', stuckAt, '__proto__')])
  t.equal(Object.getPrototypeOf(proto.openRescues), Object.prototype, "an incident named '__proto__' is an own property")
  t.ok(Object.prototype.hasOwnProperty.call(proto.openRescues, '__proto__'))
})
