// Turn a submitted body into a ClientEvent, or a ValidationError whose message names each
// offending field (`data.uscc: check character is 7, expected 3`).
import type { z } from 'zod'
import { ValidationError } from './errors.ts'
import { clientEventEnvelope, clientEventTypes, isClientEventType, type ClientEvent } from './events.ts'

const envelopes = new Map(clientEventTypes.map((t) => [t, clientEventEnvelope(t)]))

const pathOf = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '')

const describeIssue = (issue: z.core.$ZodIssue): string => {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${issue.expected}`
    default:
      return issue.message
  }
}

export interface FieldProblem {
  field: string
  message: string
}

export const problemsOf = (error: z.ZodError, prefix = ''): FieldProblem[] =>
  error.issues.map((issue) => {
    const field = pathOf(issue.path)
    return { field: prefix && field ? `${prefix}.${field}` : prefix || field || '(body)', message: describeIssue(issue) }
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
  if (!parsed.success) throw validationErrorFrom(problemsOf(parsed.error))
  return parsed.data as ClientEvent
}
