// Issue "Honest verdicts", closing table: the simulated full year (seed 2020, scale 1), every fact
// judged by the service's deciders and folded, answered once every verdict is final. The README
// quotes the table (section "Closing table of the simulated 2020") and gives a reason for every
// target that is not met; this checks the quote is what the script prints and no reason is missing.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { closingTable, closingTableText } from '../../seeds/simulate/closing-table.ts'

const table = closingTable({ seed: 2020, scale: 1 })
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')

t.test('every verdict is final, no fact refused, one answer per target', async (t) => {
  t.equal(table.rejected, 0, 'the deciders accept every simulated fact')
  t.ok(table.reports.length >= 25, `${table.reports.length} targets`)
  for (const r of table.reports) t.equal(r.provisional, false, `${r.id}: final on ${table.date}`)
  t.ok(table.reports.every((r) => r.status !== 'on_track' && r.status !== 'at_risk'), 'a final answer is met, missed, breached, stale or no_data')
  // The verdicts of issue items 1, 3 and 5 at the year's close.
  const byId = new Map(table.reports.map((r) => [r.id, r]))
  t.match(byId.get('party-branch-standardization'), { status: 'met', stale: true, coverage: { reported: 9, missing: ['qiandongnan'] } })
  t.match(byId.get('wholesale-vendor-records'), { status: 'met' })
  t.ok(byId.get('elevator-rescue-arrival')!.value! > 0, 'arrivals take their incident region and report time from the decider')
})

t.test('the README quotes the table the script prints, with a reason for every non-met target', async (t) => {
  const quoted = /<!-- closing-table:start -->\n```\n([\s\S]*?)\n```\n<!-- closing-table:end -->/.exec(readme)
  t.ok(quoted, 'the README has the closing-table block')
  t.equal(quoted?.[1], closingTableText(table), 'npx tsx seeds/simulate/closing-table.ts prints the quoted table')
  const reasons = readme.slice(readme.indexOf('<!-- closing-table:end -->'))
  for (const r of table.reports.filter((r) => r.status !== 'met' || r.stale))
    t.match(reasons, new RegExp(`^- \`${r.id}\` ${r.status === 'met' ? 'is met but flagged stale' : r.status.replace('_', ' ')}`, 'm'), `${r.id}: a reason in the README`)
})
