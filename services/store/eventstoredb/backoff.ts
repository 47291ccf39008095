// When a subscription to $all drops (connection lost, "Server Is Not Ready", a leader change),
// it resubscribes from the last event it handled after a pause: exponential with full jitter,
// capped, so a restarting cluster is not hammered and a brief blip costs ~100 ms.
export interface BackoffPolicy {
  /** First pause, in ms. */
  initialMs: number
  /** Longest pause, in ms: the backoff is bounded, the retries are not. */
  maxMs: number
  /** Growth per failed attempt. */
  factor: number
}

export const defaultBackoff: BackoffPolicy = { initialMs: 100, maxMs: 10_000, factor: 2 }

/** The ceiling of the pause before retry number `attempt` (0-based): initial * factor^attempt, capped. */
export const backoffCeiling = (attempt: number, policy: BackoffPolicy = defaultBackoff): number =>
  Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt))

/**
 * The pause before retry number `attempt`: uniform in [ceiling / 2, ceiling] ("equal jitter"),
 * so instances that lost the same node spread out but none retries at once in a tight loop.
 */
export const backoffDelay = (attempt: number, policy: BackoffPolicy = defaultBackoff, random: () => number = Math.random): number => {
  const ceiling = backoffCeiling(attempt, policy)
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
