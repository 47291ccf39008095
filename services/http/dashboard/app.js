// The dashboard's state and data flow: the API key (from the URL fragment, kept in session
// storage, never in the URL afterwards), the plan chosen (GET /v1/plans; its period is the time
// line, its region set the table), the business date (`at`) chosen on the time line, and the
// public API: GET /v1/plans/{plan}/targets?at= for the figures, .../targets/{id} once for the
// period's monthly series, GET /v1/alerts when the server offers it, GET /readyz to notice new data.
import { longDate, shortName } from './format.js'
import { createCard, el, renderAlerts, renderLegend, renderMatrix, renderTally } from './render.js'

const storageKey = 'targetwatch.key'
const dayMs = 86_400_000
const isDate = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value ?? '')
const $ = (id) => document.getElementById(id)

class AuthError extends Error {}

const state = {
  key: null,
  plans: [],
  /** The plan GET /v1/targets means (GET /v1/plans says which); shown when the address names none. */
  defaultPlan: null,
  /** The chosen plan's summary (GET /v1/plans): id, title, period, region set. */
  plan: null,
  /** The plan's region set (GET /v1/plans/{plan}/regions), names shortened for the table. */
  meta: null,
  regionNames: new Map(),
  /** Day index from the period's first day; `closedDay()` is the step after its last: final verdicts. */
  day: Infinity,
  requested: { plan: null, at: null },
  filter: null,
  cards: new Map(),
  details: new Map(),
  detailsAt: 0,
  reports: [],
  head: -1,
  playing: false,
  loading: null,
}

const firstDay = () => Date.parse(`${state.plan.period.start}T00:00:00Z`)
const lastDay = () => Math.round((Date.parse(`${state.plan.period.end}T00:00:00Z`) - firstDay()) / dayMs)
const closedDay = () => lastDay() + 1
const dateOfDay = (day) => new Date(firstDay() + day * dayMs).toISOString().slice(0, 10)
const dayOfDate = (date) => Math.round((Date.parse(`${date}T00:00:00Z`) - firstDay()) / dayMs)
const atOf = (day) => (day >= closedDay() ? null : dateOfDay(day))
const inPeriod = (date) => isDate(date) && date >= state.plan.period.start && date <= state.plan.period.end
/** Months of the period, 1-based: the chart's x axis and the time line's labels. */
const periodMonths = () => {
  const [y0, m0] = state.plan.period.start.split('-').map(Number)
  const [y1, m1] = state.plan.period.end.split('-').map(Number)
  return Array.from({ length: (y1 - y0) * 12 + (m1 - m0) + 1 }, (_, i) => `${y0 + Math.floor((m0 - 1 + i) / 12)}-${String(((m0 - 1 + i) % 12) + 1).padStart(2, '0')}`)
}
const monthIndex = (date) => periodMonths().indexOf(date.slice(0, 7)) + 1
const planPath = (rest = '') => `/v1/plans/${encodeURIComponent(state.plan.id)}${rest}`

const setFragment = (params) =>
  history.replaceState(null, '', `${location.pathname}${location.search}${params.size ? `#${params}` : ''}`)

const readKey = () => {
  const params = new URLSearchParams(location.hash.slice(1))
  const fromUrl = params.get('key')
  if (fromUrl) {
    sessionStorage.setItem(storageKey, fromUrl)
    params.delete('key')
    setFragment(params)
  }
  state.requested = { plan: params.get('plan'), at: params.get('at') }
  return sessionStorage.getItem(storageKey)
}

const getJson = async (path, { auth = true, allow404 = false } = {}) => {
  const response = await fetch(path, auth ? { headers: { authorization: `Bearer ${state.key}` } } : {})
  if (response.status === 401) throw new AuthError('密钥无效或已撤销 The key is unknown or revoked')
  if (allow404 && (response.status === 404 || response.status === 403)) return null
  if (!response.ok) throw new Error(`${path}: ${response.status}`)
  return response.json()
}

const askForKey = (message) => {
  const dialog = $('key-dialog')
  $('key-error').hidden = !message
  $('key-error').textContent = message ?? ''
  document.body.dataset.state = 'key'
  if (!dialog.open) dialog.showModal()
}

const setUpKeyDialog = () => {
  $('key-form').addEventListener('submit', () => {
    const key = $('key-input').value.trim()
    if (!key) return
    sessionStorage.setItem(storageKey, key)
    state.key = key
    $('key-input').value = ''
    void open()
  })
}

const showDate = () => {
  const at = atOf(state.day)
  $('day').value = String(state.day)
  $('date').value = at ?? state.plan.period.end
  $('closed').setAttribute('aria-pressed', at ? 'false' : 'true')
  $('when-label').replaceChildren(
    at ? el('span', { text: longDate(at) }) : el('span', { text: '期末结算 · 考核结果' }),
    el('span', { class: 'en', text: at ? `figures as at the end of ${at}` : 'the period closed: final verdicts' }),
  )
  const params = new URLSearchParams(location.hash.slice(1))
  if (at) params.set('at', at)
  else params.delete('at')
  if (state.plan.id === state.defaultPlan) params.delete('plan')
  else params.set('plan', state.plan.id)
  setFragment(params)
}

/** The masthead, the plan selector, the time line's range and month labels, from the chosen plan. */
const showPlan = () => {
  const { plan } = state
  document.title = `${plan.title.zh} · 目标监测 — targetwatch`
  $('issuer').textContent = `${plan.issuer.zh} · ${plan.issuer.en}`
  $('plan-title').textContent = plan.title.zh
  $('plan-title-en').textContent = `${plan.title.en} — the plan's numeric targets, watched`
  $('plan').replaceChildren(...state.plans.map((p) => el('option', { value: p.id, selected: p.id === plan.id, text: `${p.title.zh} · ${p.id}` })))
  $('plan-picker').hidden = state.plans.length < 2
  $('day').max = String(closedDay())
  $('date').min = plan.period.start
  $('date').max = plan.period.end
  const months = periodMonths()
  $('months').style.gridTemplateColumns = `repeat(${months.length}, 1fr) 0.35fr`
  $('months').replaceChildren(...months.map((m) => el('span', { text: `${Number(m.slice(5, 7))}月` })), el('span', { class: 'end', text: '期末' }))
  $('matrix-title-en').textContent = `Regions × targets: ${state.meta.province.name.en} and its ${state.meta.regions.length} regions`
}

/** Choose a plan: its region names, its time line, fresh cards; `at` kept when it is inside the period. */
const usePlan = async (id, at) => {
  state.plan = state.plans.find((p) => p.id === id) ?? state.plans.find((p) => p.id === state.defaultPlan) ?? state.plans[0]
  const set = await getJson(planPath('/regions'))
  const named = (r) => ({ id: r.id, code: r.code, name: r.name, short: shortName(r.name), population: r.population?.value ?? null })
  state.meta = { province: named(set.root), regions: set.regions.map(named) }
  state.regionNames = new Map([state.meta.province, ...state.meta.regions].map((r) => [r.id, r]))
  state.cards.clear()
  state.details.clear()
  state.filter = null
  $('cards').replaceChildren()
  state.day = inPeriod(at) ? dayOfDate(at) : closedDay()
  showPlan()
  showDate()
}

const renderAll = (answer) => {
  state.reports = answer.targets
  const cards = $('cards')
  if (state.cards.size === 0) for (const report of answer.targets) {
    const card = createCard(report, state.regionNames)
    state.cards.set(report.id, card)
    cards.append(card.root)
  }
  const months = periodMonths()
  const month = state.day >= closedDay() ? months.length + 1 : monthIndex(dateOfDay(state.day))
  for (const report of answer.targets) state.cards.get(report.id)?.update(report, state.details.get(report.id), month, months)
  applyFilter()
  renderTally($('tally'), answer.targets, state.filter, pickStatus)
  renderMatrix($('matrix'), answer.targets, state.meta)
  $('footer').replaceChildren(
    el('span', { text: `日志位置 Log position ${answer.position}` }),
    el('span', { text: `计划 Plan ${state.plan.id} · 版本 ${answer.catalogVersion ?? ''}` }),
    el('span', { text: `投影 Projection ${answer.projection?.name ?? ''} v${answer.projection?.version ?? ''}` }),
    el('a', { href: '/docs', text: 'API 文档 API docs' }),
  )
  document.body.dataset.plan = state.plan.id
  document.body.dataset.at = atOf(state.day) ?? 'closed'
  document.body.dataset.position = String(answer.position)
  document.body.dataset.state = 'ready'
}

const pickStatus = (status) => {
  state.filter = status
  renderTally($('tally'), state.reports, state.filter, pickStatus)
  applyFilter()
}

const applyFilter = () => {
  for (const [, card] of state.cards) card.root.hidden = state.filter !== null && card.root.dataset.status !== state.filter
}

/** The period's monthly series of every target (the period closed), reloaded when the log grows. */
const loadDetails = async () => {
  const details = await Promise.all(state.reports.map((r) => getJson(planPath(`/targets/${encodeURIComponent(r.id)}`))))
  for (const detail of details) state.details.set(detail.id, detail)
  state.detailsAt = Date.now()
}

const loadAlerts = async () => {
  const titles = new Map(state.reports.map((r) => [r.id, r.title.zh]))
  try {
    // The chosen plan's alerts and the rescue alerts (which belong to no plan).
    const answer = await getJson('/v1/alerts?limit=60', { allow404: true })
    const mine = answer && { ...answer, alerts: answer.alerts.filter((a) => a.plan === null || a.plan === undefined || a.plan === state.plan.id).slice(0, 12) }
    renderAlerts($('alerts'), $('firing'), mine, titles, state.regionNames)
  } catch (error) {
    if (error instanceof AuthError) throw error
    renderAlerts($('alerts'), $('firing'), null, titles, state.regionNames)
  }
}

/** Fetch the figures at the chosen date (and, when asked, the series) and draw everything. */
const refresh = async ({ details = false } = {}) => {
  if (!state.key) return askForKey()
  const run = async () => {
    try {
      const at = atOf(state.day)
      const answer = await getJson(planPath(`/targets${at ? `?at=${at}` : ''}`))
      state.reports = answer.targets
      if (details || state.details.size === 0) await loadDetails()
      renderAll(answer)
      await loadAlerts()
      $('key-dialog').open && $('key-dialog').close()
    } catch (error) {
      if (error instanceof AuthError) {
        sessionStorage.removeItem(storageKey)
        state.key = null
        askForKey(error.message)
      } else {
        document.body.dataset.state = 'error'
        $('footer').replaceChildren(el('span', { class: 'error', text: `无法读取数据 Cannot load the figures: ${error.message}` }))
      }
    }
  }
  // One refresh at a time; a date chosen meanwhile is fetched right after.
  state.loading = (state.loading ?? Promise.resolve()).then(run)
  return state.loading
}

const chooseDay = (day) => {
  state.day = Math.min(closedDay(), Math.max(0, day))
  showDate()
  void refresh()
}

const play = async () => {
  if (state.playing) return void (state.playing = false)
  state.playing = true
  $('play').textContent = '❚❚'
  if (state.day >= lastDay()) state.day = 0
  while (state.playing && state.day < lastDay()) {
    chooseDay(Math.min(lastDay(), state.day + 7))
    await state.loading
    await new Promise((resolve) => setTimeout(resolve, 120))
  }
  state.playing = false
  $('play').textContent = '▶'
}

const setUpTimeline = () => {
  let timer = null
  $('day').addEventListener('input', () => {
    state.day = Number($('day').value)
    showDate()
    clearTimeout(timer)
    timer = setTimeout(() => void refresh(), 120)
  })
  $('date').addEventListener('change', () => {
    const value = $('date').value
    if (inPeriod(value)) chooseDay(dayOfDate(value))
  })
  $('closed').addEventListener('click', () => chooseDay(closedDay()))
  $('plan').addEventListener('change', async () => {
    state.playing = false
    await state.loading
    await usePlan($('plan').value, atOf(state.day))
    await refresh({ details: true })
  })
  $('play').addEventListener('click', () => void play())
  document.addEventListener('keydown', (event) => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLButtonElement) return
    if (event.key === 'ArrowRight') chooseDay(state.day + 1)
    if (event.key === 'ArrowLeft') chooseDay(state.day - 1)
  })
}

/** The log head from GET /readyz (public; 503 while the read models catch up, with the same body). */
const logHead = async () => (await (await fetch('/readyz')).json()).head

/** New events in the log (e.g. a simulation running): refresh the figures, and the series now and then. */
const watchLog = () =>
  setInterval(async () => {
    if (document.hidden || state.playing || !state.key || !state.plan) return
    try {
      const head = await logHead()
      if (head === state.head) return
      state.head = head
      await refresh({ details: Date.now() - state.detailsAt > 12_000 })
    } catch {
      // the service is restarting: try again at the next tick
    }
  }, 4000)

/** The plans the key can read, then the one asked for in the address (or the one GET /v1/targets means). */
const loadPlans = async () => {
  const answer = await getJson('/v1/plans')
  state.plans = answer.plans
  state.defaultPlan = answer.default
  if (state.plans.length === 0) throw new Error('no plan is published')
  await usePlan(state.requested.plan ?? state.defaultPlan, state.requested.at)
}

/** Everything that needs the key: the plans first, then the figures. */
const open = async () => {
  if (!state.key) return askForKey()
  try {
    if (!state.plan) await loadPlans()
  } catch (error) {
    if (error instanceof AuthError) {
      sessionStorage.removeItem(storageKey)
      state.key = null
      return askForKey(error.message)
    }
    document.body.dataset.state = 'error'
    return $('footer').replaceChildren(el('span', { class: 'error', text: `无法读取计划 Cannot load the plans: ${error.message}` }))
  }
  await refresh({ details: true })
}

const start = async () => {
  state.key = readKey()
  setUpKeyDialog()
  setUpTimeline()
  renderLegend($('legend'))
  window.addEventListener('resize', () => state.cards.forEach((card) => card.resize()))
  state.head = await logHead().catch(() => -1)
  await open()
  watchLog()
}

void start()
