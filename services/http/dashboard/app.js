// The dashboard's state and data flow: the API key (from the URL fragment, kept in session
// storage, never in the URL afterwards), the business date (`at`) chosen on the time line, and
// the public API: GET /v1/targets?at= for the figures, GET /v1/targets/{id} once for the year's
// monthly series, GET /v1/alerts when the server offers it, GET /readyz to notice new data.
import { longDate } from './format.js'
import { createCard, el, renderAlerts, renderLegend, renderMatrix, renderTally } from './render.js'

const storageKey = 'targetwatch.key'
const firstDay = Date.UTC(2020, 0, 1)
const closedDay = 366 // the step after 31 December: the year closed, final verdicts
const $ = (id) => document.getElementById(id)

class AuthError extends Error {}

const state = {
  key: null,
  meta: null,
  regionNames: new Map(),
  day: closedDay,
  filter: null,
  cards: new Map(),
  details: new Map(),
  detailsAt: 0,
  reports: [],
  head: -1,
  playing: false,
  loading: null,
}

const dateOfDay = (day) => new Date(firstDay + day * 86_400_000).toISOString().slice(0, 10)
const dayOfDate = (date) => Math.round((Date.parse(`${date}T00:00:00Z`) - firstDay) / 86_400_000)
const atOf = (day) => (day >= closedDay ? null : dateOfDay(day))

const readKey = () => {
  const params = new URLSearchParams(location.hash.slice(1))
  const fromUrl = params.get('key')
  if (fromUrl) {
    sessionStorage.setItem(storageKey, fromUrl)
    params.delete('key')
    history.replaceState(null, '', `${location.pathname}${location.search}${params.size ? `#${params}` : ''}`)
  }
  const at = params.get('at')
  if (at && /^2020-\d{2}-\d{2}$/.test(at)) state.day = Math.min(365, Math.max(0, dayOfDate(at)))
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
    void refresh({ details: true })
  })
}

const showDate = () => {
  const at = atOf(state.day)
  $('day').value = String(state.day)
  $('date').value = at ?? '2020-12-31'
  $('closed').setAttribute('aria-pressed', at ? 'false' : 'true')
  $('when-label').replaceChildren(
    at ? el('span', { text: longDate(at) }) : el('span', { text: '年终结算 · 全年考核结果' }),
    el('span', { class: 'en', text: at ? `figures as at the end of ${at}` : 'the year closed: final verdicts' }),
  )
  const params = new URLSearchParams(location.hash.slice(1))
  if (at) params.set('at', at)
  else params.delete('at')
  history.replaceState(null, '', `${location.pathname}${location.search}${params.size ? `#${params}` : ''}`)
}

const renderAll = (answer) => {
  state.reports = answer.targets
  const cards = $('cards')
  if (state.cards.size === 0) for (const report of answer.targets) {
    const card = createCard(report, state.regionNames)
    state.cards.set(report.id, card)
    cards.append(card.root)
  }
  const month = state.day >= closedDay ? 13 : Number(dateOfDay(state.day).slice(5, 7))
  for (const report of answer.targets) state.cards.get(report.id)?.update(report, state.details.get(report.id), month)
  applyFilter()
  renderTally($('tally'), answer.targets, state.filter, pickStatus)
  renderMatrix($('matrix'), answer.targets, state.meta)
  $('footer').replaceChildren(
    el('span', { text: `日志位置 Log position ${answer.position}` }),
    el('span', { text: `目录版本 Catalog ${answer.catalogVersion ?? ''}` }),
    el('span', { text: `投影 Projection ${answer.projection?.name ?? ''} v${answer.projection?.version ?? ''}` }),
    el('a', { href: '/docs', text: 'API 文档 API docs' }),
  )
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

/** The year's monthly series of every target (the year closed), reloaded when the log grows. */
const loadDetails = async () => {
  const details = await Promise.all(state.reports.map((r) => getJson(`/v1/targets/${encodeURIComponent(r.id)}`)))
  for (const detail of details) state.details.set(detail.id, detail)
  state.detailsAt = Date.now()
}

const loadAlerts = async () => {
  const titles = new Map(state.reports.map((r) => [r.id, r.title.zh]))
  try {
    renderAlerts($('alerts'), $('firing'), await getJson('/v1/alerts?limit=12', { allow404: true }), titles, state.regionNames)
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
      const answer = await getJson(`/v1/targets${at ? `?at=${at}` : ''}`)
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
  state.day = Math.min(closedDay, Math.max(0, day))
  showDate()
  void refresh()
}

const play = async () => {
  if (state.playing) return void (state.playing = false)
  state.playing = true
  $('play').textContent = '❚❚'
  if (state.day >= 365) state.day = 0
  while (state.playing && state.day < 365) {
    chooseDay(Math.min(365, state.day + 7))
    await state.loading
    await new Promise((resolve) => setTimeout(resolve, 120))
  }
  state.playing = false
  $('play').textContent = '▶'
}

const setUpTimeline = () => {
  const months = $('months')
  for (let m = 1; m <= 12; m++) months.append(el('span', { text: `${m}月` }))
  months.append(el('span', { class: 'end', text: '年终' }))
  let timer = null
  $('day').addEventListener('input', () => {
    state.day = Number($('day').value)
    showDate()
    clearTimeout(timer)
    timer = setTimeout(() => void refresh(), 120)
  })
  $('date').addEventListener('change', () => {
    const value = $('date').value
    if (/^2020-\d{2}-\d{2}$/.test(value)) chooseDay(dayOfDate(value))
  })
  $('closed').addEventListener('click', () => chooseDay(closedDay))
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
    if (document.hidden || state.playing || !state.key) return
    try {
      const head = await logHead()
      if (head === state.head) return
      state.head = head
      await refresh({ details: Date.now() - state.detailsAt > 12_000 })
    } catch {
      // the service is restarting: try again at the next tick
    }
  }, 4000)

const start = async () => {
  state.key = readKey()
  state.meta = await getJson('/dashboard/meta.json', { auth: false })
  state.regionNames = new Map([state.meta.province, ...state.meta.regions].map((r) => [r.id, r]))
  setUpKeyDialog()
  setUpTimeline()
  renderLegend($('legend'))
  showDate()
  window.addEventListener('resize', () => state.cards.forEach((card) => card.resize()))
  state.head = await logHead().catch(() => -1)
  await refresh({ details: true })
  watchLog()
}

void start()
