// The verification of a SQLite data dir as the service runs it (its scrub, GET /v1/audit/verify):
// the raw file read-only, the side file's hints, and the signed heads the live tree witnessed.
// The same function runs on the serving thread or on a thread of its own (verify-thread.ts).
import path from 'node:path'
import { isSqliteCorruption } from '../store/sqlite-corruption.ts'
import type { HeadCandidate } from './verify-heads.ts'
import { dataDirSource, eventsFileName } from './verify-sources.ts'
import { unreadableReport, verifyLog, type VerifyReport } from './verify.ts'

/**
 * `witnesses`: signed heads kept outside the log (the tree's side file and the heads it has not
 * written yet). Heads are believed on their own signatures (`trustedKeys: null`).
 */
export const verifyDataDir = async (dataDir: string, witnesses: () => HeadCandidate[]): Promise<VerifyReport> => {
  let source: ReturnType<typeof dataDirSource>
  try {
    source = dataDirSource(dataDir)
  } catch (error) {
    if (!isSqliteCorruption(error)) throw error
    return unreadableReport(error, path.join(dataDir, eventsFileName))
  }
  try {
    return await verifyLog({ ...source, witnesses }, { trustedKeys: null })
  } finally {
    source.close()
  }
}
