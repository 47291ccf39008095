// Group commit on PostgreSQL: the appends queued while the previous transaction was in flight
// (or in one event-loop turn) are judged and written in one transaction, in call order. The
// transaction first locks the one-row log_head (schema.ts): positions come from it, so they are
// dense and in commit order across every process writing to the database. Each append is judged
// on its own in memory (expected revision, idempotent replay, id conflicts) against what the
// transaction read under that lock, so a refused append writes nothing and never aborts the
// others; a server error (disk full, connection lost) rolls the whole group back.
// A group costs seven round trips whatever its size: BEGIN, lock, streams, ids, upsert streams,
// insert events, move head (+ NOTIFY), COMMIT.
import type pg from 'pg'
import { DomainError } from '../../../domain/errors.ts'
import {
  checkExpectedRevision,
  judgeReplay,
  noStream,
  stampRecordedAt,
  type PreparedEvent,
  type RecordedIdentity,
} from '../append-rules.ts'
import { currentHashVersion, eventHashOfCanonicalData, genesisHash } from '../hashing.ts'
import type { AppendResult, ExpectedRevision } from '../port.ts'
import { toStoreError } from './errors.ts'
import { sql } from './schema.ts'

export interface PendingAppend {
  stream: string
  prepared: PreparedEvent[]
  expected: ExpectedRevision
  resolve: (result: AppendResult) => void
  reject: (error: unknown) => void
}

export interface GroupStats {
  transactions: number
  appends: number
  events: number
}

interface StreamState {
  revision: number
  lastHash: string
}

/** The rows one group writes, column by column (unnest takes one array per column). */
const emptyColumns = () => ({
  position: [] as number[], stream: [] as string[], revision: [] as number[], id: [] as string[], type: [] as string[],
  occurredAt: [] as string[], recordedAt: [] as string[], data: [] as string[], meta: [] as string[], hash: [] as string[],
})

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: DomainError }

/** Judges and writes one group inside an open transaction; returns each append's outcome. */
const writeGroup = async (client: pg.PoolClient, group: PendingAppend[], now: string): Promise<{ outcomes: Outcome[]; written: number; head: number }> => {
  const locked = await client.query<{ position: string; recorded_at: string }>(sql.lockHead)
  let head = Number(locked.rows[0].position)
  let last = locked.rows[0].recorded_at
  const names = [...new Set(group.map((item) => item.stream))]
  const ids = group.flatMap((item) => item.prepared.map(({ event }) => event.id))
  const [streamRows, idRows] = await Promise.all([
    client.query<{ name: string; revision: string; last_hash: string }>(sql.streamsByName, [names]),
    ids.length > 0 ? client.query<{ event_id: string; stream: string; type: string; data: string; revision: string; position: string }>(sql.eventsById, [ids]) : { rows: [] },
  ])
  const streams = new Map<string, StreamState>(streamRows.rows.map((row) => [row.name, { revision: Number(row.revision), lastHash: row.last_hash }]))
  const recorded = new Map<string, RecordedIdentity>(
    idRows.rows.map((row) => [row.event_id, { stream: row.stream, type: row.type, dataJson: row.data, revision: Number(row.revision), position: Number(row.position) }]),
  )
  const columns = emptyColumns()
  const touched = new Set<string>()

  const appendOne = ({ stream, prepared, expected }: PendingAppend): AppendResult => {
    const state = streams.get(stream)
    const current = state?.revision ?? noStream
    // A retry carries the expectation it was first sent with: judged as a replay first.
    const replay = judgeReplay(stream, prepared, (id) => recorded.get(id))
    if (replay !== null) return replay
    checkExpectedRevision(stream, expected, current)
    if (prepared.length === 0) return { nextRevision: current, positions: [], idempotent: false }
    let stamped = last
    const recordedAts = prepared.map(({ recordedAt, event }) => (stamped = stampRecordedAt(recordedAt, now, stamped, event.id)))
    let prevHash = state?.lastHash ?? genesisHash
    const positions = prepared.map(({ event, dataJson }, index) => {
      const revision = current + 1 + index
      const position = head + 1 + index
      const { hashVersion = currentHashVersion, ...given } = event.meta
      const metaFields = { ...given, prevHash, hashVersion }
      const fields = { id: event.id, type: event.type, stream, revision, occurredAt: event.occurredAt, recordedAt: recordedAts[index], meta: metaFields }
      const hash = eventHashOfCanonicalData(prevHash, fields, dataJson)
      columns.position.push(position)
      columns.stream.push(stream)
      columns.revision.push(revision)
      columns.id.push(event.id)
      columns.type.push(event.type)
      columns.occurredAt.push(event.occurredAt)
      columns.recordedAt.push(recordedAts[index])
      columns.data.push(dataJson)
      columns.meta.push(JSON.stringify(metaFields))
      columns.hash.push(hash)
      recorded.set(event.id, { stream, type: event.type, dataJson, revision, position })
      prevHash = hash
      return position
    })
    head += prepared.length
    last = stamped
    streams.set(stream, { revision: current + prepared.length, lastHash: prevHash })
    touched.add(stream)
    return { nextRevision: current + prepared.length, positions, idempotent: false }
  }

  const outcomes = group.map((item): Outcome => {
    try {
      return { ok: true, result: appendOne(item) }
    } catch (error) {
      if (error instanceof DomainError) return { ok: false, error }
      throw error
    }
  })
  const written = columns.position.length
  if (written > 0) {
    const moved = [...touched]
    await client.query(sql.upsertStreams, [moved, moved.map((name) => streams.get(name)!.revision), moved.map((name) => streams.get(name)!.lastHash)])
    const c = columns
    await client.query(sql.insertEvents, [c.position, c.stream, c.revision, c.id, c.type, c.occurredAt, c.recordedAt, c.data, c.meta, c.hash])
    await client.query(sql.moveHead, [head, last])
  }
  return { outcomes, written, head }
}

export interface GroupWriterOptions {
  pool: pg.Pool
  clock: () => Date
  /** Appends per transaction at most (the rest wait for the next one). */
  maxGroup?: number
  /** Called after a commit that wrote events, with the new head. */
  onCommit: (head: number) => void
}

/** A queue of appends and the one transaction in flight at a time that drains it. */
export const createGroupWriter = ({ pool, clock, maxGroup = 2000, onCommit }: GroupWriterOptions) => {
  let queue: PendingAppend[] = []
  let running: Promise<void> | null = null
  let scheduled = false
  const stats: GroupStats = { transactions: 0, appends: 0, events: 0 }

  const commitGroup = async (group: PendingAppend[]) => {
    let client: pg.PoolClient | undefined
    // A checked-out client whose connection breaks between queries emits 'error'; unheard, that
    // would end the process. The failure reaches us through the next query instead.
    const ignore = () => undefined
    try {
      client = await pool.connect()
      client.on('error', ignore)
      await client.query('BEGIN')
      const { outcomes, written, head } = await writeGroup(client, group, clock().toISOString())
      await client.query('COMMIT')
      stats.transactions += 1
      stats.appends += group.length
      stats.events += written
      outcomes.forEach((outcome, index) => (outcome.ok ? group[index].resolve(outcome.result) : group[index].reject(outcome.error)))
      if (written > 0) onCommit(head)
    } catch (error) {
      // A COMMIT whose answer was lost may have committed: the caller's retry is judged as a
      // replay (same ids, same content), so retrying is always safe.
      await client?.query('ROLLBACK').catch(() => undefined)
      const failure = toStoreError(error, 'write', `the group of ${group.length} append(s) was rolled back, nothing was written`)
      for (const item of group) item.reject(failure)
    } finally {
      client?.off('error', ignore)
      client?.release()
    }
  }

  const drain = async () => {
    while (queue.length > 0) {
      const group = queue.slice(0, maxGroup)
      queue = queue.slice(group.length)
      await commitGroup(group)
    }
  }

  const kick = () => {
    if (running !== null || scheduled) return
    scheduled = true
    // One event-loop turn gathers the appends made together; then the transaction runs, and
    // whatever arrives meanwhile forms the next group.
    setImmediate(() => {
      scheduled = false
      running = drain().finally(() => {
        running = null
        if (queue.length > 0) kick()
      })
    })
  }

  const enqueue = (item: PendingAppend) => {
    queue.push(item)
    kick()
  }

  /** Resolves when the queue is empty and no transaction is in flight. */
  const idle = async () => {
    while (scheduled || running !== null) {
      if (running) await running
      else await new Promise((resolve) => setImmediate(resolve))
    }
  }

  return { enqueue, idle, stats: () => ({ ...stats }) }
}
