// DOM of the dashboard: target cards, the status tally, the region × target table, alerts.
// Built with createElement and textContent only (the page allows no inline markup or script).
import { chartData, createChart } from './chart.js'
import { comparators, formatCompact, formatValue, shanghaiTime, statusOrder, statuses, units } from './format.js'

export const el = (tag, attributes = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (name === 'class') node.className = value
    else if (name === 'text') node.textContent = value
    else node.setAttribute(name, value === true ? '' : String(value))
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child)
  return node
}

const bilingual = (zh, en, className = '') => el('span', { class: `bi ${className}` }, el('span', { class: 'zh', text: zh }), el('span', { class: 'en', text: en }))

export const statusBadge = (status) => el('span', { class: `badge s-${status}` }, `${statuses[status]?.zh ?? status} · ${statuses[status]?.en ?? ''}`)

const sectionNumber = (section) => section.zh.match(/^[一二三四五六七八九十]+、(\([一二三四五六七八九十]+\)|（[一二三四五六七八九十]+）)?/)?.[0] ?? ''

const unitText = (unit) => units[unit]?.zh ?? ''

/** The threshold as written in the plan: ≥ 3.00 批次/千人, = 100%, ≤ 20.0 分钟. */
const thresholdText = (report) => `${comparators[report.comparator] ?? report.comparator} ${formatValue(report.threshold, report.unit)} ${unitText(report.unit)}`.trim()

const forecastText = (report) => {
  const f = report.forecast
  if (!f) return null
  const projected = `${formatValue(f.projected, report.unit)} ${unitText(report.unit)}`.trim()
  if (f.method === 'linear_trend') return ['趋势预计年末 ' + projected, 'Trend at year end']
  const probability = f.probability === null ? '' : ` · 达成概率 ${Math.round(f.probability * 100)}%`
  return [`预计年末 ${projected}${probability}`, 'Projected by year end · probability of reaching it']
}

const sampleText = (report) => {
  if (report.metric === 'milestone_count' || report.metric === 'reading_ratio' || report.metric === 'event_count') return null
  const n = `样本 n = ${formatValue(report.sample, 'entities')}`
  if (!report.interval) return n
  const { low, high } = report.interval
  return `${n} · 95% 区间 ${formatValue(low, report.unit)} – ${formatValue(high, report.unit)}`
}

/** Named items: chips with their names when there are few, else a row of marks (names on hover). */
const itemList = (items) => {
  const title = (item) => `${item.title.zh} ${item.title.en}${item.achievedOn ? ` · ${item.achievedOn}` : ''}`
  if (items.length <= 3)
    return items.map((item) => el('li', { class: item.achieved ? 'done' : 'open', title: title(item) }, `${item.achieved ? '✓' : '○'} ${item.title.zh}`))
  const done = items.filter((item) => item.achieved).length
  return [
    ...items.map((item) => el('li', { class: `mark ${item.achieved ? 'done' : 'open'}`, title: title(item), 'aria-label': title(item) })),
    el('li', { class: 'count', text: `${done}/${items.length} 项已完成 done` }),
  ]
}

/** Beside the status (README "Verdicts"): provisional, coverage, the statistical margin, open rescues. [zh, en] pairs. */
export const verdictNotes = (r) => [
  ...(r.provisional ? [[`暂定,${r.finalFrom} 起为最终结论`, `Provisional: final from ${r.finalFrom}`]] : []),
  ...(r.coverage && r.coverage.expected > 0 ? [[`已报送 ${r.coverage.reported}/${r.coverage.expected}`, `Reported ${r.coverage.reported} of ${r.coverage.expected}`]] : []),
  ...(r.margin === 'within_interval' ? [['在统计误差范围内', 'Within the statistical margin']] : []),
  ...(r.open ? [[`未到场 ${r.open} 起,超时 ${r.overdue ?? 0} 起`, `Open ${r.open}, overdue ${r.overdue ?? 0}`]] : []),
]

/** One card per target; `update` fills it for a date. */
export const createCard = (report, regionNames) => {
  const parts = {
    badge: el('span'),
    value: el('span', { class: 'value' }),
    unit: el('span', { class: 'unit' }),
    threshold: el('span', { class: 'threshold' }),
    bar: el('div', { class: 'bar' }),
    forecast: el('p', { class: 'forecast' }),
    stale: el('p', { class: 'stale-note' }),
    verdict: el('p', { class: 'verdict-note' }),
    items: el('ul', { class: 'items' }),
    chart: el('div', { class: 'chart', 'aria-hidden': 'true' }),
    sample: el('p', { class: 'sample' }),
  }
  const root = el(
    'article',
    { class: 'card', 'data-target': report.id, 'aria-labelledby': `t-${report.id}` },
    el(
      'div',
      { class: 'card-top' },
      el('span', { class: 'section', title: `${report.section.zh} ${report.section.en}`, text: sectionNumber(report.section) }),
      report.commitment === 'strive' ? el('span', { class: 'strive', title: '力争:争取达到 Strive for', text: '力争 strive' }) : null,
      parts.badge,
    ),
    el('h3', { id: `t-${report.id}`, lang: 'zh-CN', text: report.title.zh }),
    el('p', { class: 'title-en', lang: 'en', text: report.title.en }),
    el('p', { class: 'figure' }, parts.value, parts.unit, parts.threshold),
    el('div', { class: 'progress', role: 'presentation' }, parts.bar),
    parts.forecast,
    parts.stale,
    parts.verdict,
    parts.items,
    el(
      'div',
      { class: 'card-bottom' },
      parts.chart,
      parts.sample,
      el(
      'details',
      { class: 'clause' },
      el('summary', { text: '条款原文 Clause' }),
      el('p', { lang: 'zh-CN', text: report.clause.zh }),
      el('p', { class: 'en', lang: 'en', text: report.clause.en }),
      el('p', { class: 'units', text: `牵头 Lead: ${report.responsibleUnits[0]?.zh ?? ''} ${report.responsibleUnits[0]?.en ?? ''}` }),
      ),
    ),
  )
  let status = report.status
  let chart = null
  const update = (current, detail, month, months) => {
    status = current.status
    root.dataset.status = current.status
    root.className = `card s-${current.status}`
    parts.badge.replaceWith((parts.badge = statusBadge(current.status)))
    parts.value.textContent = formatValue(current.value, current.unit)
    parts.unit.textContent = current.unit === 'ratio' ? '' : unitText(current.unit)
    parts.threshold.textContent = `目标 ${thresholdText(current)}`
    parts.bar.style.width = `${Math.round((current.progress ?? 0) * 1000) / 10}%`
    const forecast = forecastText(current)
    parts.forecast.replaceChildren(...(forecast ? [el('span', { text: forecast[0] }), el('span', { class: 'en', text: forecast[1] })] : []))
    const stale = (current.staleRegions ?? []).map((r) => regionNames.get(r)?.short.zh ?? r)
    parts.stale.replaceChildren(...(stale.length ? [el('span', { text: `逾期未报:${stale.join('、')}` }), el('span', { class: 'en', text: 'Reports overdue' })] : []))
    parts.verdict.replaceChildren(...verdictNotes(current).flatMap(([zh, en]) => [el('span', { text: zh }), el('span', { class: 'en', text: en })]))
    root.dataset.provisional = String(current.provisional === true)
    root.dataset.margin = current.margin ?? ''
    root.dataset.coverage = current.coverage ? `${current.coverage.reported}/${current.coverage.expected}` : ''
    root.dataset.open = current.open === undefined ? '' : `${current.open}/${current.overdue ?? 0}`
    parts.items.replaceChildren(...itemList(current.items ?? []))
    parts.items.className = `items${(current.items ?? []).length > 3 ? ' dots' : ''}`
    parts.sample.textContent = sampleText(current) ?? ''
    if (detail) {
      chart ??= createChart(parts.chart, { unit: current.unit, statusOf: () => status, months })
      chart.setData(chartData({ series: detail.series, value: current.value, threshold: current.threshold, unit: current.unit, forecast: current.forecast, month, months }))
    }
  }
  const resize = () => chart?.setSize({ width: Math.max(200, parts.chart.clientWidth), height: 116 })
  return { root, update, resize }
}

/** Counts by status; a chip filters the cards to that status. */
export const renderTally = (container, reports, active, onPick) => {
  const counts = new Map(statusOrder.map((s) => [s, 0]))
  for (const r of reports) counts.set(r.status, (counts.get(r.status) ?? 0) + 1)
  container.replaceChildren(
    ...statusOrder
      .filter((s) => counts.get(s) > 0)
      .map((s) => {
        const chip = el('button', { type: 'button', class: `chip s-${s}`, 'aria-pressed': active === s ? 'true' : 'false', 'data-status': s },
          el('strong', { text: String(counts.get(s)) }), bilingual(statuses[s].zh, statuses[s].en))
        chip.addEventListener('click', () => onPick(active === s ? null : s))
        return chip
      }),
  )
}

export const renderLegend = (container) =>
  container.replaceChildren(
    ...statusOrder.flatMap((s) => [el('dt', {}, statusBadge(s)), el('dd', { text: statuses[s].note })]),
  )

/** Rows: targets; columns: the province, then every region. */
export const renderMatrix = (table, reports, meta) => {
  const head = el(
    'tr',
    {},
    el('th', { scope: 'col', class: 'target-col' }, bilingual('目标', 'Target')),
    el('th', { scope: 'col', class: 'province' }, bilingual(meta.province.short.zh, meta.province.short.en)),
    ...meta.regions.map((r) => el('th', { scope: 'col' }, bilingual(r.short.zh, r.short.en))),
  )
  const rows = reports.map((report) => {
    const byRegion = new Map(report.regions.map((r) => [r.region, r]))
    const cell = (entry, name) => {
      if (!entry) return el('td', { class: 'none', text: '—' })
      const text = formatCompact(entry.value, report.unit)
      const title = `${name} · ${report.title.zh}: ${formatValue(entry.value, report.unit)} ${unitText(report.unit)} — ${statuses[entry.status]?.zh ?? entry.status} ${statuses[entry.status]?.en ?? ''}`
      return el('td', { class: `s-${entry.status}`, title, 'data-status': entry.status, 'data-region': entry.region }, text)
    }
    return el(
      'tr',
      { 'data-target': report.id },
      el('th', { scope: 'row' }, bilingual(report.title.zh, report.title.en)),
      cell({ status: report.status, value: report.value, region: meta.province.id }, meta.province.name.zh),
      ...meta.regions.map((r) => cell(byRegion.get(r.id), r.name.zh)),
    )
  })
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, rows))
}

/** Recent alerts from GET /v1/alerts; `answer` null when the server has none to offer. */
export const renderAlerts = (list, firingLine, answer, titles, regionNames) => {
  if (!answer) {
    firingLine.textContent = ''
    list.replaceChildren(el('li', { class: 'muted' }, bilingual('本服务未提供告警', 'Alerts are not available on this server')))
    return
  }
  const firing = answer.firing ?? []
  firingLine.replaceChildren(bilingual(`正在告警 ${firing.length} 项`, `${firing.length} firing`, firing.length ? 'hot' : ''))
  const history = (answer.history ?? answer.alerts ?? []).slice(0, 12)
  if (history.length === 0) {
    list.replaceChildren(el('li', { class: 'muted' }, bilingual('暂无告警', 'No alerts yet')))
    return
  }
  list.replaceChildren(
    ...history.map((a) => {
      const region = regionNames.get(a.region)?.short.zh ?? a.region ?? ''
      const what = a.kind === 'rescue.overdue' ? '电梯救援超时 Rescue overdue' : (titles.get(a.targetId) ?? a.targetId ?? '')
      const change = a.from || a.to ? `${statuses[a.from]?.zh ?? a.from ?? '—'} → ${statuses[a.to]?.zh ?? a.to ?? '—'}` : ''
      return el(
        'li',
        { class: `alert ${a.status === 'firing' ? 'firing' : 'resolved'}` },
        el('span', { class: 'dot', 'aria-label': a.status }),
        el('span', { class: 'what', text: `${what}${region ? ` · ${region}` : ''}` }),
        el('span', { class: 'change', text: change }),
        el('time', { datetime: a.evaluatedAt ?? '', text: shanghaiTime(a.evaluatedAt) }),
      )
    }),
  )
}
