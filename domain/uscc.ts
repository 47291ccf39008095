// Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a
// 31-character alphabet (no I, O, Z, S, V); the last is a check character over the first 17.

export const usccAlphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const

const valueOf = new Map<string, number>([...usccAlphabet].map((c, i) => [c, i]))

export type UsccCheck =
  | { ok: true }
  | { ok: false; reason: 'length'; length: number }
  | { ok: false; reason: 'character'; index: number; character: string }
  | { ok: false; reason: 'check'; actual: string; expected: string }

/** Check character for the first 17 characters (assumed valid). */
export const usccCheckCharacter = (body17: string): string => {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += valueOf.get(body17[i]!)! * weights[i]!
  return usccAlphabet[(31 - (sum % 31)) % 31]!
}

export const checkUscc = (code: string): UsccCheck => {
  if (code.length !== 18) return { ok: false, reason: 'length', length: code.length }
  for (let i = 0; i < 18; i++) {
    if (!valueOf.has(code[i]!)) return { ok: false, reason: 'character', index: i, character: code[i]! }
  }
  const expected = usccCheckCharacter(code.slice(0, 17))
  return code[17] === expected ? { ok: true } : { ok: false, reason: 'check', actual: code[17]!, expected }
}

export const describeUsccProblem = (check: Exclude<UsccCheck, { ok: true }>): string => {
  switch (check.reason) {
    case 'length':
      return `must be 18 characters, got ${check.length}`
    case 'character':
      return `character ${check.index + 1} '${check.character}' is not in ${usccAlphabet}`
    case 'check':
      return `check character is ${check.actual}, expected ${check.expected}`
    default: {
      const _exhaustive: never = check
      return _exhaustive
    }
  }
}
