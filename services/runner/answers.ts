// Answers derived from a read model are functions of the log position they were read at and the
// question asked, so they can be kept: a dashboard polling an unchanged log is answered without
// evaluating or serialising again. The caller's key must name everything the answer depends on
// (the position first); a moving log simply asks new keys, and the oldest entries are dropped.

export type AnswerCache<V> = (key: string, compute: () => V) => V

export const createAnswerCache = <V>(capacity = 32): AnswerCache<V> => {
  const entries = new Map<string, V>()
  return (key, compute) => {
    const kept = entries.get(key)
    if (kept !== undefined) {
      // Map order is insertion order: moving a hit to the end keeps the least recent first.
      entries.delete(key)
      entries.set(key, kept)
      return kept
    }
    const value = compute()
    entries.set(key, value)
    if (entries.size > capacity) entries.delete(entries.keys().next().value as string)
    return value
  }
}
