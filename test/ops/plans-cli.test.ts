// `targetwatch plans publish FILE` does what POST /v1/plans does: the same validation (every
// problem with its JSON Pointer, nothing appended), the same events, idempotent on a second run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { cli } from '../audit/helpers.ts'
import { zunyi2021 } from '../fixtures/zunyi-2021.ts'

t.test('publish, publish again, list, show; a bad document names its problems', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-plans-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env = { TARGETWATCH_DATA_DIR: path.join(dir, 'data'), TARGETWATCH_STORE: 'sqlite', TARGETWATCH_ADMIN_KEY: 'test-admin-key-0123456789' }
  const file = path.join(dir, 'zunyi-2021.json')
  writeFileSync(file, JSON.stringify(zunyi2021))

  const first = await cli(['plans', 'publish', file], { env })
  t.equal(first.code, 0, first.stderr)
  t.match(JSON.parse(first.stdout), { id: 'zunyi-2021', revision: 0, position: 2 }, 'after the 2020 plan published at first start')
  const again = await cli(['plans', 'publish', file], { env })
  t.equal(again.code, 0)
  t.match(again.stderr, /the log already holds this document/)

  const listed = await cli(['plans', 'list'], { env })
  t.match(listed.stdout, /^guizhou-2020\trevision 0\tposition 1\t2020-01-01\.\.2020-12-31\t2020年全省市场监管工作要点/)
  t.match(listed.stdout, /\nzunyi-2021\trevision 0\tposition 2\t/)
  t.same(JSON.parse((await cli(['plans', 'show', 'zunyi-2021'], { env })).stdout), zunyi2021)

  const broken = path.join(dir, 'broken.json')
  writeFileSync(broken, JSON.stringify({ ...zunyi2021, id: 'broken-2021', period: { ...zunyi2021.period, end: '2020-01-01' } }))
  const refused = await cli(['plans', 'publish', broken], { env })
  t.equal(refused.code, 2)
  t.match(refused.stderr, /targetwatch plans: .*broken\.json:\n {2}\/period start 2021-01-01 is after end 2020-01-01/)
  t.notMatch((await cli(['plans', 'list'], { env })).stdout, /broken-2021/, 'nothing appended')
})
