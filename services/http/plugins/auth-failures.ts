// Failed authentications per client address, counted in fixed one-minute windows. An address
// over the limit is refused every keyed request (429, Retry-After) until its window ends, so a
// key cannot be guessed online, and a right guess is not told apart from a wrong one meanwhile.
// The address is the socket's peer, or what X-Forwarded-For says only when the proxy in front is
// trusted (TARGETWATCH_TRUST_PROXY): README "Failed authentication".

export interface FailureLimiter {
  /** ms until the address may try again, or 0 when it may now. */
  blockedFor: (address: string) => number
  /** Counts one failed authentication from the address. */
  record: (address: string) => void
  readonly perWindow: number
}

export const createFailureLimiter = ({ perWindow, windowMs = 60_000, now = Date.now }: { perWindow: number; windowMs?: number; now?: () => number }): FailureLimiter => {
  const windows = new Map<string, { startedAt: number; failures: number }>()
  const current = (address: string) => {
    const window = windows.get(address)
    if (window && now() - window.startedAt >= windowMs) windows.delete(address)
    return windows.get(address)
  }
  const sweep = () => {
    for (const [address, window] of windows) if (now() - window.startedAt >= windowMs) windows.delete(address)
  }
  return {
    perWindow,
    blockedFor: (address) => {
      const window = current(address)
      return window && window.failures >= perWindow ? window.startedAt + windowMs - now() : 0
    },
    record: (address) => {
      if (windows.size > 10_000) sweep()
      const window = current(address)
      if (window) window.failures++
      else windows.set(address, { startedAt: now(), failures: 1 })
    },
  }
}
