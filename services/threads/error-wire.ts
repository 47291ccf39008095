// Errors across a thread boundary. Structured clone keeps an Error's message and stack but not
// its class or its own fields (code, status, details, a ConcurrencyError's stream): a DomainError
// crosses as its class name and fields and is rebuilt as the same class on the other side, so
// `instanceof` and the HTTP error handler's mapping hold as if it had been thrown on this thread.
import * as errors from '../../domain/errors.ts'

export interface WireError {
  name: string
  message: string
  stack?: string
  /** Own enumerable fields (code, status, details, ...). */
  fields: Record<string, unknown>
}

const domainClasses = new Map<string, { prototype: object }>(
  Object.values(errors)
    .filter((value): value is typeof errors.DomainError => typeof value === 'function' && (value === errors.DomainError || value.prototype instanceof errors.DomainError))
    .map((constructor) => [constructor.name, constructor]),
)

export const toWire = (error: unknown): WireError => {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} }
  return { name: error.name, message: error.message, stack: error.stack, fields: { ...error } }
}

/** The error again: a DomainError as its own class; anything else as an Error with the same name, message and fields. */
export const fromWire = (wire: WireError): Error => {
  const domainClass = domainClasses.get(wire.name)
  const error = (domainClass ? Object.create(domainClass.prototype) : new Error(wire.message)) as Error
  Object.defineProperty(error, 'message', { value: wire.message, writable: true, configurable: true })
  if (wire.stack !== undefined) Object.defineProperty(error, 'stack', { value: wire.stack, writable: true, configurable: true })
  return Object.assign(error, wire.fields, { name: wire.name })
}
