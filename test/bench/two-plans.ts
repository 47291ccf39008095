// Rebuild with two plans active against one, over the same log: the fold is keyed by fact type
// and filter, not by plan (docs/ARCHITECTURE.md, "Plans as data"), so a second plan watching the
// same facts should cost the rebuild nothing beyond its own PlanPublished event. The second plan
// is the 2020 plan's own document under another id, so it measures exactly the same facts.
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { planStream } from '../../domain/plans.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { formatScale, type BenchConfig } from './config.ts'
import { copyLog, type SeededLog } from './logs.ts'
import { runChild } from './processes.ts'
import type { Figure } from './table.ts'

const secondPlanId = 'guizhou-2020-second'

/** A copy of the seeded log with a second plan published at its end; returns its events file. */
const logWithSecondPlan = async (seeded: SeededLog, work: string): Promise<string> => {
  const events = copyLog(seeded, path.join(work, `two-plans-${formatScale(seeded.count)}`))
  const store = createSqliteStore({ file: events })
  try {
    const plan = { ...seedPlan(), id: secondPlanId }
    await store.append(
      planStream(secondPlanId),
      [{ id: randomUUID(), type: 'PlanPublished', occurredAt: new Date().toISOString(), data: { plan }, meta: { principal: 'bench', requestId: 'two-plans', schemaVersion: 1 } }],
      'no_stream',
    )
  } finally {
    await store.close()
  }
  return events
}

type RebuildRun = { events: number; ms: number; maxRssMb: number }

export const rebuildTwoPlans = async (config: BenchConfig, seeded: SeededLog, work: string, log: (line: string) => void): Promise<Figure> => {
  const twoPlans = await logWithSecondPlan(seeded, work)
  const ones: number[] = []
  const twos: number[] = []
  for (let round = 1; round <= config.repeat; round++) {
    const one = await runChild<RebuildRun>('rebuild-child.ts', [seeded.events, seeded.snapshots])
    const two = await runChild<RebuildRun>('rebuild-child.ts', [twoPlans, path.join(path.dirname(twoPlans), 'snapshots.db')])
    log(`  rebuild ${formatScale(seeded.count)} round ${round}: one plan ${(one.ms / 1000).toFixed(2)} s, two plans ${(two.ms / 1000).toFixed(2)} s`)
    ones.push(one.ms)
    twos.push(two.ms)
  }
  const best = (values: number[]) => Math.min(...values)
  return {
    name: `rebuild of every projection, two plans active (guizhou-2020 and a second plan over the same facts), ${formatScale(seeded.count)} events`,
    value: (seeded.count + 1) / (best(twos) / 1000),
    unit: 'events/s',
    ceiling: { name: 'the same rebuild with one plan active', value: seeded.count / (best(ones) / 1000) },
    note: `per-event cost, two plans / one: ${((best(twos) / (seeded.count + 1)) / (best(ones) / seeded.count)).toFixed(2)}`,
  }
}
