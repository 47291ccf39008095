// `targetwatch <command>`: serve, keys. (npm start = serve.)
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { serve } from './server.ts'
import { keysCommand } from './cli/keys.ts'
import { serveDemo, serveOptions } from './cli/demo.ts'
import { simulateCommand } from './cli/simulate.ts'
import { guarded } from './audit/cli-run.ts'
import { attestCheckCommand, attestCheckUsage } from './cli/attest-check.ts'
import { exportCommand, exportUsage } from './cli/export.ts'
import { importCommand, importUsage } from './cli/import.ts'
import { plansCommand, plansUsage } from './cli/plans.ts'
import { replayCommand, replayUsage } from './cli/replay.ts'
import { verifyCommand, verifyUsage } from './cli/verify.ts'

const usage = `usage: targetwatch <command> [options]

commands:
  serve                       run the HTTP service (npm start)
  serve --demo [--scale 0.1] [--seed N]
                              serve from ./data-demo (or TARGETWATCH_DATA_DIR) and simulate a
                              scaled 2020 into it in the background (npm start -- --demo)
  simulate [--seed N] [--scale 1] [--until DATE] [--url URL] [--key KEY]
                              post a realistic simulated 2020 to a running service
                              (npm run simulate -- --help)
  keys create --name N --role viewer|reporter|auditor|admin [--regions a,b]
  keys list
  keys revoke <id>
                              manage API keys in the data dir (run while the service is stopped,
                              or use the HTTP API /v1/keys with an admin key)
  ${plansUsage}
  ${verifyUsage}
  ${exportUsage}
  ${importUsage}
  ${replayUsage}
  ${attestCheckUsage}

environment: PORT, HOST, TARGETWATCH_DATA_DIR, TARGETWATCH_STORE, EVENTSTORE_URL, LOG_LEVEL,
             TARGETWATCH_ADMIN_KEY (see README)`

const main = async (argv: string[]): Promise<number> => {
  const [command, ...rest] = argv
  const config = loadConfig()
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: serveOptions, strict: true })
      if (values.demo || values.scale !== undefined || values.seed !== undefined) await serveDemo(config, values, createLogger(config.logLevel))
      else await serve(config, createLogger(config.logLevel))
      return -1
    }
    case 'keys':
      return keysCommand(config, rest)
    case 'simulate':
      return simulateCommand(config, rest)
    case 'plans':
      return guarded('plans', plansCommand)(config, rest)
    case 'verify':
      return guarded('verify', verifyCommand)(config, rest)
    case 'export':
      return guarded('export', exportCommand)(config, rest)
    case 'import':
      return guarded('import', importCommand)(config, rest)
    case 'replay':
      return guarded('replay', replayCommand)(config, rest)
    case 'attest-check':
      return guarded('attest-check', attestCheckCommand)(config, rest)
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage + '\n')
      return command === undefined ? 2 : 0
    default:
      process.stderr.write(`targetwatch: unknown command '${command}'\n\n${usage}\n`)
      return 2
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (error) => {
    process.stderr.write(`targetwatch: ${error instanceof ConfigError ? error.message : (error?.stack ?? String(error))}\n`)
    process.exitCode = 1
  },
)
