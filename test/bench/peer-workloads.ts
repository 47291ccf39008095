// The two workloads of the peer rows (peers.ts), the same for every store: what a store offers
// is an `append(stream, count, expected)` that resolves when the store acknowledged it.
//   single50: 50 writers at once, each appending 1 event at a time to a stream of its own.
//   batch100: one writer appending 100 events at a time, each append to a new stream.
// Each runs for `seconds`; the result is what was acknowledged, and how many appends failed.

export type PeerWorkload = 'single50' | 'batch100'
export const peerWorkloads: readonly PeerWorkload[] = ['single50', 'batch100']

export interface PeerResult {
  appends: number
  events: number
  failed: number
  ms: number
  /** The first failure's message, when there was one. */
  firstFailure?: string
}

/** `revision`: the stream's last revision as the store counts it (-1 before the first append). */
export type PeerAppend = (stream: string, count: number, revision: number) => Promise<void>

/** A sampling result, as the service records it: the data every store writes (its fold too). */
export const peerFact = (n: number) => ({
  batchId: `P-${n}`,
  region: 'guiyang',
  stage: 'distribution',
  sampledOn: '2020-03-11',
  result: n % 17 === 0 ? 'fail' : 'pass',
})

export const runPeerWorkload = async (workload: PeerWorkload, seconds: number, append: PeerAppend): Promise<PeerResult> => {
  const result: PeerResult = { appends: 0, events: 0, failed: 0, ms: 0 }
  const started = performance.now()
  const deadline = started + seconds * 1000
  const fail = (error: unknown) => {
    result.failed += 1
    result.firstFailure ??= error instanceof Error ? error.message : String(error)
  }
  if (workload === 'single50') {
    await Promise.all(
      Array.from({ length: 50 }, async (_, writer) => {
        let revision = -1
        while (performance.now() < deadline) {
          try {
            await append(`peer-${writer}`, 1, revision)
            revision += 1
            result.appends += 1
            result.events += 1
          } catch (error) {
            fail(error)
            // The stream's revision is unknown after a failure: go on with a new stream.
            return
          }
        }
      }),
    )
  } else {
    for (let stream = 0; performance.now() < deadline; stream++) {
      try {
        await append(`peer-${stream}`, 100, -1)
        result.appends += 1
        result.events += 100
      } catch (error) {
        fail(error)
      }
    }
  }
  result.ms = performance.now() - started
  return result
}
