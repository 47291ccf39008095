// The service's integrity state: clean until a finding (the start-up check, the scrub, or a
// SQLite corruption error met anywhere) and then violated until restart. While violated the
// service is read-only for diagnosis and not ready: see README "Integrity" and
// docs/ARCHITECTURE.md (Integrity). Only the first finding is kept as the reason; later ones
// are counted and logged.
import type { Logger } from 'pino'
import { IntegrityViolated } from '../../domain/errors.ts'

export type FindingSource = 'startup' | 'scrub' | 'request'

export interface IntegrityFinding {
  /** What found it. */
  source: FindingSource
  /** Which check failed: sqlite (the file's structure), hash, chain, tree, position, ... (verify's checks). */
  check: string
  /** The first log position affected, when known. */
  position: number | null
  message: string
  /** The file the finding is about, when it is one. */
  file: string | null
  detectedAt: string
}

export const createIntegrityGuard = ({ logger, clock }: { logger: Logger; clock: () => Date }) => {
  let first: IntegrityFinding | null = null
  const listeners = new Set<(finding: IntegrityFinding, isFirst: boolean) => void>()

  const report = (finding: Omit<IntegrityFinding, 'detectedAt'>): IntegrityFinding => {
    const full = { ...finding, detectedAt: clock().toISOString() }
    const isFirst = first === null
    first ??= full
    logger.error({ integrity: full }, isFirst ? 'integrity violated: refusing appends, proofs and attestations' : 'another integrity finding')
    for (const listener of listeners) listener(full, isFirst)
    return full
  }

  /** The reason a client reads in a 503 and in /readyz. */
  const describe = (finding: IntegrityFinding): string =>
    `${finding.file ? `${finding.file}: ` : ''}${finding.position !== null ? `position ${finding.position}: ` : ''}${finding.message} ` +
    `(${finding.check}, found by the ${finding.source === 'request' ? 'request path' : finding.source === 'scrub' ? 'scrub' : 'start-up check'} at ${finding.detectedAt})`

  return {
    report,
    finding: (): IntegrityFinding | null => first,
    describe,
    /** Throws IntegrityViolated (503) once anything was found. */
    ensureIntact: (what: string): void => {
      if (first)
        throw new IntegrityViolated(`${what} refused: the log failed an integrity check: ${describe(first)}`, {
          check: first.check,
          position: first.position,
          ...(first.file ? { file: first.file } : {}),
        })
    },
    onFinding: (listener: (finding: IntegrityFinding, isFirst: boolean) => void) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export type IntegrityGuard = ReturnType<typeof createIntegrityGuard>
