// Durations as the configuration writes them ('250ms', '5s', '30m', '2h', '1d') and lists of
// them (TARGETWATCH_WEBHOOK_RETRY_SCHEDULE): README "Alerts and webhooks".
const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** '250ms', '5s', '30m', '2h', '1d' → milliseconds; null when it is not one of those. */
export const parseDuration = (text: string): number | null => {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text.trim())
  return match ? Number(match[1]) * units[match[2]!]! : null
}

/** '1s,2s,5s' → [1000, 2000, 5000], or a message saying which item is wrong. */
export const parseDurationList = (text: string): { ok: true; value: number[] } | { ok: false; message: string } => {
  const items = text.split(',').map((item) => item.trim())
  const value: number[] = []
  for (const [index, item] of items.entries()) {
    const ms = parseDuration(item)
    if (ms === null) return { ok: false, message: `item ${index + 1} '${item}' is not a duration like 500ms, 5s, 30m, 2h or 1d` }
    value.push(ms)
  }
  if (value.length === 0 || value.length > 50) return { ok: false, message: 'must list 1 to 50 durations' }
  return { ok: true, value }
}
