// Turn a submitted body into a ClientEvent, or a ValidationError whose message names each
// offending field (`data.uscc: check character is 7, expected 3`).
import type { z } from 'zod'
import { ValidationError } from './errors.ts'
import { clientEventEnvelope, clientEventTypes, isClientEventType, type ClientEvent } from './events.ts'

const envelopes = new Map(clientEventTypes.map((t) => [t, clientEventEnvelope(t)]))

const pathOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '')

/** The value a client sent, as a message quotes it (parsed JSON: 1e400 arrives as Infinity). */
const shown = (input: unknown): string => {
  if (typeof input === 'number') return Number.isFinite(input) ? String(input) : `${input} (a number too ${input > 0 ? 'large' : 'small'})`
  if (typeof input === 'string') return `${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)} (a string)`
  if (input === null || typeof input === 'boolean') return String(input)
  return Array.isArray(input) ? 'an array' : `a value of type ${typeof input}`
}

const expectedKinds: Record<string, string> = { int: 'an integer', number: 'a number', string: 'a string', object: 'an object', array: 'an array', boolean: 'true or false' }

/** What the client sent at an issue's path (before any coercion: a missing query value, not NaN). */
const sentAt = (sent: unknown, path: readonly PropertyKey[]): unknown => {
  let value = sent
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

// A missing field "is required"; a present one of the wrong kind is named with what was sent.
// A schema's own message ("must be ...") wins over zod's wording.
const describeIssue = (issue: z.core.$ZodIssue, sent: unknown): string => {
  const own = issue.message.startsWith('must ') ? issue.message : null
  const input = sentAt(sent, issue.path)
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`
    case 'invalid_type':
      if (input === undefined) return 'is required'
      return `${own ?? `must be ${expectedKinds[issue.expected] ?? issue.expected}`}, got ${shown(input)}`
    case 'too_small':
    case 'too_big':
      return own && typeof input === 'number' ? `${own}, got ${shown(input)}` : issue.message
    default:
      return issue.message
  }
}


export interface FieldProblem {
  field: string
  message: string
}

/** `sent` is what the client sent (the body, the query), quoted in messages of wrong-kind values. */
export const problemsOf = (error: z.ZodError, prefix = '', sent?: unknown): FieldProblem[] =>
  error.issues.map((issue) => {
    const field = pathOf(issue.path)
    return { field: prefix && field ? `${prefix}.${field}` : prefix || field || '(body)', message: describeIssue(issue, sent) }
  })

export const validationErrorFrom = (problems: FieldProblem[]): ValidationError =>
  new ValidationError(problems.map((p) => `${p.field}: ${p.message}`).join('; '), { problems })

export const parseClientEvent = (input: unknown): ClientEvent => {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new ValidationError('(body): an event must be a JSON object {type, data, id?, occurredAt?}')
  const type = (input as { type?: unknown }).type
  if (!isClientEventType(type))
    throw new ValidationError(
      `type: ${type === undefined ? 'is required' : `'${String(type)}' is not an event type`}; expected one of ${clientEventTypes.join(', ')}`,
      { problems: [{ field: 'type', message: 'unknown event type' }] },
    )
  const parsed = envelopes.get(type)!.safeParse(input)
  if (!parsed.success) throw validationErrorFrom(problemsOf(parsed.error, '', input))
  return parsed.data as ClientEvent
}
