// `targetwatch replay --at 2020-06-30 [--as-of INSTANT | --position N] [--region R]
//  [--data DIR | --file export.ndjson] [--json]`: the compliance table, folded from position 1.
import { parseArgs } from 'node:util'
import { calendarDate, instant, regionId } from '../../domain/events.ts'
import { evaluateCatalog } from '../../domain/evaluate.ts'
import { endOfDayInstant } from '../../domain/time.ts'
import { loadCatalog } from '../../seeds/catalog.ts'
import { exportedEvents, exportPositionAt, openLogReader } from '../audit/log-reader.ts'
import { complianceTable, foldCompliance } from '../audit/replay.ts'
import type { Config } from '../config.ts'

export const replayUsage = `replay --at YYYY-MM-DD [--as-of INSTANT | --position N] [--region R] [--data DIR | --file F] [--json]
                              fold the log from position 1 (no snapshots) and print the compliance
                              table: target, title, status, value, threshold`

export const replayCommand = async (config: Config, args: string[]): Promise<number> => {
  const { values } = parseArgs({
    args,
    options: {
      at: { type: 'string' },
      'as-of': { type: 'string' },
      position: { type: 'string' },
      region: { type: 'string' },
      data: { type: 'string' },
      file: { type: 'string' },
      json: { type: 'boolean' },
    },
  })
  if (!values.at || !(calendarDate.safeParse(values.at).success || instant.safeParse(values.at).success))
    throw new Error(`replay: --at must be a date YYYY-MM-DD or an instant, got '${values.at ?? ''}'`)
  if (values['as-of'] && values.position) throw new Error('replay: give --as-of or --position, not both')
  if (values['as-of'] && !instant.safeParse(values['as-of']).success) throw new Error(`replay: --as-of must be an ISO 8601 instant with offset, got '${values['as-of']}'`)
  if (values.position && !/^\d+$/.test(values.position)) throw new Error(`replay: --position must be a whole number, got '${values.position}'`)
  if (values.region && !regionId.safeParse(values.region).success) throw new Error(`replay: --region: unknown region '${values.region}'`)
  const at = values.at.length === 10 ? endOfDayInstant(values.at) : values.at

  let folded
  if (values.file) {
    const upTo = values['as-of'] ? await exportPositionAt(values.file, values['as-of']) : Number(values.position ?? Number.MAX_SAFE_INTEGER)
    folded = await foldCompliance(exportedEvents(values.file), upTo)
  } else {
    const reader = await openLogReader(config, values.data)
    try {
      const upTo = values['as-of'] ? await reader.positionAt(values['as-of']) : Math.min(Number(values.position ?? Number.MAX_SAFE_INTEGER), await reader.head())
      folded = await foldCompliance(reader.readAll({ to: upTo }), upTo)
    } finally {
      await reader.close()
    }
  }
  const reports = evaluateCatalog(folded.state, loadCatalog(), { at, ...(values.region ? { region: values.region } : {}) })
  if (values.json) process.stdout.write(`${JSON.stringify({ at, position: folded.position, targets: reports }, null, 2)}\n`)
  else process.stdout.write(`at ${at}, log position ${folded.position}${values.region ? `, region ${values.region}` : ''}\n\n${complianceTable(reports)}\n`)
  return 0
}
