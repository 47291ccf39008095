// Configuration from the environment, each value checked with a clear error naming the variable.
import path from 'node:path'
import { type LedgerConfig, ledgerConfigFrom } from './audit/config.ts'
import { type AlertsConfig, alertsConfigFrom } from './alerts/config.ts'

export type StoreKind = 'sqlite' | 'memory' | 'eventstoredb' | 'postgres'

export interface Config {
  port: number
  host: string
  dataDir: string
  store: StoreKind
  eventstoreUrl: string | null
  /** DATABASE_URL: the PostgreSQL server of TARGETWATCH_STORE=postgres. */
  databaseUrl: string | null
  logLevel: string
  adminKey: string | null
  /** Max request body in bytes (a 10,000-event batch fits comfortably). */
  bodyLimit: number
  maxBatch: number
  /** /readyz fails while the read models lag the log head by more than this many events. */
  readyLagEvents: number
  snapshotEvery: number
  /** How long a read at a `position` (or `minPosition`) the read models have not reached waits before 503. */
  readWaitMs: number
  /** EventStoreDB gRPC keep-alive interval and call deadline, in ms (unset: the client's 10 s defaults). */
  eventstoreKeepAliveMs?: number
  eventstoreDeadlineMs?: number
  /** GET /metrics: `public`, or `key` (an auditor or admin key). Default: public on a loopback HOST, key otherwise. */
  metricsAccess: 'public' | 'key'
  /** Signed tree heads: key and checkpoint cadence (TARGETWATCH_LEDGER_*). */
  ledger: LedgerConfig
  /** Alert derivation and webhook delivery (TARGETWATCH_ALERTS_*, TARGETWATCH_WEBHOOK_*, TARGETWATCH_RESCUE_*). */
  alerts: AlertsConfig
  /**
   * Run the webhook dispatcher only while holding a lease recorded in the store, so exactly one
   * of several instances delivers. `auto`: on with EventStoreDB and PostgreSQL (several instances), off with the
   * embedded stores (one process owns the file). TARGETWATCH_DISPATCHER_LEASE, _TTL_MS.
   */
  dispatcherLease: { enabled: boolean; ttlMs: number }
  /** Requests per minute per API key (TARGETWATCH_RATE_LIMIT); 0 = no limit. */
  rateLimitPerMinute: number
  /** Timeouts and connection limits of the HTTP server (TARGETWATCH_HTTP_*; README "Slow clients"). */
  http: HttpLimits
  /** Failed authentications per client address per minute before 429 (TARGETWATCH_AUTH_FAILURES); 0 = no limit. */
  authFailuresPerMinute: number
  /** Trust X-Forwarded-For from these proxies (TARGETWATCH_TRUST_PROXY: addresses/CIDRs, comma-separated); null = trust none. */
  trustProxy: string[] | null
  /** Cap on the SQLite log's size in pages (TARGETWATCH_SQLITE_MAX_PAGES): appends beyond it get 503 as on a full disk. */
  sqliteMaxPages: number | null
  /**
   * Where the SQLite store's writes run (TARGETWATCH_SQLITE_WRITER): 'thread' (default), a worker
   * thread that owns the write connection, so COMMITs never block the serving loop; 'inline'.
   */
  sqliteWriter: 'thread' | 'inline'
}

export interface HttpLimits {
  /** Whole request (headers and body) must arrive within this (node's requestTimeout): 408 and closed. */
  requestTimeoutMs: number
  /** Headers must arrive within this (node's headersTimeout; at most requestTimeoutMs). */
  headersTimeoutMs: number
  /** A socket with no traffic either way for this long is closed (fastify connectionTimeout). */
  connectionTimeoutMs: number
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number
  /** Requests one connection may carry before it is closed; 0 = no limit. */
  maxRequestsPerSocket: number
  /** Open connections at most; further ones are closed at once (node's server.maxConnections). */
  maxConnections: number
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

const integer = (env: Env, name: string, fallback: number, min: number, max: number): number => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got '${raw}'`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

const oneOf = <T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T => {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!allowed.includes(raw as T)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got '${raw}'`)
  return raw as T
}

/** HOST: an IPv4 or IPv6 address or a host name (a typo fails here, not as a listen error later). */
const hostOf = (env: Env): string => {
  const host = env.HOST || '127.0.0.1'
  const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/
  const ipv6 = /^[0-9A-Fa-f:.]+$/
  const name = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/
  const valid = host.includes(':') ? ipv6.test(host) : /^[\d.]+$/.test(host) ? ipv4.test(host) : name.test(host)
  if (!valid) throw new ConfigError('HOST', `must be an IP address or a host name, got '${host}'`)
  return host
}

/** DATABASE_URL: required with TARGETWATCH_STORE=postgres, and a postgres:// or postgresql:// URL. */
const databaseUrlOf = (env: Env, store: StoreKind): string | null => {
  const raw = env.DATABASE_URL || null
  if (store !== 'postgres') return raw
  if (raw === null)
    throw new ConfigError('DATABASE_URL', 'is required when TARGETWATCH_STORE=postgres (e.g. postgres://targetwatch:secret@localhost:5432/targetwatch)')
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new ConfigError('DATABASE_URL', 'is not a URL (expected postgres://user:password@host:5432/database)')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new ConfigError('DATABASE_URL', `must start with postgres:// or postgresql://, got ${url.protocol}//`)
  return raw
}

const isLoopback = (host: string): boolean => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)

const httpLimitsOf = (env: Env): HttpLimits => {
  const requestTimeoutMs = integer(env, 'TARGETWATCH_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000)
  const headersTimeoutMs = integer(env, 'TARGETWATCH_HTTP_HEADERS_TIMEOUT_MS', Math.min(10_000, requestTimeoutMs), 100, 3_600_000)
  if (headersTimeoutMs > requestTimeoutMs)
    throw new ConfigError('TARGETWATCH_HTTP_HEADERS_TIMEOUT_MS', `must not exceed TARGETWATCH_HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}), got ${headersTimeoutMs}`)
  return {
    requestTimeoutMs,
    headersTimeoutMs,
    connectionTimeoutMs: integer(env, 'TARGETWATCH_HTTP_CONNECTION_TIMEOUT_MS', 120_000, 100, 3_600_000),
    keepAliveTimeoutMs: integer(env, 'TARGETWATCH_HTTP_KEEPALIVE_TIMEOUT_MS', 5_000, 100, 3_600_000),
    maxRequestsPerSocket: integer(env, 'TARGETWATCH_HTTP_MAX_REQUESTS_PER_SOCKET', 1_000, 0, 1_000_000),
    maxConnections: integer(env, 'TARGETWATCH_HTTP_MAX_CONNECTIONS', 1_024, 1, 1_000_000),
  }
}

/** TARGETWATCH_TRUST_PROXY: the proxies whose X-Forwarded-For names the client (addresses or CIDRs). */
const trustProxyOf = (env: Env): string[] | null => {
  const raw = env.TARGETWATCH_TRUST_PROXY?.trim()
  if (!raw) return null
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean)
  const bad = entries.find((entry) => !/^[0-9A-Fa-f.:]+(\/\d{1,3})?$/.test(entry) && !['loopback', 'linklocal', 'uniquelocal'].includes(entry))
  if (bad !== undefined)
    throw new ConfigError('TARGETWATCH_TRUST_PROXY', `must list proxy addresses or CIDRs (or loopback, linklocal, uniquelocal), comma-separated; '${bad}' is none`)
  return entries
}

export const loadConfig = (env: Env = process.env, cwd = process.cwd()): Config => {
  const store = oneOf<StoreKind>(env, 'TARGETWATCH_STORE', 'sqlite', ['sqlite', 'memory', 'eventstoredb', 'postgres'])
  const eventstoreUrl = env.EVENTSTORE_URL || null
  if (store === 'eventstoredb' && !eventstoreUrl)
    throw new ConfigError('EVENTSTORE_URL', 'is required when TARGETWATCH_STORE=eventstoredb (e.g. esdb://localhost:2113?tls=false)')
  const databaseUrl = databaseUrlOf(env, store)
  const adminKey = env.TARGETWATCH_ADMIN_KEY || null
  if (adminKey !== null && adminKey.length < 16)
    throw new ConfigError('TARGETWATCH_ADMIN_KEY', 'must be at least 16 characters, so it cannot be guessed')
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: hostOf(env),
    dataDir: path.resolve(cwd, env.TARGETWATCH_DATA_DIR || './data'),
    store,
    eventstoreUrl,
    databaseUrl,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    adminKey,
    bodyLimit: integer(env, 'TARGETWATCH_BODY_LIMIT', 8 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    maxBatch: integer(env, 'TARGETWATCH_MAX_BATCH', 10_000, 1, 100_000),
    readyLagEvents: integer(env, 'TARGETWATCH_READY_LAG_EVENTS', 1_000, 0, Number.MAX_SAFE_INTEGER),
    snapshotEvery: integer(env, 'TARGETWATCH_SNAPSHOT_EVERY', 10_000, 100, 10_000_000),
    readWaitMs: integer(env, 'TARGETWATCH_READ_WAIT_MS', 5_000, 0, 600_000),
    ...(env.EVENTSTORE_KEEPALIVE_MS ? { eventstoreKeepAliveMs: integer(env, 'EVENTSTORE_KEEPALIVE_MS', 10_000, 1_000, 3_600_000) } : {}),
    ...(env.EVENTSTORE_DEADLINE_MS ? { eventstoreDeadlineMs: integer(env, 'EVENTSTORE_DEADLINE_MS', 10_000, 100, 3_600_000) } : {}),
    metricsAccess: oneOf(env, 'TARGETWATCH_METRICS_ACCESS', isLoopback(env.HOST || '127.0.0.1') ? 'public' : 'key', ['public', 'key']),
    ledger: ledgerConfigFrom(env, (variable, message) => {
      throw new ConfigError(variable, message)
    }),
    alerts: alertsConfigFrom(env, (variable, message) => {
      throw new ConfigError(variable, message)
    }),
    dispatcherLease: {
      enabled: ((mode) => (mode === 'auto' ? store === 'eventstoredb' || store === 'postgres' : mode === 'on'))(
        oneOf(env, 'TARGETWATCH_DISPATCHER_LEASE', 'auto', ['auto', 'on', 'off']),
      ),
      ttlMs: integer(env, 'TARGETWATCH_DISPATCHER_LEASE_TTL_MS', 60_000, 1_000, 3_600_000),
    },
    rateLimitPerMinute: integer(env, 'TARGETWATCH_RATE_LIMIT', 12_000, 0, 100_000_000),
    http: httpLimitsOf(env),
    authFailuresPerMinute: integer(env, 'TARGETWATCH_AUTH_FAILURES', 30, 0, 1_000_000),
    trustProxy: trustProxyOf(env),
    sqliteMaxPages: env.TARGETWATCH_SQLITE_MAX_PAGES ? integer(env, 'TARGETWATCH_SQLITE_MAX_PAGES', 0, 16, 4_294_967_294) : null,
    sqliteWriter: oneOf(env, 'TARGETWATCH_SQLITE_WRITER', 'thread', ['thread', 'inline'] as const),
  }
}
