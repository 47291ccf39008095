// `targetwatch keys ...`: create, list and revoke API keys directly in the data dir.
import { parseArgs } from 'node:util'
import { roles, type Principal, type Role } from '../auth/principal.ts'
import type { Config } from '../config.ts'
import { createLogger } from '../logger.ts'
import { openServices } from '../services.ts'

const operator: Principal = { keyId: 'cli', name: 'targetwatch keys (local operator)', role: 'admin', regions: null }

export const keysCommand = async (config: Config, args: string[]): Promise<number> => {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, regions: { type: 'string' }, reason: { type: 'string' } },
  })
  const [action, id] = positionals
  const services = await openServices(config, createLogger('warn', process.stderr))
  try {
    switch (action) {
      case 'create': {
        if (!values.name) throw new Error('keys create: --name is required')
        if (!roles.includes(values.role as Role)) throw new Error(`keys create: --role must be one of ${roles.join(', ')}`)
        const regions = values.regions ? values.regions.split(',').map((r) => r.trim()) : undefined
        const bad = regions?.find((r) => !services.plans.isReportingRegion(r))
        if (bad) throw new Error(`keys create: --regions: unknown region '${bad}'`)
        const created = await services.keys.create(
          { name: values.name, role: values.role as Role, ...(regions ? { regions } : {}) },
          operator,
          'cli',
        )
        process.stdout.write(`${JSON.stringify(created, null, 2)}\n`)
        process.stderr.write('The key is shown once; only its salted hash is stored.\n')
        return 0
      }
      case 'list':
        process.stdout.write(`${JSON.stringify(services.keys.list(), null, 2)}\n`)
        return 0
      case 'revoke':
        if (!id) throw new Error('keys revoke: give the key id')
        process.stdout.write(`${JSON.stringify(await services.keys.revoke(id, operator, 'cli', values.reason), null, 2)}\n`)
        return 0
      default:
        throw new Error(`keys: unknown action '${action ?? ''}'; use create, list or revoke`)
    }
  } finally {
    await services.close()
  }
}
