// The client and how it is reached. The adapter uses five calls of @eventstore/db-client v6;
// naming them keeps the adapter testable against a stand-in and documents what it relies on.
import { EventStoreDBClient } from '@eventstore/db-client'
import { ValidationError } from '../../../domain/errors.ts'

export type EsdbClient = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'dispose'>

export interface ConnectionSettings {
  /** gRPC keep-alive ping interval (client default 10 s; the client warns below 10 s). */
  keepAliveIntervalMs?: number
  /** How long a keep-alive ping may go unanswered before the connection is dropped. */
  keepAliveTimeoutMs?: number
  /** Deadline of each unary call such as an append (client default 10 s). */
  deadlineMs?: number
}

const settingNames: Record<keyof ConnectionSettings, string> = {
  keepAliveIntervalMs: 'keepAliveInterval',
  keepAliveTimeoutMs: 'keepAliveTimeout',
  deadlineMs: 'defaultDeadline',
}

/**
 * EVENTSTORE_URL with the configured timings added as connection-string settings
 * (keepAliveInterval, keepAliveTimeout, defaultDeadline, in ms, as the client documents them).
 * A setting already present in the URL wins: the operator wrote it there on purpose.
 */
export const connectionString = (url: string, settings: ConnectionSettings = {}): string => {
  if (!/^esdb(\+discover)?:\/\//.test(url)) {
    throw new ValidationError(`EVENTSTORE_URL: ${url} is not an esdb:// or esdb+discover:// connection string`)
  }
  const [base, query = ''] = url.split('?', 2)
  const params = new URLSearchParams(query)
  const present = new Set([...params.keys()].map((key) => key.toLowerCase()))
  for (const [field, name] of Object.entries(settingNames) as Array<[keyof ConnectionSettings, string]>) {
    const value = settings[field]
    if (value === undefined || present.has(name.toLowerCase())) continue
    if (!Number.isSafeInteger(value) || value <= 0) throw new ValidationError(`${name}: ${value} is not a positive whole number of ms`)
    params.set(name, String(value))
  }
  const text = params.toString()
  return text === '' ? base : `${base}?${text}`
}

export const connect = (url: string, settings: ConnectionSettings = {}): EsdbClient =>
  EventStoreDBClient.connectionString(connectionString(url, settings))
