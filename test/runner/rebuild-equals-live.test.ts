// Correctness is not traded for speed: after a realistic stream of facts, every projection the
// service runs, rebuilt from zero over the log, equals the state the live runner folded as the
// facts arrived (through lazily read pages, snapshots and all).
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pino from 'pino'
import t from 'tap'
import { createRunner } from '../../services/runner/runner.ts'
import { createMemorySnapshotStore } from '../../services/runner/snapshots.ts'
import { projections } from '../../services/services.ts'
import { createSqliteStore } from '../../services/store/sqlite.ts'
import { createGenerator } from '../bench/generator.ts'
import { seedPlan } from '../../seeds/plans.ts'
import { zunyi2021 } from '../fixtures/zunyi-2021.ts'

const logger = pino({ level: 'silent' })

t.test('a rebuild from zero equals the live read models', async (t) => {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-rebuild-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const store = createSqliteStore({ file: path.join(directory, 'events.db') })
  t.teardown(() => store.close())
  const live = createRunner({ store, projections, snapshots: createMemorySnapshotStore(), logger, snapshotEvery: 500 })
  await live.start()
  // Two plans active: the 2020 one and a 2021 county-level one with its own region set and readings.
  const meta = { principal: 't', requestId: 'plans', schemaVersion: 1 }
  for (const plan of [seedPlan(), zunyi2021])
    await store.append(`plan-${plan.id}`, [{ id: crypto.randomUUID(), type: 'PlanPublished', occurredAt: '2020-01-01T00:00:00Z', data: { plan }, meta }], 'no_stream')
  for (let i = 0; i < 50; i++)
    await store.append(
      'indicator-pharmacy-inspection-coverage-huichuan',
      [{ id: crypto.randomUUID(), type: 'IndicatorReported', occurredAt: '2021-04-01T00:00:00Z', data: { plan: 'zunyi-2021', indicator: 'pharmacy-inspection-coverage', region: 'huichuan', asOf: `2021-03-${String((i % 28) + 1).padStart(2, '0')}`, numerator: i, denominator: 100 }, meta }],
      'any',
    )
  const generator = createGenerator({ total: 3000 })
  for (let group = 0; group < 30; group++) {
    const facts = Array.from({ length: 100 }, () => generator.next())
    await Promise.all(
      facts.map((fact) =>
        store.append(
          fact.stream,
          [{ id: fact.submitted.id, type: fact.submitted.type, occurredAt: fact.instant, data: fact.recorded, meta: { principal: 't', requestId: `g${group}`, schemaVersion: 1 } }],
          fact.revisionBefore < 0 ? 'no_stream' : fact.revisionBefore,
        ),
      ),
    )
  }
  await live.waitFor(await store.head())
  const rebuilt = createRunner({ store, projections, snapshots: createMemorySnapshotStore(), logger })
  await rebuilt.start()
  t.equal(rebuilt.position(), live.position())
  for (const projection of projections) t.same(rebuilt.state(projection.name), live.state(projection.name), `${projection.name}: rebuilt equals live`)
  t.ok(Object.keys(live.state<{ inspections: object }>('compliance').inspections).length > 0, 'the facts were folded')
  t.same(Object.keys(live.state<{ plans: object }>('plans').plans), ['guizhou-2020', 'zunyi-2021'], 'two plans are active')
  t.ok('zunyi-2021/pharmacy-inspection-coverage' in live.state<{ readings: object }>('compliance').readings, "the second plan's readings were folded")
  await rebuilt.stop()
  await live.stop()
})
