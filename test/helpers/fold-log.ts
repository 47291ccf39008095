// A seeded SQLite log and rebuilds of it on both paths, for the fold tests
// (test/runner/fold-catch-up.test.ts, test/store/sqlite-fold-upgrade.test.ts).
import pino from 'pino'
import { createRunner } from '../../services/runner/runner.ts'
import { createMemorySnapshotStore } from '../../services/runner/snapshots.ts'
import { projections } from '../../services/services.ts'
import type { EventStore } from '../../services/store/port.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { createGenerator } from '../bench/generator.ts'
import { seedPlan } from '../../seeds/plans.ts'

const logger = pino({ level: 'silent' })
const meta = { principal: 't', requestId: 'fold', schemaVersion: 1 }

export const seedLog = async (file: string, total: number): Promise<void> => {
  const store = createSqliteStore({ file })
  const plan = seedPlan()
  await store.append(`plan-${plan.id}`, [{ id: crypto.randomUUID(), type: 'PlanPublished', occurredAt: '2020-01-01T00:00:00Z', data: { plan }, meta }], 'no_stream')
  await store.append('keys', [{ id: crypto.randomUUID(), type: 'ApiKeyCreated', occurredAt: '2020-01-01T00:00:00Z', data: { keyId: 'k1', name: 'n', role: 'admin', regions: null, salt: 's', hash: 'h' }, meta }], 'any')
  const generator = createGenerator({ total })
  for (let group = 0; group < total / 100; group++) {
    const facts = Array.from({ length: 100 }, () => generator.next())
    await Promise.all(
      facts.map((fact) =>
        store.append(
          fact.stream,
          [{ id: fact.submitted.id, type: fact.submitted.type, occurredAt: fact.instant, data: fact.recorded, meta }],
          fact.revisionBefore < 0 ? 'no_stream' : fact.revisionBefore,
        ),
      ),
    )
  }
  await store.close()
}

/** Every projection rebuilt from zero; `plain` hides the fold column from the runner. */
export const rebuild = async (store: EventStore, plain: boolean): Promise<Record<string, unknown>> => {
  const seen = plain ? ({ ...store, kind: 'sqlite-without-fold' } as EventStore) : store
  const runner = createRunner({ store: seen, projections, snapshots: createMemorySnapshotStore(), logger, snapshotEvery: 700 })
  await runner.start()
  const states = Object.fromEntries(projections.map((p) => [p.name, structuredClone(runner.state(p.name))]))
  await runner.stop()
  return states
}

