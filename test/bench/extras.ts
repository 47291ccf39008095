// Figures other areas measure with scripts of their own (test/bench/webhook-ingest.ts by alerts,
// test/bench/export-rss.ts by audit). Each exports `run()`, resolving to a Figure (table.ts) or a
// list of them; they join the table when present. Loaded dynamically: absent scripts are skipped.
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Figure } from './table.ts'

const scripts = ['webhook-ingest.ts', 'export-rss.ts']

const isFigure = (value: unknown): value is Figure =>
  typeof value === 'object' && value !== null && typeof (value as Figure).name === 'string' && typeof (value as Figure).value === 'number'

// The figures these two scripts return today, as rows of the table.
type Adapter = (result: any) => Figure[] | null
const adapters: Record<string, Adapter> = {
  'webhook-ingest.ts': (r) =>
    typeof r?.withHangingReceiver === 'number'
      ? [{
          name: `batch ingest while every webhook delivery hangs (${r.events} events, median of ${r.rounds})`,
          value: r.withHangingReceiver,
          unit: 'events/s',
          ceiling: { name: 'the same ingest without webhooks', value: r.withoutWebhooks },
          note: `${r.alerts} alerts, ${r.pendingDeliveries} deliveries pending`,
        }]
      : null,
  'export-rss.ts': (r) =>
    typeof r?.peakRssMiB === 'number'
      ? [{
          name: `peak RSS, NDJSON export of ${r.events} events`,
          value: r.peakRssMiB * 1.048576,
          unit: 'MB',
          goal: { compare: '<', target: 200 },
          note: `${r.eventsPerSecond} events/s, ${r.megabytes} MB exported`,
        }]
      : null,
}

/** Anything a script returns in another shape is shown as it is, so nothing it measured is lost. */
const asFigures = (script: string, result: unknown): Figure[] =>
  adapters[script]?.(result) ??
  (Array.isArray(result) ? result : [result]).map((item) =>
    isFigure(item) ? { ...item, unit: item.unit ?? '' } : { name: script, value: Number.NaN, unit: '', note: JSON.stringify(item) },
  )

export const extraFigures = async (benchDir: string, log: (line: string) => void): Promise<Figure[]> => {
  const figures: Figure[] = []
  for (const script of scripts) {
    const file = path.join(benchDir, script)
    if (!fs.existsSync(file)) continue
    log(`${script} (run())`)
    try {
      const { run } = (await import(pathToFileURL(file).href)) as { run?: () => Promise<unknown> }
      if (typeof run !== 'function') throw new Error('exports no run()')
      figures.push(...asFigures(script, await run()))
    } catch (error) {
      log(`  ${script} failed: ${(error as Error).stack ?? String(error)}`)
      figures.push({ name: script, value: Number.NaN, unit: '', note: `failed: ${(error as Error).message}` })
    }
  }
  return figures
}
