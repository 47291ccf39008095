// autocannon, programmatically: a fixed duration or amount, bodies prepared beforehand (so the
// load generator spends its time sending, not building), and only 2xx answers counted.
import autocannon from 'autocannon'

export interface LoadOptions {
  url: string
  method?: 'GET' | 'POST'
  connections: number
  seconds?: number
  amount?: number
  headers?: Record<string, string>
  /** Request bodies, sent in order (and again from the start if the run outlasts them). */
  bodies?: readonly string[]
  /** Paths, sent in order: for GETs that must differ from one request to the next. */
  paths?: readonly string[]
}

export interface LoadResult {
  /** 2xx responses per second. */
  perSecond: number
  ok: number
  failed: number
  latencyMeanMs: number
  latencyP50Ms: number
  seconds: number
}

export const load = async (options: LoadOptions): Promise<LoadResult> => {
  const { bodies, paths } = options
  let next = 0
  // A run bounded by `amount` is timed here, to its last response: autocannon notices the end on
  // its once-a-second ticker, so its duration would read 5.0 s for 20 batches answered in 4.2 s.
  const started = performance.now()
  let lastResponseAt = started
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 10 }),
    headers: { ...(bodies ? { 'content-type': 'application/json' } : {}), ...options.headers },
    timeout: 60,
    requests: [
      {
        setupRequest: (request) => {
          const index = next++
          if (bodies) request.body = bodies[index % bodies.length]
          if (paths) request.path = paths[index % paths.length]
          return request
        },
        onResponse: () => {
          lastResponseAt = performance.now()
        },
      },
    ],
  })
  const seconds = options.amount ? (lastResponseAt - started) / 1000 : result.duration
  const ok = result['2xx']
  return {
    perSecond: ok / seconds,
    ok,
    failed: result.non2xx + result.errors + result.timeouts,
    latencyMeanMs: result.latency.average,
    latencyP50Ms: result.latency.p50,
    seconds,
  }
}
