// The monthly trend of one target with uPlot (served from node_modules, global `uPlot`): the
// cumulative value month by month up to the chosen date, the threshold, and for forecasts a
// dotted line to the projected year-end value.
import { axisLabel, chartScale } from './format.js'

export const statusColors = {
  met: '#1f7a45',
  on_track: '#1f6f8b',
  at_risk: '#b8860b',
  breached: '#c0392b',
  missed: '#8e1f2f',
  stale: '#6d4aa8',
  no_data: '#8b929c',
}

const months = Array.from({ length: 12 }, (_, i) => i + 1)

/**
 * Chart data at a date: months before the date's month come from the year's series, the date's
 * month is the target's value at that date (for a cumulative series they are the same figure),
 * later months are empty. `month` is 1-12, or 13 for the closed year.
 */
export const chartData = ({ series, value, threshold, unit, forecast, month }) => {
  const scale = chartScale(unit)
  const byMonth = new Map((series ?? []).map((point) => [Number(point.month.slice(5, 7)), point.cumulative.value]))
  const values = months.map((m) => {
    if (m > month) return null
    const v = m === month ? value : byMonth.get(m)
    return v === null || v === undefined ? null : v * scale
  })
  const limit = months.map(() => threshold * scale)
  const projected = months.map((m) => {
    if (!forecast || month > 12 || value === null) return null
    if (m === month) return value * scale
    if (m === 12) return forecast.projected * scale
    return null
  })
  return [months, values, limit, projected]
}

/** `statusOf` is read at every draw, so a chart follows its card's status without a rebuild. */
export const createChart = (container, { unit, statusOf }) => {
  const color = () => statusColors[statusOf()] ?? statusColors.no_data
  const width = Math.max(200, container.clientWidth)
  const options = {
    width,
    height: 116,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: { x: { time: false, range: [0.6, 12.4] } },
    series: [
      {},
      { label: 'value', stroke: color, width: 2, fill: () => `${color()}1f`, points: { size: 4, fill: color }, spanGaps: false },
      { label: 'threshold', stroke: '#9aa3ad', width: 1, dash: [5, 4], points: { show: false } },
      { label: 'forecast', stroke: color, width: 1.5, dash: [2, 4], points: { show: false }, spanGaps: true },
    ],
    axes: [
      {
        stroke: '#5b6470',
        grid: { show: false },
        ticks: { size: 3 },
        font: '11px system-ui, sans-serif',
        size: 24,
        incrs: [1, 2, 3, 4, 6, 12],
        space: 34,
        values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? `${t}月` : '')),
      },
      {
        stroke: '#5b6470',
        grid: { stroke: '#e6e9ee', width: 1 },
        ticks: { show: false },
        font: '11px system-ui, sans-serif',
        size: 46,
        values: (_u, ticks) => ticks.map((t) => axisLabel(t, unit)),
      },
    ],
  }
  return new globalThis.uPlot(options, [months, months.map(() => null), months.map(() => null), months.map(() => null)], container)
}
