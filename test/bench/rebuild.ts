// Rebuild figures: every projection from zero over a seeded log, against a raw scan of the same
// events table, alternating, each in a fresh child process (which also reports its peak RSS).
import { formatScale, type BenchConfig } from './config.ts'
import type { SeededLog } from './logs.ts'
import { runChild } from './processes.ts'

export interface RebuildResult {
  count: number
  rebuildMs: number
  scanMs: number
  maxRssMb: number
  projections: string[]
  /** scan ms / rebuild ms of each round's back-to-back pair: the spread behind the best-of figures. */
  pairedRatios: number[]
}

export const rebuild = async (config: BenchConfig, seeded: SeededLog, log: (line: string) => void): Promise<RebuildResult> => {
  const rebuilds: { ms: number; maxRssMb: number; projections: string[] }[] = []
  const scans: number[] = []
  const pairedRatios: number[] = []
  for (let round = 1; round <= config.repeat; round++) {
    const scan = await runChild<{ rows: number; ms: number }>('scan-child.ts', [seeded.events])
    const run = await runChild<{ events: number; ms: number; maxRssMb: number; projections: string[] }>('rebuild-child.ts', [seeded.events, seeded.snapshots])
    log(`  rebuild ${formatScale(seeded.count)} round ${round}: ${(run.ms / 1000).toFixed(2)} s (peak RSS ${run.maxRssMb.toFixed(0)} MB), raw scan ${(scan.ms / 1000).toFixed(2)} s`)
    rebuilds.push(run)
    scans.push(scan.ms)
    pairedRatios.push(scan.ms / run.ms)
  }
  return {
    count: seeded.count,
    rebuildMs: Math.min(...rebuilds.map((run) => run.ms)),
    scanMs: Math.min(...scans),
    maxRssMb: Math.max(...rebuilds.map((run) => run.maxRssMb)),
    projections: rebuilds[0].projections,
    pairedRatios,
  }
}
