// Ledger settings from the environment (read by services/config.ts).

export interface LedgerConfig {
  /** TARGETWATCH_LEDGER_KEY: an Ed25519 private key (PKCS#8 PEM text, or a path to it); else data/ledger-ed25519.pem. */
  key: string | null
  /** TARGETWATCH_LEDGER_CHECKPOINT_EVERY: sign a tree head once this many events are unsigned. */
  checkpointEvery: number
  /** TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL: also sign this often while any event is unsigned; 0 = never by time. */
  checkpointIntervalMs: number
  /** TARGETWATCH_SCRUB_INTERVAL: re-verify the whole log this long after the previous scrub ended (the first at start); 0 = never. */
  scrubIntervalMs: number
  /**
   * TARGETWATCH_VERIFY_THREAD_FROM: a SQLite log of at least this many events is verified (scrub,
   * GET /v1/audit/verify) on a thread of its own; a smaller one on the serving thread. 0 = always.
   */
  verifyThreadFrom: number
}

type Env = Record<string, string | undefined>
type Fail = (variable: string, message: string) => never

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

const duration = (env: Env, name: string, fallback: number, fail: Fail): number => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const match = /^(\d+)(ms|s|m|h)$/.exec(raw.trim())
  if (!match) return fail(name, `must be a duration like 0, 500ms, 30s, 5m or 1h, got '${raw}'`)
  return Number(match[1]) * units[match[2]]
}

/** A whole number of at least `min` (a safe integer). */
const count = (env: Env, name: string, fallback: number, fail: Fail, min = 1): number => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(Number(raw)) || Number(raw) < min) return fail(name, `must be a whole number of at least ${min}, got '${raw}'`)
  return Number(raw)
}

export const ledgerConfigFrom = (env: Env, fail: Fail): LedgerConfig => ({
  key: env.TARGETWATCH_LEDGER_KEY || null,
  checkpointEvery: count(env, 'TARGETWATCH_LEDGER_CHECKPOINT_EVERY', 10_000, fail),
  checkpointIntervalMs: env.TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL?.trim() === '0' ? 0 : duration(env, 'TARGETWATCH_LEDGER_CHECKPOINT_INTERVAL', 60_000, fail),
  scrubIntervalMs: env.TARGETWATCH_SCRUB_INTERVAL?.trim() === '0' ? 0 : duration(env, 'TARGETWATCH_SCRUB_INTERVAL', 6 * 3_600_000, fail),
  verifyThreadFrom: count(env, 'TARGETWATCH_VERIFY_THREAD_FROM', 50_000, fail, 0),
})
