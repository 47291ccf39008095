// Posts a simulated year through the public API, as a reporting system would: batches of
// POST /v1/events/batch in the order the facts occurred. A stream's facts always go through the
// same lane, one batch acknowledged before the next (a rescuer's arrival must follow its request,
// a correction its test); lanes run side by side. Retries what the server could not take
// (network errors, 503); any other refusal of a batch stops the run.
import { clientEventTypes, streamOf, type ClientEventType } from '../../domain/events.ts'
import { hash32 } from './random.ts'
import type { SimulatedDay, SimulatedEvent } from './year.ts'

export interface Progress {
  /** The day of the year being posted. */
  date: string
  /** Events handed to the lanes so far (some may still be in flight). */
  posted: number
  rejected: number
  elapsedMs: number
}

export interface PostOptions {
  url: string
  key: string
  /** Events per request (the API takes up to 10,000). */
  batchSize?: number
  /** Requests in flight at once (default 3). */
  lanes?: number
  signal?: AbortSignal
  onProgress?: (progress: Progress) => void
}

export interface TypeTally {
  /** 201: appended now. */
  appended: number
  /** 200: the same id and content were already recorded (a re-run). */
  existing: number
  rejected: number
}

export interface PostSummary {
  posted: number
  appended: number
  existing: number
  rejected: number
  byType: Record<ClientEventType, TypeTally>
  /** Rejections by error code, with the first message seen. */
  errors: Record<string, { count: number; example: string }>
  requests: number
  elapsedMs: number
  /** Highest log position acknowledged (0 when nothing was). */
  lastPosition: number
  /** Last day posted. */
  through: string | null
}

interface BatchItem {
  index: number
  status: number
  position?: number
  error?: { code: string; message: string }
}

export class SimulationError extends Error {
  override name = 'SimulationError'
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true })
  })

// Each request on its own connection: an idle keep-alive socket would hold a finished CLI open
// until the server's keep-alive timeout (72 s with fastify), and a batch is large enough for a
// new connection not to matter.
export const oneShot = { connection: 'close' } as const

const transient = (status: number) => status === 503 || status === 502 || status === 504 || status === 429

export const postBatch = async (url: string, key: string, events: SimulatedEvent[], signal?: AbortSignal): Promise<BatchItem[]> => {
  for (let attempt = 1; ; attempt++) {
    let response: Response
    try {
      response = await fetch(`${url}/v1/events/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...oneShot },
        body: JSON.stringify({ events }),
        ...(signal ? { signal } : {}),
      })
    } catch (error) {
      if (signal?.aborted || attempt >= 6) throw error
      await sleep(250 * 2 ** attempt, signal)
      continue
    }
    if (response.ok) return ((await response.json()) as { items: BatchItem[] }).items
    const body = await response.text()
    if (transient(response.status) && attempt < 6) {
      await sleep(Number(response.headers.get('retry-after')) * 1000 || 250 * 2 ** attempt, signal)
      continue
    }
    throw new SimulationError(`POST ${url}/v1/events/batch answered ${response.status}: ${body.slice(0, 500)}`)
  }
}

export const emptyTallies = (): Record<ClientEventType, TypeTally> =>
  Object.fromEntries(clientEventTypes.map((type) => [type, { appended: 0, existing: 0, rejected: 0 }])) as Record<ClientEventType, TypeTally>

/** Posts every day of `year` in order; resolves with what the service made of it. */
export const postYear = async (year: Iterable<SimulatedDay>, options: PostOptions): Promise<PostSummary> => {
  const { url, key, signal, onProgress } = options
  const batchSize = options.batchSize ?? 2000
  const started = Date.now()
  const summary: PostSummary = {
    posted: 0,
    appended: 0,
    existing: 0,
    rejected: 0,
    byType: emptyTallies(),
    errors: {},
    requests: 0,
    elapsedMs: 0,
    lastPosition: 0,
    through: null,
  }
  const tally = (events: SimulatedEvent[], items: BatchItem[]) => {
    summary.requests += 1
    for (const item of items) {
      const byType = summary.byType[events[item.index]!.type]
      summary.posted += 1
      if (item.status === 201 || item.status === 200) {
        const field = item.status === 201 ? 'appended' : 'existing'
        summary[field] += 1
        byType[field] += 1
        summary.lastPosition = Math.max(summary.lastPosition, item.position ?? 0)
      } else {
        summary.rejected += 1
        byType.rejected += 1
        const code = item.error?.code ?? String(item.status)
        const seen = (summary.errors[code] ??= { count: 0, example: item.error?.message ?? '' })
        seen.count += 1
      }
    }
  }

  // Facts of one stream always travel in the same lane, so each stream keeps its order while
  // the lanes post concurrently (no decision depends on another stream).
  const lanes = Array.from({ length: Math.max(1, options.lanes ?? 3) }, () => ({
    pending: [] as SimulatedEvent[],
    inFlight: Promise.resolve(),
  }))
  let seen = 0
  const send = async (lane: (typeof lanes)[number]) => {
    const events = lane.pending
    lane.pending = []
    await lane.inFlight
    lane.inFlight = postBatch(url, key, events, signal).then((items) => tally(events, items))
  }

  for (const day of year) {
    signal?.throwIfAborted()
    for (const event of day.events) {
      const lane = lanes[hash32(streamOf(event)) % lanes.length]!
      lane.pending.push(event)
      seen += 1
      if (lane.pending.length >= batchSize) await send(lane)
    }
    summary.through = day.date
    onProgress?.({ date: day.date, posted: seen, rejected: summary.rejected, elapsedMs: Date.now() - started })
  }
  for (const lane of lanes) if (lane.pending.length > 0) await send(lane)
  await Promise.all(lanes.map((lane) => lane.inFlight))
  summary.elapsedMs = Date.now() - started
  return summary
}

/** Fails fast, before a year is generated: the service must answer, and take the key. */
export const preflight = async (url: string, key: string): Promise<void> => {
  let response: Response
  try {
    response = await fetch(`${url}/v1/plans`, { headers: { authorization: `Bearer ${key}`, ...oneShot } })
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    throw new SimulationError(`cannot reach ${url} (${cause?.code ?? cause?.message ?? String(error)}); is the service running?`)
  }
  if (!response.ok) throw new SimulationError(`${url} refused the key: ${response.status} ${(await response.text()).slice(0, 300)}`)
}

/** Resolves once the service's read models include `position` (GET /readyz reports both). */
export const waitForProjection = async (url: string, position: number, timeoutMs = 60_000, signal?: AbortSignal): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await fetch(`${url}/readyz`, { headers: oneShot, ...(signal ? { signal } : {}) })
    const body = (await response.json()) as { projected: number }
    if (body.projected >= position) return
    if (Date.now() > deadline) throw new SimulationError(`the read models did not reach position ${position} within ${timeoutMs} ms`)
    await sleep(100, signal)
  }
}
