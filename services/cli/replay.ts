// `targetwatch replay --at 2020-06-30 [--plan ID] [--as-of INSTANT | --position N] [--region R]
//  [--data DIR | --file export.ndjson] [--json]`: the compliance table, folded from position 1,
// under the plan as the log held it at that position.
import { parseArgs } from 'node:util'
import { calendarDate, instant, planId, regionId } from '../../domain/events.ts'
import { defaultPlanId } from '../../domain/plans.ts'
import { endOfDayInstant } from '../../domain/time.ts'
import { evaluatePlan } from '../../projections/compliance.ts'
import { planRevisionAt, viewOfRevision } from '../plans/views.ts'
import { exportedEvents, exportPositionAt, openLogReader } from '../audit/log-reader.ts'
import { complianceTable, foldCompliance } from '../audit/replay.ts'
import type { Config } from '../config.ts'

export const replayCommand = async (config: Config, args: string[]): Promise<number> => {
  const { values } = parseArgs({
    args,
    options: {
      at: { type: 'string' },
      plan: { type: 'string' },
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
  if (values.plan && !planId.safeParse(values.plan).success) throw new Error(`replay: --plan: '${values.plan}' is not a plan id`)
  const plan = values.plan ?? defaultPlanId
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
  const revision = planRevisionAt(folded.plans, plan, folded.position)
  if (!revision) throw new Error(`replay: --plan: the log holds no plan '${plan}' at position ${folded.position}`)
  const reports = evaluatePlan(folded.state, viewOfRevision(folded.plans, revision), { at, ...(values.region ? { region: values.region } : {}) })
  const planOf = { id: plan, revision: revision.revision, version: revision.plan.version }
  if (values.json) process.stdout.write(`${JSON.stringify({ at, position: folded.position, plan: planOf, targets: reports }, null, 2)}\n`)
  else
    process.stdout.write(
      `at ${at}, log position ${folded.position}${values.region ? `, region ${values.region}` : ''}\n` +
        `plan ${plan} revision ${revision.revision}: ${revision.plan.title.zh} / ${revision.plan.title.en}\n\n${complianceTable(reports)}\n`,
    )
  return 0
}
