// The simulated full year's closing table (issue "Honest verdicts"; README "Closing table of the
// simulated 2020"): every fact of seeds/simulate/year.ts folded in process through the compliance
// projection, then every target evaluated once its verdict is final (the latest `finalFrom`, so no
// answer is provisional). Prints met / missed / breached / stale per target, with what makes each
// non-met verdict: the regions short, the stale ones, coverage, margin, open rescues.
//   npx tsx seeds/simulate/closing-table.ts [--seed 2020] [--scale 1]
import { parseArgs } from 'node:util'
import type { RecordedEvent } from '../../domain/envelope.ts'
import { type Decision, type StreamEvent, judge } from '../../domain/decide/index.ts'
import { streamOf } from '../../domain/events.ts'
import { planDirectory } from '../../domain/plan-directory.ts'
import type { Plan } from '../../domain/plans.ts'
import { dayNumber } from '../../domain/time.ts'
import { type ComplianceState, type TargetReport, complianceProjection, evaluatePlan, planView } from '../../projections/compliance.ts'
import { guizhouRegionSet, seedPlan } from '../plans.ts'
import { displayWidth, formatValue, statusNames } from './report.ts'
import { simulateYear } from './year.ts'

const meta = { principal: 'simulator', requestId: 'closing-table', prevHash: '', hash: '', schemaVersion: 1 }

/**
 * Every fact of the simulated year judged by the service's own deciders (domain/decide: an
 * arrival takes its incident's region and report time, a correction its batch's) and folded, in
 * the order the simulator posts them. `rejected` counts facts a decider refused (none expected).
 */
export const foldYear = (plan: Plan, seed: number, scale: number): { state: ComplianceState; lastDay: string; rejected: number } => {
  const state = complianceProjection.initialState()
  const context = { plans: planDirectory([plan], guizhouRegionSet().regions.map((r) => r.id)), now: '2100-01-01T00:00:00+08:00' }
  const histories = new Map<string, StreamEvent[]>()
  let position = 0
  let rejected = 0
  let lastDay = ''
  for (const day of simulateYear({ seed, scale, plan })) {
    for (const event of day.events) {
      const stream = streamOf(event)
      const history = histories.get(stream) ?? []
      let decision: Decision
      try {
        decision = judge(history, event, context).decide()
      } catch {
        rejected += 1
        continue
      }
      history.push(decision)
      histories.set(stream, history)
      position += 1
      const recorded: RecordedEvent = {
        id: event.id,
        type: decision.type,
        data: decision.data,
        stream,
        revision: history.length - 1,
        position,
        occurredAt: event.occurredAt,
        recordedAt: event.occurredAt,
        meta,
      }
      complianceProjection.evolve(state, recorded)
    }
    lastDay = day.date
  }
  return { state, lastDay, rejected }
}

export interface ClosingTable {
  /** Facts a decider refused. */
  rejected: number
  /** The business date of the answers: the last simulated day or the latest finalFrom, whichever is later. */
  date: string
  reports: TargetReport[]
}

const endOfDay = (date: string) => `${date}T23:59:59+08:00`
const later = (a: string, b: string) => (dayNumber(a) >= dayNumber(b) ? a : b)

/** The plan's answers once every verdict is final. */
export const closingTable = (options: { seed?: number; scale?: number } = {}): ClosingTable => {
  const plan = seedPlan()
  const { state, lastDay, rejected } = foldYear(plan, options.seed ?? 2020, options.scale ?? 1)
  const view = planView(plan, 0, guizhouRegionSet())
  const first = evaluatePlan(state, view, { at: endOfDay(lastDay) })
  const date = first.reduce((d, r) => later(d, r.finalFrom), lastDay)
  return { rejected, date, reports: date === lastDay ? first : evaluatePlan(state, view, { at: endOfDay(date) }) }
}

const padEnd = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)))

/** What makes a verdict: the regions not met, the stale ones, the coverage, the margin, open rescues. */
export const verdictDetail = (r: TargetReport): string => {
  const parts: string[] = []
  const short = r.regions.filter((g) => g.status !== 'met' && g.status !== 'no_data')
  if (short.length > 0 && r.status !== 'met') parts.push(`short: ${short.map((g) => `${g.region} ${formatValue(g.value, r.unit)}`).join(', ')}`)
  if (r.coverage && r.coverage.missing.length > 0) parts.push(`reported ${r.coverage.reported} of ${r.coverage.expected}, missing ${r.coverage.missing.join(', ')}`)
  else if (r.staleRegions && r.staleRegions.length > 0) parts.push(`stale: ${r.staleRegions.join(', ')}`)
  if (r.margin === 'within_interval') parts.push('within the statistical margin')
  if (r.open) parts.push(`${r.open} open, ${r.overdue ?? 0} overdue`)
  if (r.items && r.status !== 'met') parts.push(`${r.items.filter((i) => i.achieved).length} of ${r.items.length} items`)
  return parts.join('; ')
}

export const closingTableText = (table: ClosingTable): string => {
  const counts = new Map<string, number>()
  for (const r of table.reports) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
  const stale = table.reports.filter((r) => r.stale).length
  const tally = [...counts].map(([status, n]) => `${n} ${status}`).join(' · ') + (stale > 0 ? ` (${stale} flagged stale)` : '')
  const rejected = table.rejected > 0 ? ` · ${table.rejected} facts rejected` : ''
  const lines = [`closing table, simulated 2020 (answers of ${table.date}, every verdict final): ${tally}${rejected}`, '']
  const titleWidth = Math.max(...table.reports.map((r) => displayWidth(r.title.zh))) + 2
  for (const r of table.reports) {
    const sign = { gte: '≥', lte: '≤', eq: '=' }[r.comparator]
    const figure = `${formatValue(r.value, r.unit)} ${sign} ${formatValue(r.threshold, r.unit)}`
    const status = `${statusNames[r.status] ?? r.status}${r.stale ? ' +stale' : ''}${r.provisional ? ' (provisional)' : ''}`
    const detail = verdictDetail(r)
    lines.push(`${padEnd(status, 24)}${padEnd(r.id, 38)}${padEnd(figure, 24)}${r.title.zh} ${r.title.en}${detail ? `\n${' '.repeat(24)}  ${detail}` : ''}`)
  }
  return lines.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, scale: { type: 'string' } }, strict: true })
  const seed = values.seed === undefined ? 2020 : Number(values.seed)
  const scale = values.scale === undefined ? 1 : Number(values.scale)
  if (!Number.isInteger(seed) || !(scale > 0 && scale <= 2)) {
    process.stderr.write('usage: npx tsx seeds/simulate/closing-table.ts [--seed N] [--scale S (0 < S <= 2)]\n')
    process.exit(1)
  }
  process.stdout.write(`${closingTableText(closingTable({ seed, scale }))}\n`)
}
