// `targetwatch verify [--data DIR | --file export.ndjson] [--public-key KEY]... [--head FILE]...`
// Recomputes every chain and the Merkle tree from raw storage (the SQLite file, read-only) or
// from an export, checks every signed head; prints the report and exits 1 on any problem.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { LedgerCheckpointed } from '../../domain/attestation.ts'
import { parsePublicKey } from '../audit/ledger-key.ts'
import { unreadableReport, verifyLog, type VerifyReport, type VerifySource } from '../audit/verify.ts'
import type { HeadCandidate } from '../audit/verify-heads.ts'
import { dataDirSource, eventsFileName, fileSource, storeSource } from '../audit/verify-sources.ts'
import { isSqliteCorruption } from '../store/sqlite-corruption.ts'
import path from 'node:path'
import type { Config } from '../config.ts'

/** Signed heads an auditor kept: one checkpoint, a list, or a /v1/audit/checkpoints response. */
export const givenHeads = (file: string): HeadCandidate[] => {
  const json = JSON.parse(readFileSync(file, 'utf8')) as unknown
  const list = Array.isArray(json) ? json : (json as { checkpoints?: unknown[] }).checkpoints ?? [json]
  return list.map((item, index) => {
    const { position, ...data } = item as Record<string, unknown>
    const parsed = LedgerCheckpointed.safeParse(data)
    if (!parsed.success) throw new Error(`--head ${file} [${index}]: not a signed tree head (${parsed.error.issues[0]?.message})`)
    return { ...parsed.data, position: typeof position === 'number' ? position : null, source: 'given' as const }
  })
}

const summary = (report: VerifyReport) =>
  report.ok
    ? `verified ${report.checked} events (head ${report.head}), ${report.signedHeads.checked} signed head(s): no problem found\n`
    : `NOT VERIFIED: first bad position ${report.firstBadPosition ?? '(none)'}: ${report.problem}\n` +
      report.problems
        .slice(0, 10)
        .map((p) => `  ${p.position ?? '-'} ${p.check}: ${p.message}\n`)
        .join('')

const print = (report: VerifyReport): number => {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
  process.stderr.write(summary(report))
  return report.ok ? 0 : 1
}

export const verifyCommand = async (config: Config, args: string[]): Promise<number> => {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      file: { type: 'string' },
      'public-key': { type: 'string', multiple: true },
      head: { type: 'string', multiple: true },
    },
  })
  if (values.data && values.file) throw new Error('verify: give --data or --file, not both')
  const trusted = values['public-key']?.map((key) => parsePublicKey(key).keyId)
  const options = { trustedKeys: trusted ? new Set(trusted) : null, given: (values.head ?? []).flatMap(givenHeads) }
  let source: VerifySource & { close?: () => void | Promise<void> }
  if (values.file) source = fileSource(values.file)
  else if (values.data || config.store === 'sqlite') {
    const dataDir = values.data ?? config.dataDir
    try {
      source = dataDirSource(dataDir, { sqliteCheck: true })
    } catch (error) {
      // A file too damaged to open or measure: the report says so, without a stack.
      if (!isSqliteCorruption(error)) throw error
      return print(unreadableReport(error, path.join(dataDir, eventsFileName)))
    }
  }
  else {
    // Loaded only here: the composition root pulls in every service.
    const { openStore } = await import('../services.ts')
    const store = await openStore(config, () => new Date())
    source = { ...(await storeSource(store)), close: () => store.close() }
  }
  try {
    return print(await verifyLog(source, options))
  } finally {
    await source.close?.()
  }
}
