// `targetwatch <command>`: serve, keys. (npm start = serve.)
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from './config.ts'
import { createLogger } from './logger.ts'
import { serve } from './server.ts'
import { keysCommand } from './cli/keys.ts'

const usage = `usage: targetwatch <command> [options]

commands:
  serve                       run the HTTP service (npm start)
  keys create --name N --role viewer|reporter|auditor|admin [--regions a,b]
  keys list
  keys revoke <id>
                              manage API keys in the data dir (run while the service is stopped,
                              or use the HTTP API /v1/keys with an admin key)

environment: PORT, HOST, TARGETWATCH_DATA_DIR, TARGETWATCH_STORE, EVENTSTORE_URL, LOG_LEVEL,
             TARGETWATCH_ADMIN_KEY (see README)`

const main = async (argv: string[]): Promise<number> => {
  const [command, ...rest] = argv
  const config = loadConfig()
  switch (command) {
    case 'serve': {
      parseArgs({ args: rest, options: {}, strict: true })
      await serve(config, createLogger(config.logLevel))
      return -1
    }
    case 'keys':
      return keysCommand(config, rest)
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
