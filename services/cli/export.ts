// `targetwatch export [--data DIR] [--from N] [--to N] [--stream S] [--type T]
//  [--recorded-from I] [--recorded-to I] [--out FILE]`: the log as NDJSON on stdout (or a file).
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { parseArgs } from 'node:util'
import { exportChunks, writeChunks, type ExportFilter } from '../audit/export.ts'
import { openLogReader } from '../audit/log-reader.ts'
import type { Config } from '../config.ts'

const whole = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new Error(`export: --${name} must be a position (a whole number), got '${value}'`)
  return Number(value)
}

export const exportCommand = async (config: Config, args: string[]): Promise<number> => {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      stream: { type: 'string' },
      type: { type: 'string' },
      'recorded-from': { type: 'string' },
      'recorded-to': { type: 'string' },
      out: { type: 'string' },
    },
  })
  const filter: ExportFilter = {
    from: whole('from', values.from),
    to: whole('to', values.to),
    stream: values.stream,
    type: values.type,
    recordedFrom: values['recorded-from'],
    recordedTo: values['recorded-to'],
  }
  const reader = await openLogReader(config, values.data)
  const out = values.out ? createWriteStream(values.out) : process.stdout
  try {
    await writeChunks(exportChunks(reader, filter), out)
    if (values.out) {
      out.end()
      await once(out, 'finish')
    }
    return 0
  } finally {
    await reader.close()
  }
}
