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

/**
 * Chart data at a date: months before the date's month come from the period's series, the date's
 * month is the target's value at that date (for a cumulative series they are the same figure),
 * later months are empty. `periodMonths` are the period's months ('2020-01', …); `month` is the
 * date's 1-based index among them, or one past the last for the closed period.
 */
export const chartData = ({ series, value, threshold, unit, forecast, month, months: periodMonths }) => {
  const scale = chartScale(unit)
  const months = periodMonths.map((_, i) => i + 1)
  const last = months.length
  const indexOf = new Map(periodMonths.map((m, i) => [m, i + 1]))
  const byMonth = new Map((series ?? []).map((point) => [indexOf.get(point.month.slice(0, 7)), point.cumulative.value]))
  const values = months.map((m) => {
    if (m > month) return null
    const v = m === month ? value : byMonth.get(m)
    return v === null || v === undefined ? null : v * scale
  })
  const limit = months.map(() => threshold * scale)
  const projected = months.map((m) => {
    if (!forecast || month > last || value === null) return null
    if (m === month) return value * scale
    if (m === last) return forecast.projected * scale
    return null
  })
  return [months, values, limit, projected]
}

/** `statusOf` is read at every draw, so a chart follows its card's status without a rebuild. */
export const createChart = (container, { unit, statusOf, months: periodMonths }) => {
  const months = periodMonths.map((_, i) => i + 1)
  const monthLabel = (t) => periodMonths[t - 1]?.slice(5, 7).replace(/^0/, '')
  const color = () => statusColors[statusOf()] ?? statusColors.no_data
  const width = Math.max(200, container.clientWidth)
  const options = {
    width,
    height: 116,
    legend: { show: false },
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    scales: { x: { time: false, range: [0.6, months.length + 0.4] } },
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
        values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) && monthLabel(t) ? `${monthLabel(t)}月` : '')),
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
