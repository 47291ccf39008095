// The scrub's schedule (services/audit/scrub.ts): a run that fails is logged as an error; a run
// that ends because the scrub was stopped (its thread cancelled) is not a failure.
import t from 'tap'
import pino from 'pino'
import { createScrub } from '../../services/audit/scrub.ts'
import { VerifyCancelled } from '../../services/audit/verify-thread.ts'
import type { VerifyReport } from '../../services/audit/verify.ts'

const capture = () => {
  const lines: { level: number; msg: string }[] = []
  return { logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines }
}

const clock = () => new Date('2020-06-01T00:00:00Z')

t.test('a verification that fails is logged as an error, and the schedule goes on', async (t) => {
  const { logger, lines } = capture()
  const scrub = createScrub({ verify: () => Promise.reject(new Error('disk gone')), intervalMs: 0, logger, clock })
  t.equal(await scrub.runNow(), null, 'no run recorded')
  t.ok(lines.some((line) => line.level === 50 && line.msg === 'the integrity scrub could not run'), 'logged at error level')
  t.equal(scrub.last(), null)
})

t.test('stopping during a run: the cancelled verification is not logged as a failure', async (t) => {
  const { logger, lines } = capture()
  let cancel!: () => void
  const scrub = createScrub({
    verify: () => new Promise<VerifyReport>((_, reject) => (cancel = () => reject(new VerifyCancelled()))),
    intervalMs: 60_000,
    logger,
    clock,
  })
  const run = scrub.runNow()
  const stopped = scrub.stop()
  cancel()
  await stopped
  t.equal(await run, null)
  t.same(lines.filter((line) => line.level >= 50), [], 'nothing logged at error level')
  t.equal(scrub.last(), null)
})
