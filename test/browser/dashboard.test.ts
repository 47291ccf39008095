// The dashboard in a real browser (Debian's chromium through playwright-core) against the real
// service in a child process, after a small simulated year: every catalog target has a card
// whose status is the API's, the region table agrees, the date control replays the year through
// `at`, the key never stays in the URL, the page raises no console error, and a screenshot of
// each view is saved under test-output/browser/ for a human to look at.
import t, { type Test } from 'tap'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { seedPlan } from '../../seeds/plans.ts'
import { postYear, waitForProjection } from '../../seeds/simulate/client.ts'
import { simulateYear } from '../../seeds/simulate/year.ts'
import { zunyi2021 } from '../fixtures/zunyi-2021.ts'
import { adminKey } from '../helpers/harness.ts'
import { projectRoot, startService } from '../helpers/process.ts'

t.setTimeout(240_000)

const chromiumPath = '/usr/bin/chromium'
const outputDir = path.join(projectRoot, 'test-output', 'browser')
const catalog = seedPlan()

interface Report {
  id: string
  status: string
  value: number | null
  regions: { region: string; status: string }[]
  provisional: boolean
  finalFrom: string
  margin?: string
  coverage?: { reported: number; expected: number }
  open?: number
  overdue?: number
}

const api = async (url: string, route: string, key: string) => {
  const response = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${key}` } })
  if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`)
  return response.json()
}

/** Card statuses and region-table statuses as the page shows them. */
const shown = async (page: Page) => ({
  cards: Object.fromEntries(
    await page.locator('.card[data-target]').evaluateAll((cards) => cards.map((card) => [card.getAttribute('data-target'), card.getAttribute('data-status')])),
  ) as Record<string, string>,
  cells: await page.locator('#matrix tr[data-target] td[data-region]').evaluateAll((cells) =>
    cells.map((cell) => ({
      target: cell.parentElement?.getAttribute('data-target'),
      region: cell.getAttribute('data-region'),
      status: cell.getAttribute('data-status'),
    })),
  ),
})

const expectAgreement = async (t: Test, page: Page, reports: Report[], when: string) => {
  const { cards, cells } = await shown(page)
  const notes = Object.fromEntries(
    await page.locator('.card[data-target]').evaluateAll((all) =>
      all.map((c) => [c.getAttribute('data-target'), { provisional: c.getAttribute('data-provisional'), margin: c.getAttribute('data-margin'), coverage: c.getAttribute('data-coverage'), open: c.getAttribute('data-open'), text: c.querySelector('.verdict-note')?.textContent ?? '' }]),
    ),
  ) as Record<string, { provisional: string; margin: string; coverage: string; open: string; text: string }>
  for (const target of catalog.targets) {
    const report = reports.find((r) => r.id === target.id)!
    t.equal(cards[target.id], report.status, `${when}: card ${target.id} shows ${report.status}`)
    // Provisional, coverage, margin and open incidents beside the status (issue "Honest verdicts").
    const note = notes[target.id]!
    t.equal(note.provisional, String(report.provisional), `${when}: ${target.id} provisional ${report.provisional}`)
    if (report.provisional) t.match(note.text, `Provisional: final from ${report.finalFrom}`)
    t.equal(note.margin, report.margin ?? '', `${when}: ${target.id} margin`)
    if (report.margin === 'within_interval') t.match(note.text, 'Within the statistical margin')
    t.equal(note.coverage, report.coverage ? `${report.coverage.reported}/${report.coverage.expected}` : '', `${when}: ${target.id} coverage`)
    t.equal(note.open, report.open === undefined ? '' : `${report.open}/${report.overdue ?? 0}`, `${when}: ${target.id} open incidents`)
  }
  const expectedCells = reports.flatMap((r) => [
    { target: r.id, region: 'guizhou', status: r.status },
    ...r.regions.map((entry) => ({ target: r.id, region: entry.region, status: entry.status })),
  ])
  t.same(cells, expectedCells, `${when}: every cell of the region table has the API's status`)
}

const launch = (): Promise<BrowserContext> => {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  return chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  })
}

/** Console errors, uncaught exceptions, failed requests and error responses of a page. */
const watchForErrors = (page: Page) => {
  const problems: string[] = []
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`))
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`))
  page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`))
  return problems
}

t.test("the dashboard shows the API's figures for every target, and replays the year", async (t) => {
  t.ok(existsSync(chromiumPath), `${chromiumPath} is installed (apt-get install chromium; .ci/run does)`)
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'targetwatch-browser-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const service = await startService({ TARGETWATCH_DATA_DIR: dataDir, TARGETWATCH_ADMIN_KEY: adminKey })
  t.teardown(async () => {
    service.child.kill('SIGTERM')
    await service.exited
  })
  const { url } = service

  const year = simulateYear({ seed: 7, scale: 0.01, plan: catalog })
  const summary = await postYear(year, { url, key: adminKey })
  t.equal(summary.rejected, 0, `the simulated year was accepted (${summary.appended} events)`)
  await waitForProjection(url, summary.lastPosition)
  const created = await fetch(`${url}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'dashboard test', role: 'viewer' }),
  })
  const viewer = ((await created.json()) as { key: string }).key

  const closed = ((await api(url, '/v1/targets', viewer)) as { targets: Report[] }).targets
  const june = ((await api(url, '/v1/targets?at=2020-06-30', viewer)) as { targets: Report[] }).targets
  t.ok(new Set(closed.map((r) => r.status)).size >= 3, 'the simulated year ends with a mix of statuses')

  mkdirSync(outputDir, { recursive: true })
  const context = await launch()
  t.teardown(() => context.close())
  const page = await context.newPage()
  const problems = watchForErrors(page)

  const response = await page.goto(`${url}/#key=${encodeURIComponent(viewer)}`)
  const headers = response!.headers()
  t.match(headers['content-security-policy'], /script-src 'self'/)
  t.notMatch(headers['content-security-policy'], /unsafe-inline|unsafe-eval/, 'no inline script or style is allowed')
  t.match(headers['content-security-policy'], /frame-ancestors 'none'/)
  t.equal(headers['x-content-type-options'], 'nosniff')
  t.equal(headers['referrer-policy'], 'no-referrer')

  await page.waitForSelector('body[data-state="ready"][data-at="closed"]')
  t.notMatch(page.url(), viewer.slice(3, 15), 'the key left the address bar')
  t.equal(await page.evaluate("sessionStorage.getItem('targetwatch.key')"), viewer, 'and is kept in session storage')
  await expectAgreement(t, page, closed, 'year closed')
  for (const target of catalog.targets)
    t.equal(await page.locator(`.card[data-target="${target.id}"] h3`).textContent(), target.title.zh, `${target.id} is titled in Chinese`)
  t.equal(await page.locator('.card .chart canvas').count(), catalog.targets.length, 'every card has its monthly chart')
  const entities = page.locator('.card[data-target="new-market-entities"] .value')
  const entitiesClosed = closed.find((r) => r.id === 'new-market-entities')!.value!
  t.equal((await entities.textContent())!.replace(/\D/g, ''), String(entitiesClosed), 'new market entities: the year total')
  await page.screenshot({ path: path.join(outputDir, 'dashboard-year-closed.png'), fullPage: true })

  await page.fill('#date', '2020-06-30')
  await page.waitForSelector('body[data-state="ready"][data-at="2020-06-30"]')
  await expectAgreement(t, page, june, '2020-06-30')
  const entitiesJune = june.find((r) => r.id === 'new-market-entities')!.value!
  t.ok(entitiesJune < entitiesClosed, 'fewer entities had registered by the end of June')
  t.equal((await entities.textContent())!.replace(/\D/g, ''), String(entitiesJune), 'new market entities: the figure at 30 June')
  t.match(page.url(), /#at=2020-06-30$/, 'the date is in the address, to share')
  await page.screenshot({ path: path.join(outputDir, 'dashboard-2020-06-30.png'), fullPage: true })

  await page.click('#closed')
  await page.waitForSelector('body[data-state="ready"][data-at="closed"]')
  t.equal((await entities.textContent())!.replace(/\D/g, ''), String(entitiesClosed), 'back at the year closed')

  // A new tab has no key: the page asks for one, and reads with what it is given.
  const second = await context.newPage()
  const secondProblems = watchForErrors(second)
  await second.goto(url)
  await second.waitForSelector('#key-dialog[open]')
  t.equal(await second.locator('body').getAttribute('data-state'), 'key', 'without a key the page asks for one')
  await second.fill('#key-input', viewer)
  await second.click('#key-form button[type="submit"]')
  await second.waitForSelector('body[data-state="ready"]')
  t.equal(await second.locator('.card[data-target]').count(), catalog.targets.length)

  // A second plan, published over HTTP: the page offers it, and its period, region set and
  // targets replace the 2020 plan's — nothing in the page's code knows either plan.
  const published = await fetch(`${url}/v1/plans`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(zunyi2021),
  })
  t.equal(published.status, 201, 'a second plan is published')
  const plansListed = (await api(url, '/v1/plans', viewer)) as { plans: { id: string }[] }
  await page.reload()
  await page.waitForSelector('body[data-state="ready"][data-plan="guizhou-2020"]')
  t.equal(await page.locator('#plan option').count(), plansListed.plans.length, 'the plan selector lists every published plan')
  t.equal(await page.locator('#plan-title').textContent(), catalog.title.zh, 'the masthead names the 2020 plan')
  await page.selectOption('#plan', 'zunyi-2021')
  await page.waitForSelector('body[data-state="ready"][data-plan="zunyi-2021"][data-at="closed"]')
  t.equal(await page.locator('#plan-title').textContent(), zunyi2021.title.zh, "the masthead names the chosen plan")
  t.equal(await page.locator('#date').getAttribute('min'), zunyi2021.period.start, "the time line starts at the plan's period")
  t.equal(await page.locator('#date').getAttribute('max'), zunyi2021.period.end, "and ends with it")
  t.match(page.url(), /#plan=zunyi-2021$/, 'the plan is in the address, to share')
  const zunyiReports = ((await api(url, '/v1/plans/zunyi-2021/targets', viewer)) as { targets: Report[] }).targets
  const zunyiCards = await page.locator('.card[data-target]').evaluateAll((cards) => cards.map((c) => [c.getAttribute('data-target'), c.getAttribute('data-status')]))
  t.same(zunyiCards, zunyiReports.map((r) => [r.id, r.status]), "the cards are the chosen plan's targets, with the API's statuses")
  const columns = await page.locator('#matrix th[scope="col"]').count()
  t.equal(columns, zunyi2021.regionSet.regions.length + 2, "the region table's columns are the plan's region set (its root and its counties)")
  await page.fill('#date', '2021-06-30')
  await page.waitForSelector('body[data-state="ready"][data-plan="zunyi-2021"][data-at="2021-06-30"]')
  t.match(page.url(), /plan=zunyi-2021/, 'a date inside the period keeps the plan')
  await page.screenshot({ path: path.join(outputDir, 'dashboard-second-plan.png'), fullPage: true })

  t.same([...problems, ...secondProblems], [], 'no console errors, failed requests or error responses')
})
