// The projection runner: folds the log into in-memory read models through a catch-up
// subscription, snapshots them (state + position + projection version) so a restart resumes
// instead of replaying, rebuilds a projection from zero when its version changes, and answers
// "state as of position p" from the nearest snapshot plus a bounded replay.
import type { Logger } from 'pino'
import type { Projection } from '../../projections/projection.ts'
import type { EventStore, Position, RecordedEvent } from '../store/port.ts'
import type { SnapshotStore } from './snapshots.ts'
import { foldCatchUp, foldReaderOf } from './fold-catch-up.ts'

export interface RunnerOptions {
  store: EventStore
  projections: readonly Projection<any>[]
  snapshots: SnapshotStore
  logger: Logger
  /** Write a snapshot after this many events (bounds the replay of any historical query). */
  snapshotEvery?: number
  /** Also snapshot after this long (monotonic time) with new events, so a restart replays little. */
  snapshotIntervalMs?: number
}

interface Slot {
  projection: Projection<any>
  state: any
  position: Position
}

type Listener = (event: RecordedEvent) => void

export const createRunner = ({
  store,
  projections,
  snapshots,
  logger,
  snapshotEvery = 10_000,
  snapshotIntervalMs = 30_000,
}: RunnerOptions) => {
  const slots = new Map<string, Slot>()
  // The same slots as an array: apply() walks it for every event, without an iterator each time.
  let slotList: Slot[] = []
  const waiters = new Set<{ position: Position; resolve: () => void }>()
  const listeners = new Set<Listener>()
  let position: Position = 0
  let lastRecordedAt: string | null = null
  // The last event folded: its hash anchors the next snapshot.
  let lastEvent: RecordedEvent | null = null
  let sinceSnapshot = 0
  let lastSnapshotAt = performance.now()
  let abort: AbortController | null = null
  /** Until start() has caught up, snapshots are compressed inline (snapshots.ts, save). */
  let catchingUp = true
  let done: Promise<void> | null = null

  const hashAt = async (at: Position): Promise<string | null> => {
    for await (const event of store.readAll({ from: at - 1, to: at, limit: 1 })) return event.position === at ? event.meta.hash : null
    return null
  }

  /** The latest snapshot that belongs to this log: its anchor must be the hash of the event at its position. */
  const anchoredSnapshot = async (projection: Projection<any>, atOrBefore: Position) => {
    for (;;) {
      const snap = snapshots.latest(projection.name, projection.version, atOrBefore)
      if (!snap || snap.anchor === (await hashAt(snap.position))) return snap
      logger.warn({ projection: projection.name, position: snap.position }, 'snapshot does not match the log at its position; discarded')
      snapshots.discard(projection.name, projection.version, snap.position)
    }
  }

  const loadSlots = async () => {
    const head = await store.head()
    for (const projection of projections) {
      snapshots.prune(projection.name, projection.version, head)
      const snap = await anchoredSnapshot(projection, head)
      if (snap) logger.info({ projection: projection.name, position: snap.position }, 'projection resumed from snapshot')
      else logger.info({ projection: projection.name, version: projection.version }, 'projection rebuilding from zero')
      slots.set(projection.name, {
        projection,
        state: snap ? snap.state : projection.initialState(),
        position: snap ? snap.position : 0,
      })
    }
    slotList = [...slots.values()]
    position = Math.min(...slotList.map((s) => s.position))
  }

  // A snapshot is an optimisation: failing to write one (disk full) must not stop the read models.
  const saveSnapshots = (inline = catchingUp) => {
    const anchor = lastEvent?.meta.hash
    for (const slot of slotList)
      if (anchor !== undefined && slot.position === position)
        try {
          snapshots.save({ projection: slot.projection.name, version: slot.projection.version, position, anchor, state: slot.state }, { inline })
        } catch (err) {
          logger.warn({ err, position, projection: slot.projection.name }, 'could not write a projection snapshot; will try again later')
        }
    sinceSnapshot = 0
    lastSnapshotAt = performance.now()
  }

  const apply = (event: RecordedEvent) => {
    for (const slot of slotList) {
      if (event.position <= slot.position) continue
      try {
        slot.state = slot.projection.evolve(slot.state, event)
      } catch (err) {
        logger.error({ err, projection: slot.projection.name, position: event.position }, 'projection failed on an event; skipped')
      }
      slot.position = event.position
    }
    position = event.position
    lastRecordedAt = event.recordedAt
    lastEvent = event
    for (const listener of listeners) listener(event)
    if (++sinceSnapshot >= snapshotEvery || (performance.now() - lastSnapshotAt >= snapshotIntervalMs && sinceSnapshot > 0))
      saveSnapshots()
    for (const waiter of waiters)
      if (waiter.position <= position) {
        waiters.delete(waiter)
        waiter.resolve()
      }
  }

  const start = async (): Promise<void> => {
    await loadSlots()
    abort = new AbortController()
    const signal = abort.signal
    // On a SQLite log, catch up from the fold column first (fold-catch-up.ts), while nothing
    // listens: a listener is given whole events, so one registered meanwhile hands over to the
    // subscription, which goes on from the position reached.
    const foldReader = foldReaderOf(store)
    if (foldReader && listeners.size === 0) await foldCatchUp(foldReader, position, apply, () => !signal.aborted && listeners.size === 0)
    const subscription = store.subscribeAll(position === 0 ? 'start' : position, apply, abort.signal)
    done = subscription.done.catch((err) => logger.error({ err }, 'projection subscription ended with an error'))
    await subscription.caughtUp
    catchingUp = false
    logger.info({ position }, 'projections caught up')
  }

  const stop = async (): Promise<void> => {
    abort?.abort()
    await done
    // Stopping, nothing is left to overlap with the compression: it runs here.
    if (sinceSnapshot > 0) saveSnapshots(true)
    for (const waiter of waiters) waiter.resolve()
    waiters.clear()
  }

  const slot = (name: string): Slot => {
    const found = slots.get(name)
    if (!found) throw new Error(`no projection named ${name}`)
    return found
  }

  /** Resolves once the read models include `target` (or after `timeoutMs`, rejecting). */
  const waitFor = (target: Position, timeoutMs = 10_000): Promise<void> => {
    if (position >= target) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const waiter = { position: target, resolve: () => (clearTimeout(timer), resolve()) }
      const timer = setTimeout(() => {
        waiters.delete(waiter)
        reject(new Error(`projections did not reach position ${target} within ${timeoutMs} ms (at ${position})`))
      }, timeoutMs)
      waiters.add(waiter)
    })
  }

  /**
   * State of one projection as of log position `at`: the live state when `at` is at or past the
   * head the runner has reached (do not mutate it), else the nearest snapshot plus a replay of at
   * most `snapshotEvery` events.
   */
  const stateAt = async <S>(name: string, at: Position): Promise<S> => {
    const { projection, position: live, state } = slot(name)
    if (at >= live) return state as S
    const snap = snapshots.latest(projection.name, projection.version, at)
    let replayed: S = snap ? (snap.state as S) : projection.initialState()
    for await (const event of store.readAll({ from: snap ? snap.position : 0, to: at }))
      replayed = projection.evolve(replayed, event)
    return replayed
  }

  return {
    start,
    stop,
    waitFor,
    stateAt,
    state: <S>(name: string): S => slot(name).state as S,
    position: () => position,
    /** Recorded time of the last projected event (for lag in seconds). */
    lastRecordedAt: () => lastRecordedAt,
    onEvent: (listener: Listener) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}

export type Runner = ReturnType<typeof createRunner>
