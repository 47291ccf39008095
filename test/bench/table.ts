// One table: each figure, the ceiling it is held to (measured in the same run), the ratio and
// the goal. Figures without a ceiling (the cost curve, RSS) leave those cells empty.

export interface Goal {
  /** ratio >= target, ratio <= target, or value < target (no ceiling). */
  compare: '>=' | '<=' | '<'
  target: number
}

export interface Figure {
  name: string
  value: number
  unit: string
  ceiling?: { name: string; value: number }
  /** Defaults to value / ceiling.value. */
  ratio?: number
  goal?: Goal
  note?: string
}

export const ratioOf = (figure: Figure): number | undefined =>
  figure.ratio ?? (figure.ceiling ? figure.value / figure.ceiling.value : undefined)

export const verdict = (figure: Figure): string => {
  if (!figure.goal) return ''
  const { compare, target } = figure.goal
  const measured = compare === '<' ? figure.value : ratioOf(figure)
  if (measured === undefined) return ''
  const met = compare === '>=' ? measured >= target : compare === '<=' ? measured <= target : measured < target
  return met ? 'met' : 'NOT met'
}

const number = (value: number): string =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value >= 10 ? value.toFixed(1) : value.toFixed(2)

const cells = (figure: Figure): string[] => {
  const ratio = ratioOf(figure)
  return [
    figure.name,
    `${number(figure.value)} ${figure.unit}`,
    figure.ceiling ? `${figure.ceiling.name}: ${number(figure.ceiling.value)} ${figure.unit}` : '',
    ratio === undefined ? '' : ratio.toFixed(2),
    figure.goal ? `${figure.goal.compare} ${figure.goal.target}${figure.goal.compare === '<' ? ` ${figure.unit}` : ''}` : '',
    verdict(figure),
    figure.note ?? '',
  ]
}

export const formatTable = (figures: readonly Figure[]): string => {
  const header = ['figure', 'value', 'ceiling (same run)', 'ratio', 'goal', '', 'note']
  const rows = [header, ...figures.map(cells)]
  const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  const line = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n')
}
