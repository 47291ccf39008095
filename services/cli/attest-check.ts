// `targetwatch attest-check ANSWER.json [--file export.ndjson | --data DIR] [--public-key KEY]`:
// re-derives an attested compliance answer from the events alone and checks its signature.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { checkAttestation } from '../audit/attest.ts'
import { parsePublicKey } from '../audit/ledger-key.ts'
import { exportedEvents, openLogReader } from '../audit/log-reader.ts'
import type { Config } from '../config.ts'

export const attestCheckCommand = async (config: Config, args: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { file: { type: 'string' }, data: { type: 'string' }, 'public-key': { type: 'string' } },
  })
  const [answerFile] = positionals
  if (!answerFile) throw new Error('attest-check: give the file holding the attested answer')
  if (values.file && values.data) throw new Error('attest-check: give --file or --data, not both')
  const body = JSON.parse(readFileSync(answerFile, 'utf8')) as Record<string, unknown>
  const trustedKey = values['public-key'] ? parsePublicKey(values['public-key']) : null
  const reader = values.file ? null : await openLogReader(config, values.data)
  try {
    const events = values.file ? exportedEvents(values.file) : reader!.readAll()
    const result = await checkAttestation(body, events, { trustedKey })
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    process.stderr.write(result.ok ? `attestation holds: ${result.treeSize} events, root ${result.rootHash}\n` : `ATTESTATION DOES NOT HOLD: ${result.problems[0]}\n`)
    return result.ok ? 0 : 1
  } finally {
    await reader?.close()
  }
}
