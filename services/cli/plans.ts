// `targetwatch plans publish FILE | revise FILE --if-match N | list | show ID`: plans as data in
// the data dir, the same as POST/PUT /v1/plans (run while the service is stopped, or use the API).
import { parseArgs } from 'node:util'
import { PlanInvalid } from '../../domain/plan-validation.ts'
import { readJsonFile } from '../../seeds/plans.ts'
import type { Principal } from '../auth/principal.ts'
import type { Config } from '../config.ts'
import { createLogger } from '../logger.ts'
import { openServices } from '../services.ts'

const operator: Principal = { keyId: 'cli', name: 'targetwatch plans (local operator)', role: 'admin', regions: null }

export const plansCommand = async (config: Config, args: string[]): Promise<number> => {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { 'if-match': { type: 'string' }, reason: { type: 'string' } } })
  const [action, argument] = positionals
  if (action === 'publish' || action === 'revise') {
    if (!argument) throw new Error(`plans ${action}: give the plan file`)
    if (action === 'revise' && !/^\d+$/.test(values['if-match'] ?? '')) throw new Error('plans revise: --if-match must be the revision being revised (a whole number)')
  } else if (action === 'show') {
    if (!argument) throw new Error('plans show: give the plan id')
  } else if (action !== 'list') throw new Error(`plans: unknown action '${action ?? ''}'; use publish, revise, list or show`)

  const services = await openServices(config, createLogger('warn', process.stderr))
  try {
    switch (action) {
      case 'publish':
      case 'revise': {
        const { json, source } = readJsonFile(argument!)
        try {
          const { status, revision } =
            action === 'publish'
              ? await services.plans.publish(json, operator, 'cli')
              : await services.plans.revise(String((json as { id?: unknown }).id), json, Number(values['if-match']), operator, 'cli', values.reason)
          process.stdout.write(`${JSON.stringify({ id: revision.plan.id, revision: revision.revision, position: revision.position }, null, 2)}\n`)
          process.stderr.write(status === 201 ? `plan ${revision.plan.id} recorded at position ${revision.position}\n` : `plan ${revision.plan.id}: the log already holds this document\n`)
          return 0
        } catch (error) {
          if (error instanceof PlanInvalid) throw new Error(`${source}:\n${error.problems.map((p) => `  ${p.path} ${p.message}`).join('\n')}`)
          throw error
        }
      }
      case 'list':
        for (const { plan, revision, position } of services.plans.list())
          process.stdout.write(`${plan.id}\trevision ${revision}\tposition ${position}\t${plan.period.start}..${plan.period.end}\t${plan.title.zh} / ${plan.title.en}\n`)
        return 0
      default:
        process.stdout.write(`${JSON.stringify(services.plans.get(argument!).plan, null, 2)}\n`)
        return 0
    }
  } finally {
    await services.close()
  }
}
