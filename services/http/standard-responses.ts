// The answers the shell gives on a route whatever its handler does — no key (401), a role that
// may not (403), a request that breaks its schema (400), a body too large or not JSON (413,
// 415), a path parameter over 100 characters (414), the rate limit (429), a store that cannot
// answer (503) — derived from what the route declares (access, params, querystring, body,
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
  /** Requests per minute per key (0: no limit, so no 429). */
  rateLimitPerMinute: number
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

const unavailable = (schema: Schema): Schema => {
  const query = (schema.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}
  const readsAtPosition = 'position' in query || 'minPosition' in query
  return error(
    'STORE_UNAVAILABLE: the store cannot be read or written right now (disk full, closed, unreachable); nothing was applied' +
      (readsAtPosition ? '. READ_MODEL_BEHIND: the read models have not reached the position asked for within TARGETWATCH_READ_WAIT_MS; Retry-After says when to ask again' : ''),
    readsAtPosition ? { 'retry-after': integerHeader('seconds') } : undefined,
  )
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
  if (facts.rateLimitPerMinute > 0)
    responses['429'] = error(`RATE_LIMITED: more than ${facts.rateLimitPerMinute} requests a minute for this key (for a request without a key, this address)`, {
      'retry-after': integerHeader('seconds until the budget is back'),
      'x-ratelimit-limit': integerHeader('requests a minute'),
      'x-ratelimit-remaining': integerHeader('requests left in this minute'),
      'x-ratelimit-reset': integerHeader('seconds until the minute ends'),
    })
  if (keyed) responses['503'] = unavailable(schema)
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
  const own = (facts.schema.response ?? {}) as Record<string, Schema>
  const merged: Record<string, Schema> = { ...standardResponses(facts) }
  for (const [status, response] of Object.entries(own)) {
    if (typeof response.description === 'string') merged[status] = response
    else if (merged[status]) continue
    else merged[status] = bareDescriptions[status] ? { ...response, description: bareDescriptions[status] } : response
  }
  return { ...facts.schema, response: merged }
}
