// BENCH_ONLY=peers: our SQLite store beside Emmett 0.42's (issue 18), each called directly
// through its own API in a child process of its own, durable (WAL + synchronous=FULL), the two
// workloads of peer-workloads.ts, interleaved round by round, best of BENCH_REPEAT.
// Emmett is never a dependency of the service: it lives in test/bench/peers (its own package),
// installed with `npm install --prefix test/bench/peers`; without it this section says so and
// adds no rows.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchConfig } from './config.ts'
import { seededLog } from './logs.ts'
import type { PeerResult, PeerWorkload } from './peer-workloads.ts'
import { runChild } from './processes.ts'
import type { Figure } from './table.ts'

const emmettInstalled = () =>
  fs.existsSync(fileURLToPath(new URL('./peers/node_modules/@event-driven-io/emmett-sqlite/package.json', import.meta.url)))

/** `commits`: COMMITs the store ran for the run's appends; `beginFailure`: Emmett's first failed BEGIN. */
type Run = PeerResult & { commits?: number; beginFailure?: string }
const perSecond = (run: Run) => run.events / (run.ms / 1000)

export const peerFigures = async (config: BenchConfig, work: string, log: (line: string) => void): Promise<Figure[]> => {
  if (!emmettInstalled()) {
    log('  peers: skipped — Emmett not installed; run `npm install --prefix test/bench/peers`')
    return []
  }
  const seconds = String(Math.min(config.seconds, 5))
  const file = (name: string) => path.join(work, `peer-${name}.db`)
  const ours = (workload: PeerWorkload, writer: 'inline' | 'thread', ids: 'v4' | 'v7' = 'v4') =>
    runChild<Run>('peer-ours-child.ts', [file('ours'), workload, seconds, writer, ids])
  const emmett = (workload: PeerWorkload, setup: 'ambient' | 'default') => runChild<Run>('peers/emmett-child.ts', [file('emmett'), workload, seconds, setup])
  const runs: Record<string, Run[]> = {}
  const keep = (key: string, run: Run) => {
    ;(runs[key] ??= []).push(run)
    log(`    ${key}: ${perSecond(run).toFixed(0)} events/s, ${run.appends} appends, ${run.commits ?? '?'} COMMITs${run.failed ? `, ${run.failed} failed (${run.firstFailure})` : ''}`)
  }
  // Whole-log processing: our runner rebuilding every projection over the seeded 100k log, beside
  // Emmett's consumer over as many facts of its own (emmett-consumer-child.ts).
  const wholeLog = await seededLog(config.dir, 100_000, log)
  const processing: { ours: { events: number; ms: number }[]; emmett: { events: number; ms: number }[] } = { ours: [], emmett: [] }
  const rate = (run: { events: number; ms: number }) => run.events / (run.ms / 1000)
  for (let round = 1; round <= config.repeat; round++) {
    log(`  peers round ${round}`)
    const rebuilt = await runChild<{ events: number; ms: number }>('rebuild-child.ts', [wholeLog.events, path.join(work, 'peer-rebuild-snapshots.db')])
    const consumed = await runChild<{ events: number; ms: number }>('peers/emmett-consumer-child.ts', [file('emmett-consumer'), String(wholeLog.count)])
    processing.ours.push(rebuilt)
    processing.emmett.push(consumed)
    log(`    ours whole log, every projection: ${rate(rebuilt).toFixed(0)} events/s (${rebuilt.events} events); emmett consumer, one processor: ${rate(consumed).toFixed(0)} events/s (${consumed.events} events)`)
    keep('ours single50 inline', await ours('single50', 'inline'))
    keep('ours single50 thread', await ours('single50', 'thread'))
    keep('ours single50 inline v7', await ours('single50', 'inline', 'v7'))
    keep('emmett single50', await emmett('single50', 'ambient'))
    keep('ours batch100 inline', await ours('batch100', 'inline'))
    keep('ours batch100 inline v7', await ours('batch100', 'inline', 'v7'))
    keep('emmett batch100', await emmett('batch100', 'ambient'))
  }
  // Emmett's default setup once, for the note: a connection per call, no busy timeout.
  const defaultSingle = await emmett('single50', 'default')
  log(`    emmett single50, default setup: ${defaultSingle.appends} acknowledged, ${defaultSingle.failed} of 50 writers failed (BEGIN: ${defaultSingle.beginFailure ?? 'none'}; the append: ${defaultSingle.firstFailure ?? 'none'})`)
  const bestOf = (key: string) => runs[key].reduce((a, b) => (perSecond(b) > perSecond(a) ? b : a))
  const emmettSetup = 'Emmett 0.42 on SQLite, one ambient connection (singleton), WAL, synchronous=FULL, same run'
  const singleInline = bestOf('ours single50 inline')
  const singleThread = bestOf('ours single50 thread')
  const singleOurs = perSecond(singleThread) >= perSecond(singleInline) ? { run: singleThread, writer: 'thread' } : { run: singleInline, writer: 'inline' }
  const other = singleOurs.writer === 'thread' ? singleInline : singleThread
  const v7 = bestOf('ours batch100 inline v7')
  const singleV7 = bestOf('ours single50 inline v7')
  const emmettSingle = bestOf('emmett single50')
  const emmettBatch = bestOf('emmett batch100')
  const best = (runs: { events: number; ms: number }[]) => runs.reduce((a, b) => (rate(b) > rate(a) ? b : a))
  return [
    {
      name: 'whole-log processing: our runner rebuilding every projection from zero (100k log)',
      value: rate(best(processing.ours)),
      unit: 'events/s',
      ceiling: { name: `Emmett 0.42's consumer from the beginning, one processor folding pass/fail by region, batches of 1,000, as many facts (${best(processing.emmett).events}), same run`, value: rate(best(processing.emmett)) },
      goal: { compare: '>=', target: 50 },
      note: `rounds: ours ${processing.ours.map((run) => rate(run).toFixed(0)).join(' / ')}, Emmett ${processing.emmett.map((run) => rate(run).toFixed(0)).join(' / ')} events/s; ours reads the realistic seeded year (every fact type), Emmett its own sampling facts`,
    },
    {
      name: 'concurrent durable single appends through the store port (50 in flight, random v4 ids)',
      value: perSecond(singleOurs.run),
      unit: 'events/s',
      ceiling: { name: emmettSetup, value: perSecond(emmettSingle) },
      goal: { compare: '>=', target: 5 },
      note:
        `ours: ${singleOurs.writer} writer, ${(singleOurs.run.appends / (singleOurs.run.commits ?? 1)).toFixed(1)} appends per COMMIT, each resolved after its COMMIT; the other writer ${perSecond(other).toFixed(0)}/s; ` +
        `with time-ordered (v7) ids ${perSecond(singleV7).toFixed(0)}/s (${(perSecond(singleV7) / perSecond(emmettSingle)).toFixed(2)}). ` +
        `Emmett: its appends in flight nest in one open transaction on the shared connection and resolve before that COMMIT ` +
        `(${emmettSingle.appends} acknowledged over ${emmettSingle.commits ?? '?'} COMMIT(s) in its best run); ` +
        `its default setup (a connection per call, no busy timeout): ${defaultSingle.failed} of 50 writers failed (${defaultSingle.beginFailure ?? defaultSingle.firstFailure ?? 'none'})`,
    },
    {
      name: '100 events per append through the store port (one writer, random v4 ids)',
      value: perSecond(bestOf('ours batch100 inline')),
      unit: 'events/s',
      ceiling: { name: emmettSetup, value: perSecond(emmettBatch) },
      goal: { compare: '>=', target: 1.5 },
      note:
        `with time-ordered (v7) ids, as the service mints them: ${perSecond(v7).toFixed(0)}/s (${(perSecond(v7) / perSecond(emmettBatch)).toFixed(2)}). ` +
        `one COMMIT per append on both (Emmett ${emmettBatch.appends} appends, ${emmettBatch.commits ?? '?'} COMMITs). Ours keeps a unique index on event ids (idempotency); Emmett has none on its message ids`,
    },
  ]
}
