// Appends whose expected revision the server decides (read the stream, judge, append at its
// revision) are serialized per stream within the process: a second writer to a stream waits for
// the first instead of losing the race and retrying. The retry in submit.ts stays for writers in
// other processes (several instances on EventStoreDB). Streams do not wait for each other.

export interface StreamQueue {
  /** Runs `task` after every task queued earlier for `stream` has settled. */
  run: <T>(stream: string, task: () => Promise<T>) => Promise<T>
  /** Streams with a task queued or running (an empty queue is forgotten). */
  size: () => number
}

export const createStreamQueue = (): StreamQueue => {
  const tails = new Map<string, Promise<unknown>>()
  const run = <T>(stream: string, task: () => Promise<T>): Promise<T> => {
    const previous = tails.get(stream) ?? Promise.resolve()
    const result = previous.then(task, task)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    tails.set(stream, tail)
    void tail.then(() => {
      if (tails.get(stream) === tail) tails.delete(stream)
    })
    return result
  }
  return { run, size: () => tails.size }
}
