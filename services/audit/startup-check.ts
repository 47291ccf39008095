// The check at start, before anything is served or signed (README "Integrity"): SQLite's
// integrity_check of events.db with the first position that cannot be read, and the tail of the
// log against the latest signed head: the events after it (at most `tailEvents`) rehashed and
// compared with the Merkle tree's leaves, and the tree's root at the head's size compared with
// the signed root. What it finds goes to the integrity guard; the service still starts,
// read-only and not ready (docs/ARCHITECTURE.md, Integrity). The whole log is the scrub's.
import path from 'node:path'
import { eventsFileName } from './verify-sources.ts'
import { isSqliteCorruption, sqliteIntegrityCheck } from '../store/sqlite-corruption.ts'
import { openRawLog } from './raw-sqlite.ts'
import type { IntegrityGuard } from './integrity.ts'
import { contentProblem } from './verify.ts'
import { eventLeaf, type LedgerTree } from './tree.ts'
import type { Checkpoint } from './checkpoints.ts'

/** SQLite's structural check; true when the file is sound (or absent: a first start). */
export const checkFileAtStart = (dataDir: string, guard: IntegrityGuard): boolean => {
  const file = path.join(dataDir, eventsFileName)
  const structure = sqliteIntegrityCheck(file)
  if (structure.ok || /unable to open|does not exist/i.test(structure.problems[0] ?? '')) return true
  guard.report({ source: 'startup', check: 'sqlite', position: firstUnreadable(file), message: `SQLite integrity_check: ${structure.problems.join('; ')}`, file })
  return false
}

/** The first position whose row cannot be read, by a scan of the log in pages; null when none (an index is damaged). */
const firstUnreadable = (file: string): number | null => {
  let raw
  try {
    raw = openRawLog(file)
  } catch {
    return null
  }
  try {
    const head = raw.head()
    for (let position = 1; position <= head; position += 1) {
      try {
        // One lookup by rowid per position is slow only in a damaged file, where it runs.
        if (!raw.readable(position)) return position
      } catch (error) {
        if (isSqliteCorruption(error)) return position
        throw error
      }
    }
    return null
  } catch (error) {
    if (isSqliteCorruption(error)) return null
    throw error
  } finally {
    raw.close()
  }
}

export const checkTailAtStart = async ({
  dataDir,
  tree,
  latest,
  guard,
  tailEvents = 10_000,
}: {
  dataDir: string
  tree: LedgerTree
  latest: Checkpoint | null
  guard: IntegrityGuard
  tailEvents?: number
}): Promise<void> => {
  const file = path.join(dataDir, eventsFileName)
  const raw = openRawLog(file)
  try {
    const head = raw.head()
    const from = Math.max(0, Math.min(latest?.treeSize ?? head, head - tailEvents))
    for await (const item of raw.items(from, head)) {
      const problem = item.event ? contentProblem(item.event) : (item.problem ?? 'the stored row cannot be read')
      if (problem) return void guard.report({ source: 'startup', check: item.event ? 'hash' : 'decode', position: item.position, message: problem, file })
      const leaf = tree.leafAt(item.position - 1)
      if (leaf && !leaf.equals(eventLeaf(item.event!)))
        return void guard.report({ source: 'startup', check: 'tree', position: item.position, message: 'the event differs from the Merkle tree built from the log: it was changed after it was recorded', file })
    }
    if (latest && tree.size() >= latest.treeSize && tree.root(latest.treeSize).toString('hex') !== latest.rootHash)
      guard.report({
        source: 'startup',
        check: 'tree',
        position: null,
        message: `the Merkle tree of the first ${latest.treeSize} events differs from the signed head recorded at position ${latest.position}`,
        file,
      })
  } catch (error) {
    if (!isSqliteCorruption(error)) throw error
    guard.report({ source: 'startup', check: 'sqlite', position: null, message: `the tail of the log cannot be read: ${(error as Error).message}`, file })
  } finally {
    raw.close()
  }
}
