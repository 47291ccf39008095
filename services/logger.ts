// pino: pretty on a terminal, JSON lines otherwise; credentials never reach a log line.
import pino, { type Logger } from 'pino'

export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.secret',
  '*.key',
  'secret',
  'key',
]

export const createLogger = (level: string, destination: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout): Logger => {
  const options = { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'targetwatch' } }
  if (destination.isTTY)
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:standard', ignore: 'pid,hostname,service' } } })
  return pino(options, destination as pino.DestinationStream)
}
