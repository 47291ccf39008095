// What the simulator prints: a progress bar on a terminal (a line per month otherwise) and a
// final summary: events by type and what the service made of them, then every target's status.
import { clientEventTypes } from '../../domain/events.ts'
import { dayNumber } from '../../domain/time.ts'
import type { Progress, PostSummary } from './client.ts'

const number = (n: number) => Math.round(n).toLocaleString('en-US')

/** Terminal columns of a string: CJK and full-width characters take two. */
export const displayWidth = (text: string): number => {
  let width = 0
  for (const char of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(char) ? 2 : 1
  return width
}
const padEnd = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)))
const padStart = (text: string, width: number) => ' '.repeat(Math.max(0, width - displayWidth(text))) + text

/** Share of the simulated year behind `date` (late reports of 2021 count as the end). */
const yearShare = (date: string) => Math.min(1, Math.max(0, (dayNumber(date) - dayNumber('2020-01-01') + 1) / 366))

export const progressLine = (p: Progress, width = 28): string => {
  const share = yearShare(p.date)
  const filled = Math.round(share * width)
  const rate = p.elapsedMs > 0 ? (p.posted * 1000) / p.elapsedMs : 0
  const rejected = p.rejected > 0 ? `  ${number(p.rejected)} rejected` : ''
  return `  ${p.date}  [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${padStart(String(Math.round(share * 100)), 3)}%  ${number(p.posted)} events  ${number(rate)}/s${rejected}`
}

/** A progress reporter: redraws one line on a TTY, prints a line per month elsewhere. */
export const progressReporter = (out: NodeJS.WritableStream & { isTTY?: boolean }) => {
  let lastDraw = 0
  let lastMonth = ''
  return {
    update: (p: Progress) => {
      if (out.isTTY) {
        const now = Date.now()
        if (now - lastDraw < 100) return
        lastDraw = now
        out.write(`\r${progressLine(p)}\x1b[K`)
      } else if (p.date.slice(0, 7) !== lastMonth) {
        lastMonth = p.date.slice(0, 7)
        out.write(`${progressLine(p)}\n`)
      }
    },
    done: (p: Progress) => out.write(out.isTTY ? `\r${progressLine(p)}\x1b[K\n` : `${progressLine(p)}\n`),
  }
}

export const summaryText = (summary: PostSummary): string => {
  const rate = summary.elapsedMs > 0 ? (summary.posted * 1000) / summary.elapsedMs : 0
  const lines = [
    `  posted ${number(summary.posted)} events through ${summary.through ?? '-'} in ${(summary.elapsedMs / 1000).toFixed(1)} s ` +
      `(${number(rate)} events/s, ${summary.requests} requests)`,
    '',
    `  ${padEnd('type', 26)}${padStart('appended', 10)}${padStart('already there', 15)}${padStart('rejected', 10)}`,
  ]
  for (const type of clientEventTypes) {
    const t = summary.byType[type]
    lines.push(`  ${padEnd(type, 26)}${padStart(number(t.appended), 10)}${padStart(number(t.existing), 15)}${padStart(number(t.rejected), 10)}`)
  }
  lines.push(`  ${padEnd('total', 26)}${padStart(number(summary.appended), 10)}${padStart(number(summary.existing), 15)}${padStart(number(summary.rejected), 10)}`)
  for (const [code, { count, example }] of Object.entries(summary.errors)) lines.push(`  ! ${code} x${number(count)}: ${example}`)
  return lines.join('\n')
}

export interface TargetLine {
  id: string
  title: { zh: string; en: string }
  status: string
  value: number | null
  threshold: number
  comparator: string
  unit: string
}

export const statusNames: Record<string, string> = {
  met: '达标 met',
  on_track: '正常 on track',
  at_risk: '风险 at risk',
  breached: '未达标 breached',
  missed: '未完成 missed',
  stale: '逾期 stale',
  no_data: '无数据 no data',
}

/** A target's value in its unit: 98.3%, 15.4 min, 3.16 per 1,000, 512,340. */
export const formatValue = (value: number | null, unit: string): string => {
  if (value === null) return '—'
  switch (unit) {
    case 'ratio':
      return `${(value * 100).toFixed(value >= 0.9995 && value < 1 ? 2 : 1)}%`
    case 'minutes':
      return `${value.toFixed(1)} min`
    case 'batches_per_1000_residents':
      return `${value.toFixed(2)}/1000`
    default:
      return number(value)
  }
}

const comparatorSigns: Record<string, string> = { gte: '≥', lte: '≤', eq: '=' }

export const targetsText = (targets: TargetLine[], heading: string): string => {
  const counts = new Map<string, number>()
  for (const t of targets) counts.set(t.status, (counts.get(t.status) ?? 0) + 1)
  const tally = [...counts].map(([status, n]) => `${n} ${status}`).join(' · ')
  const lines = [`  ${heading}: ${tally}`, '']
  const titleWidth = Math.max(...targets.map((t) => displayWidth(t.title.zh))) + 2
  for (const t of targets) {
    const figure = `${formatValue(t.value, t.unit)} ${comparatorSigns[t.comparator] ?? t.comparator} ${formatValue(t.threshold, t.unit)}`
    lines.push(`  ${padEnd(statusNames[t.status] ?? t.status, 16)}${padEnd(t.title.zh, titleWidth)}${padEnd(figure, 26)}${t.title.en}`)
  }
  return lines.join('\n')
}
