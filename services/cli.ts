// `targetwatch <command>`: serve, keys. (npm start = serve.)
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { guarded } from './audit/cli-run.ts'
import { attestCheckUsage, exportUsage, importUsage, plansUsage, replayUsage, verifyUsage } from './cli/usage.ts'

// Each command's module is loaded when it runs: `serve` loads the whole service, `verify` or
// `export` only what reads the log, `--help` nothing. The SQLite writer thread of `serve` starts
// first, so that its start (its own tsx and modules) overlaps the loading of the service.
type Command = (config: Config, args: string[]) => Promise<number>
const audited =
  (name: string, load: () => Promise<Command>): Command =>
  async (config, args) =>
    guarded(name, await load())(config, args)

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
      if (config.store === 'sqlite' && config.sqliteWriter === 'thread') (await import('./store/sqlite-writer-thread.ts')).startWriterThread()
      const [{ serveDemo, serveOptions }, { serve }, { createLogger }] = await Promise.all([import('./cli/demo.ts'), import('./server.ts'), import('./logger.ts')])
      const { values } = parseArgs({ args: rest, options: serveOptions, strict: true })
      if (values.demo || values.scale !== undefined || values.seed !== undefined) await serveDemo(config, values, createLogger(config.logLevel))
      else await serve(config, createLogger(config.logLevel))
      return -1
    }
    case 'keys':
      return (await import('./cli/keys.ts')).keysCommand(config, rest)
    case 'simulate':
      return (await import('./cli/simulate.ts')).simulateCommand(config, rest)
    case 'plans':
      return audited('plans', async () => (await import('./cli/plans.ts')).plansCommand)(config, rest)
    case 'verify':
      return audited('verify', async () => (await import('./cli/verify.ts')).verifyCommand)(config, rest)
    case 'export':
      return audited('export', async () => (await import('./cli/export.ts')).exportCommand)(config, rest)
    case 'import':
      return audited('import', async () => (await import('./cli/import.ts')).importCommand)(config, rest)
    case 'replay':
      return audited('replay', async () => (await import('./cli/replay.ts')).replayCommand)(config, rest)
    case 'attest-check':
      return audited('attest-check', async () => (await import('./cli/attest-check.ts')).attestCheckCommand)(config, rest)
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
