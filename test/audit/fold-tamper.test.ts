// The fold column is derived, not hashed (docs/ARCHITECTURE.md, "The fold column"), so an edit of
// one row's fold alone leaves every hash intact: `targetwatch verify` and the background scrub
// compare each fold with encode(data) and report the edit as tampering at its position.
import t from 'tap'
import Database from 'better-sqlite3'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { waitUntil } from '../alerts/helpers.ts'
import { cli, listening, postEvents, samplingBatches } from './helpers.ts'

const root = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-fold-tamper-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
const original = path.join(root, 'original')

const built = (async () => {
  const h = await listening({ dataDir: original, env: { TARGETWATCH_SCRUB_INTERVAL: '0' } })
  const items = await postEvents(h, samplingBatches('F', 20))
  await h.close()
  return items[7]!.position as number
})()

let copies = 0
/** A copy of the log with the fold of the row at `position` turned from pass to fail. */
const forged = (position: number) => {
  const dir = path.join(root, `copy-${++copies}`)
  cpSync(original, dir, { recursive: true })
  const db = new Database(path.join(dir, 'events.db'))
  const fold = db.prepare('SELECT fold FROM events WHERE position = ?').pluck().get(position) as string
  const changed = db.prepare('UPDATE events SET fold = ? WHERE position = ?').run(fold.replace('"pass"]', '"fail"]'), position).changes
  db.close()
  return { dir, changed, fold }
}

t.test('verify names the position of a forged fold', async (t) => {
  const position = await built
  const untouched = await cli(['verify', '--data', original])
  t.equal(untouched.code, 0, untouched.stderr)
  const { dir, changed, fold } = forged(position)
  t.equal(changed, 1)
  t.match(fold, /"pass"\]$/, 'the batch passed')
  const run = await cli(['verify', '--data', dir])
  const report = JSON.parse(run.stdout || '{}')
  t.equal(run.code, 1)
  t.equal(report.firstBadPosition, position)
  t.match(report.problems, [{ position, check: 'fold', message: /derived fold column was changed/ }])
})

t.test('the scrub reports a forged fold: not ready, read-only', async (t) => {
  const position = await built
  const { dir } = forged(position)
  const h = await listening({ dataDir: dir, env: { TARGETWATCH_SCRUB_INTERVAL: '100ms' } })
  t.teardown(() => h.close())
  const readyz = await waitUntil('not ready', async () => {
    const answer = await fetch(`${h.url}/readyz`)
    return answer.status === 503 ? ((await answer.json()) as { integrity: unknown }) : null
  })
  t.match(readyz.integrity, { source: 'scrub', check: 'fold', position })
})
