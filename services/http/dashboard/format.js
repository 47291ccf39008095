// Labels and number formats of the dashboard: Chinese first, English beside it.

export const statuses = {
  met: { zh: '达标', en: 'Met', note: '已达到目标 The target is reached' },
  on_track: { zh: '进展正常', en: 'On track', note: '按当前进度预计年末可达成 Expected to be reached by year end' },
  at_risk: { zh: '存在风险', en: 'At risk', note: '按当前进度预计难以达成,或样本尚不足以下结论 Not expected to be reached, or too small a sample to judge' },
  breached: { zh: '未达标', en: 'Breached', note: '须持续达到的目标当前未达到 A standing target is not met now' },
  missed: { zh: '未完成', en: 'Missed', note: '考核期结束时未达到 Not reached when the period ended' },
  stale: { zh: '报送逾期', en: 'Stale', note: '应报未报,不视为达标 A report is overdue: silence never reads as compliance' },
  no_data: { zh: '暂无数据', en: 'No data', note: '尚无可评估的数据 Nothing to evaluate yet' },
}
export const statusOrder = ['met', 'on_track', 'at_risk', 'breached', 'missed', 'stale', 'no_data']

export const units = {
  ratio: { zh: '', en: '' },
  batches_per_1000_residents: { zh: '批次/千人', en: 'batches per 1,000 residents' },
  minutes: { zh: '分钟', en: 'minutes' },
  entities: { zh: '户', en: 'entities' },
  items: { zh: '项', en: 'items' },
}

export const comparators = { gte: '≥', lte: '≤', eq: '=' }

const integer = new Intl.NumberFormat('zh-CN', { maximumFractionDigits: 0 })

const percent = (value) => {
  const p = value * 100
  if (p >= 99.95 && p < 100) return `${p.toFixed(2)}%`
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`
}

/** A value in its unit, for the cards: 98.4%, 3.16, 15.4, 536,012, 12. */
export const formatValue = (value, unit) => {
  if (value === null || value === undefined) return '—'
  switch (unit) {
    case 'ratio':
      return percent(value)
    case 'batches_per_1000_residents':
      return value.toFixed(2)
    case 'minutes':
      return value.toFixed(1)
    default:
      return integer.format(value)
  }
}

/** Compact, for the region table: 5.4万 for large counts. */
export const formatCompact = (value, unit) => {
  if (value === null || value === undefined) return '—'
  if (unit === 'entities' && value >= 10_000) return `${(value / 10_000).toFixed(1)}万`
  return formatValue(value, unit)
}

/** The value axis of a chart: percentages for ratios. */
export const chartScale = (unit) => (unit === 'ratio' ? 100 : 1)

export const axisLabel = (value, unit) => {
  if (unit === 'ratio') return `${value}%`
  if (unit === 'entities' && Math.abs(value) >= 10_000) return `${value / 10_000}万`
  return Number.isInteger(value) ? integer.format(value) : String(Math.round(value * 100) / 100)
}

const weekdays = ['日', '一', '二', '三', '四', '五', '六']

/** 2020-06-30 → 2020年6月30日 星期二 */
export const longDate = (date) => {
  const [y, m, d] = date.split('-').map(Number)
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay()
  return `${y}年${m}月${d}日 星期${weekdays[weekday]}`
}

/** An instant as a Shanghai local time, 2020-06-30 14:05. */
export const shanghaiTime = (instant) => {
  const ms = Date.parse(instant)
  if (!Number.isFinite(ms)) return instant ?? ''
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')
}

/** 贵阳市 → 贵阳, 黔西南布依族苗族自治州 → 黔西南州, 仁怀市 → 仁怀; English: the first word. */
export const shortName = (name) => ({
  zh: name.zh.replace(/^(.+?)(布依族|苗族|侗族).*自治州$/, '$1州').replace(/^(.{2,})[市省县]$/, '$1').replace(/^(.{2,})(?<!新)区$/, '$1'),
  en: name.en.replace(/ (Buyei|Miao).*$/, '').replace(/ (Province|County|District|City)$/, ''),
})
