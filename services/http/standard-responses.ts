// The answers the shell gives on a route whatever its handler does — no key (401), a role that
// may not (403), a request that breaks its schema (400), a body too large or not JSON (413,
// 415), a path parameter over 100 characters (414), a request too slow to arrive (408), the rate
// limit or too many wrong keys (429), a store that cannot answer or a log that failed an
// integrity check (503) — derived from what the route declares (access, params, querystring, body,
// method), so every route documents them and its serializer knows them. README "The OpenAPI
// document" lists them; the route's own declaration of a status, when it has a description, wins.
import type { Access } from './plugins/auth.ts'
import { errorResponse } from './schemas.ts'

type Schema = Record<string, unknown>

export interface RouteFacts {
  method: string
  url: string
  access: Access | undefined
  schema: Schema
  /** The shell's limits (services/config.ts): they decide whether a 429 can be answered. */
  limits: ShellLimits
}

export interface ShellLimits {
  /** Requests per minute per key (TARGETWATCH_RATE_LIMIT; 0: no limit). */
  rateLimitPerMinute: number
  /** Failed authentications per minute per client address (TARGETWATCH_AUTH_FAILURES; 0: no limit). */
  authFailuresPerMinute: number
}

const allRoles = ['viewer', 'reporter', 'auditor', 'admin']
const takesBody = (method: string) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)

const error = (description: string, headers?: Record<string, Schema>): Schema => ({ ...errorResponse, description, ...(headers ? { headers } : {}) })

const integerHeader = (description: string): Schema => ({ type: 'integer', description })

/** "query fields: at, asOf (any other is refused)" from a request part's JSON Schema. */
const fieldsOf = (part: unknown, name: string): string | null => {
  const properties = (part as { properties?: Record<string, { maxLength?: number; maximum?: number }> } | undefined)?.properties
  if (!properties || Object.keys(properties).length === 0) return null
  const listed = Object.entries(properties).map(([field, rule]) =>
    rule.maxLength !== undefined ? `${field} (at most ${rule.maxLength} characters)` : rule.maximum !== undefined && rule.maximum < Number.MAX_SAFE_INTEGER ? `${field} (at most ${rule.maximum})` : field,
  )
  return `${name}: ${listed.join(', ')}`
}

const badRequest = (facts: RouteFacts): Schema | null => {
  const { schema, method } = facts
  const parts = [fieldsOf(schema.params, 'path'), fieldsOf(schema.querystring, 'query fields (any other is refused)')].filter(Boolean)
  const body = schema.body !== undefined || takesBody(method)
  if (parts.length === 0 && !body) return null
  const what = [
    'VALIDATION_FAILED: a field breaks its rule; the message names the field and the rule, details.problems lists each',
    ...(body ? ['INVALID_JSON: the body is not JSON'] : []),
    ...(facts.url.includes(':') ? ['FST_ERR_BAD_URL: the path cannot be decoded'] : []),
  ]
  return error(`${what.join('; ')}.${parts.length ? ` ${parts.join('. ')}.` : ''}`)
}

/** Routes still served while the log has failed an integrity check (services/http/plugins/integrity.ts). */
const diagnosis = (method: string, url: string) =>
  (method === 'GET' || method === 'HEAD') && (!url.startsWith('/v1/') || ['/v1/audit/verify', '/v1/audit/events', '/v1/audit/checkpoints', '/v1/audit/public-key'].includes(url))

const unavailable = ({ schema, method, url }: RouteFacts): Schema => {
  const query = (schema.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}
  const readsAtPosition = 'position' in query || 'minPosition' in query
  return error(
    [
      'STORE_UNAVAILABLE: the store cannot be read or written right now (disk full, closed, unreachable); nothing was applied',
      diagnosis(method, url)
        ? 'INTEGRITY_VIOLATED: the SQLite file turned out damaged while this was read (README "Integrity"; the route itself still answers while the log is violated)'
        : 'INTEGRITY_VIOLATED: the log failed an integrity check (start-up check, scrub, or a damaged file met by a request): refused until restart; the message names what was found and where (README "Integrity")',
      ...(readsAtPosition ? ['READ_MODEL_BEHIND: the read models have not reached the position asked for within TARGETWATCH_READ_WAIT_MS; Retry-After says when to ask again'] : []),
    ].join('. '),
    readsAtPosition ? { 'retry-after': integerHeader('seconds') } : undefined,
  )
}

// Node's HTTP server answers it, with no body, and closes the connection (services/server.ts);
// `type: 'null'` is how @fastify/swagger writes a response without content.
const timedOut: Schema = {
  type: 'null',
  description:
    'Request Timeout: the headers did not arrive within TARGETWATCH_HTTP_HEADERS_TIMEOUT_MS, or the whole request within TARGETWATCH_HTTP_REQUEST_TIMEOUT_MS; no body, and the connection is closed',
}

/** The standard answers of a route, by status. */
export const standardResponses = (facts: RouteFacts): Record<string, Schema> => {
  const { access, method, url, schema } = facts
  const responses: Record<string, Schema> = {}
  const bad = badRequest(facts)
  if (bad) responses['400'] = bad
  const keyed = access !== undefined && access !== 'public'
  if (keyed) responses['401'] = error('UNAUTHORIZED: no Authorization: Bearer <key>, or the key is unknown or revoked')
  const roleLimited = keyed && allRoles.some((role) => !access.includes(role as never))
  const regionScoped = keyed && 'region' in ((schema.querystring as { properties?: object } | undefined)?.properties ?? {})
  if (roleLimited || regionScoped)
    responses['403'] = error(
      [
        ...(roleLimited ? [`FORBIDDEN: the key's role may not call this (allowed: ${(access as readonly string[]).join(', ')})`] : []),
        ...(regionScoped ? ["FORBIDDEN: a key scoped to regions asked for a region outside its scope"] : []),
      ].join('; '),
    )
  if (takesBody(method)) {
    responses['413'] = error('PAYLOAD_TOO_LARGE: the body is over TARGETWATCH_BODY_LIMIT (8 MiB by default)')
    responses['415'] = error('UNSUPPORTED_MEDIA_TYPE: a body must be application/json')
  }
  if (url.includes(':') || url.includes('*')) responses['414'] = error('FST_ERR_MAX_PARAM_LENGTH: a path parameter is longer than 100 characters')
  const { rateLimitPerMinute, authFailuresPerMinute } = facts.limits
  const limited = [
    ...(rateLimitPerMinute > 0 ? [`more than ${rateLimitPerMinute} requests a minute for this key (for a request without a key, this address): Retry-After and the x-ratelimit-* headers`] : []),
    ...(keyed && authFailuresPerMinute > 0
      ? [`more than ${authFailuresPerMinute} failed authentications a minute from this address: every keyed request from it, a right key included, until the minute ends (Retry-After)`]
      : []),
  ]
  if (limited.length > 0)
    responses['429'] = error(`RATE_LIMITED: ${limited.join('; or ')}`, {
      'retry-after': integerHeader('seconds until the budget is back'),
      ...(rateLimitPerMinute > 0
        ? {
            'x-ratelimit-limit': integerHeader('requests a minute'),
            'x-ratelimit-remaining': integerHeader('requests left in this minute'),
            'x-ratelimit-reset': integerHeader('seconds until the minute ends'),
          }
        : {}),
    })
  if (keyed) responses['503'] = unavailable(facts)
  responses['408'] = timedOut
  return responses
}

// A status a route declares as the bare error shape, with no standard answer of that status.
const bareDescriptions: Record<string, string> = {
  '404': 'NOT_FOUND: nothing of that id (the message names it)',
  '409': 'a conflict with what the log holds (the code names it: an invariant of the stream, an id recorded with other content, an expected revision)',
}

/**
 * The route's response map with the standard answers added: a status the route declares with
 * a description of its own keeps it; one it declares as the bare error shape takes the
 * standard description; a 2xx is always the route's.
 */
export const withStandardResponses = (facts: RouteFacts): Schema => {
  const { rules, ...schema } = facts.schema as Schema & { rules?: string[] }
  const own = (schema.response ?? {}) as Record<string, Schema>
  const merged: Record<string, Schema> = { ...standardResponses({ ...facts, schema }) }
  for (const [status, response] of Object.entries(own)) {
    if (typeof response.description === 'string') merged[status] = response
    else if (merged[status]) continue
    else merged[status] = bareDescriptions[status] ? { ...response, description: bareDescriptions[status] } : response
  }
  if (!rules?.length) return { ...schema, response: merged }
  // Rules JSON Schema cannot say of a request (across query fields, against the log or the
  // plans): in the operation's description and in its 400 (README "The OpenAPI document").
  const listed = `Refused with 400 VALIDATION_FAILED beyond the schema: ${rules.join('; ')}.`
  const bad = merged['400'] ?? error('VALIDATION_FAILED: a field breaks its rule; the message names the field and the rule')
  merged['400'] = { ...bad, description: `${String(bad.description)} ${listed}` }
  const description = typeof schema.description === 'string' ? `${schema.description}\n\n${listed}` : listed
  return { ...schema, description, response: merged }
}
