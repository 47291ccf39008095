// What the simulator prints: a progress bar redrawn in place on a terminal, a line per month
// elsewhere, and tables whose Chinese columns line up (CJK characters are two columns wide).
import t from 'tap'
import { PassThrough } from 'node:stream'
import { displayWidth, formatValue, progressLine, progressReporter, targetsText } from '../../seeds/simulate/report.ts'

const capture = (isTTY: boolean) => {
  const stream = Object.assign(new PassThrough(), { isTTY })
  let text = ''
  stream.on('data', (chunk) => (text += chunk))
  return { stream, text: () => text }
}

t.test('the progress bar follows the date through the year', async (t) => {
  t.match(progressLine({ date: '2020-07-01', posted: 12_345, rejected: 0, elapsedMs: 2000 }), /2020-07-01 {2}\[█{14}░{14}\] {2}50% {2}12,345 events {2}6,173\/s$/)
  t.match(progressLine({ date: '2021-01-15', posted: 1, rejected: 3, elapsedMs: 1 }), /100%.*3 rejected$/, 'late reports count as the end; rejections show')
})

t.test('on a terminal the bar is redrawn in place; elsewhere a line per month', async (t) => {
  const tty = capture(true)
  const onTty = progressReporter(tty.stream)
  onTty.update({ date: '2020-01-01', posted: 1, rejected: 0, elapsedMs: 1 })
  onTty.done({ date: '2020-12-31', posted: 9, rejected: 0, elapsedMs: 1 })
  t.match(tty.text(), /^\r {2}2020-01-01.*\x1b\[K\r {2}2020-12-31.*\x1b\[K\n$/s)

  const pipe = capture(false)
  const onPipe = progressReporter(pipe.stream)
  for (const date of ['2020-01-01', '2020-01-02', '2020-02-01', '2020-02-02']) onPipe.update({ date, posted: 1, rejected: 0, elapsedMs: 1 })
  t.equal(pipe.text().split('\n').filter(Boolean).length, 2, 'one line for January, one for February')
  t.notMatch(pipe.text(), /\r|\x1b/, 'no terminal control characters in a log')
})

t.test('tables line up with Chinese titles; values in their units', async (t) => {
  t.equal(displayWidth('电梯检验率'), 10)
  t.equal(displayWidth('“证照分离”改革全覆盖'), 20, 'ASCII-width quotes, double-width Han')
  const text = targetsText(
    [
      { id: 'a', title: { zh: '电梯检验率', en: 'Elevator inspection rate' }, status: 'met', value: 0.9812, threshold: 0.95, comparator: 'gte', unit: 'ratio' },
      { id: 'b', title: { zh: '新增市场主体', en: 'New market entities' }, status: 'missed', value: 53_601, threshold: 500_000, comparator: 'gte', unit: 'entities' },
    ],
    'targets',
  )
  const [, , first, second] = text.split('\n')
  t.equal(displayWidth(first!.split('Elevator')[0]!), displayWidth(second!.split('New market')[0]!), 'the English column starts at the same place')
  t.match(text, /1 met · 1 missed/)
  t.match(first, /98\.1% ≥ 95\.0%/)
  t.match(second, /53,601 ≥ 500,000/)
  t.equal(formatValue(15.36, 'minutes'), '15.4 min')
  t.equal(formatValue(3.163, 'batches_per_1000_residents'), '3.16/1000')
  t.equal(formatValue(null, 'ratio'), '—')
})
