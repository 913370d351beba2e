// End to end, in real headless Chromium: 监督台, the judicial bureau's supervision desk.
//
// 上城区市场监督管理局 (李华, `market`) sets 上城区公安分局 a task due in a few seconds (through the
// API: the form is the task pages'), which the police lets run out. 上城区司法局 (张明,
// `bureau`) finds 监督台 in its navigation, sees the police listed with the overdue task named
// by its title, with the police's count of overdue tasks, which opens all of the police's
// overdue tasks (read on demand from the desk's lines); it opens the task: the task's page says
// the bureau supervises it, read only, and offers no comment or upload. The market department, not a bureau, has no 监督台.
//
// Below the lines, 监督台 shows the region's figures (评议考核) with their charts (ECharts, drawn
// as SVG): the overdue-rate chart names the police; the police's 超期任务 figure opens the task
// list filtered to the police, overdue, this year, which holds as many tasks as the figure
// counted, the overdue one among them; the police's bar in the chart opens the same list.
//
// Leaves in $E2E_ARTIFACTS the screenshots supervision-desk.png, supervision-desk-charts.png
// and supervision-figure-tasks.png.
import { apiPost, byTestId, env, newBody, orgsByName, run, shot, signIn, step, track, uniqueTag, visible, waitFor } from './lib.mjs'

const tag = uniqueTag()
const title = `核查占道经营投诉${tag}`

await run('supervision.e2e', async (browser) => {
  const M = await newBody(browser, 'market')
  const B = await newBody(browser, 'bureau')
  track(M, B)

  await step('everyone signs in', async () => {
    await Promise.all([signIn(M, 'market', '李华'), signIn(B, 'bureau', '张明')])
  })

  let police = ''
  const task = await step('the market department sets the police a task due in three seconds', async () => {
    const orgs = await orgsByName(M)
    police = orgs['上城区公安分局'].id
    return apiPost(M, '/api/tasks', {
      title,
      body: '请核查并反馈处理结果。',
      assignee_org_id: orgs['上城区公安分局'].id,
      due_at: Date.now() + 3_000,
    })
  })

  await step('the market department has no 监督台', async () => {
    await M.page.goto(`${env.url}/`)
    await visible(M.page.getByRole('menuitem', { name: '工作台' }), 'the navigation')
    if (await M.page.getByRole('menuitem', { name: '监督台' }).count()) throw new Error('a department was offered 监督台')
  })

  await step('the bureau opens 监督台 and finds the overdue task under the police', async () => {
    const { page } = B
    await page.waitForTimeout(3_500)
    await page.goto(`${env.url}/`)
    await page.getByRole('menuitem', { name: '监督台' }).click()
    await visible(byTestId(page, 'supervision-desk'), 'the desk')
    await waitFor(async () => (await page.locator('h1').innerText()).includes('上城区监督台'), 'the desk names 上城区')
    const line = page.locator(`[data-testid="desk-line"][data-id="${task.id}"]`)
    await visible(line, 'the overdue task on the desk')
    const body = page.locator('[data-testid="desk-body"]', { has: line })
    await waitFor(async () => (await body.innerText()).includes('上城区公安分局'), 'the line is under the police')
    const text = await line.innerText()
    for (const words of [title, '任务', '办理期限', '今日逾期', '上城区市场监督管理局']) {
      if (!text.includes(words)) throw new Error(`the line does not say ${words}: ${text}`)
    }
    await shot(page, 'supervision-desk.png')
  })

  await step('the police\'s count of overdue tasks opens all of its overdue tasks', async () => {
    const { page } = B
    const body = page.locator(`[data-testid="desk-body"][data-org="${police}"]`)
    const count = body.locator('[data-testid="desk-count"][data-kind="task"]')
    await visible(count, 'the police\'s task count')
    if (!/任务\s*[1-9]/.test(await count.innerText())) throw new Error(`the count says ${await count.innerText()}`)
    await count.click()
    await visible(body.locator('[data-testid="desk-opened"][data-kind="task"]'), 'the police\'s tasks opened')
    await visible(body.locator(`[data-testid="desk-line"][data-id="${task.id}"]`), 'the overdue task among them')
    // A second click closes them: the desk's own lines again.
    await count.click()
    await waitFor(async () => (await body.locator('[data-testid="desk-opened"]').count()) === 0, 'the lines closed')
  })

  await step('the desk charts the region\'s figures, the police in the overdue-rate chart', async () => {
    const { page } = B
    const chart = byTestId(page, 'figures-chart-overdue')
    await visible(chart.locator('svg'), 'the overdue-rate chart drawn as SVG')
    await waitFor(async () => (await chart.locator('svg').innerHTML()).includes('上城区公安分局'), 'the chart names the police')
    if ((await chart.locator('svg path').count()) < 1) throw new Error('the chart has no bars')
    for (const kind of ['acknowledgement', 'rectification']) await visible(byTestId(page, `figures-chart-${kind}`), `the ${kind} chart`)
    await chart.scrollIntoViewIfNeeded()
    await shot(page, 'supervision-desk-charts.png')
  })

  await step('the police\'s 超期任务 opens the task list filtered to the police, overdue, this year', async () => {
    const { page } = B
    const figure = page.locator(`[data-testid="figures-row"][data-org="${police}"] [data-figure="tasks_overdue"]`)
    await visible(figure, 'the police\'s overdue figure')
    const counted = Number(await figure.innerText())
    if (counted < 1) throw new Error(`the figure counted ${counted} overdue tasks`)
    await figure.click()
    await waitFor(async () => {
      const url = new URL(page.url())
      return url.pathname === '/tasks' && url.searchParams.get('org') === police && url.searchParams.get('overdue') === 'true'
    }, 'the filtered task list opens')
    await visible(byTestId(page, 'figure-filter'), 'the list says which figure it is behind')
    await visible(page.locator(`[data-testid="task-row"][data-task-id="${task.id}"]`), 'the overdue task in the list')
    await waitFor(async () => (await byTestId(page, 'task-row').count()) === counted, `the list holds the ${counted} task(s) counted`)
    const head = await byTestId(page, 'figure-filter').innerText()
    for (const words of ['超期任务', '上城区公安分局']) if (!head.includes(words)) throw new Error(`the list head does not say ${words}: ${head}`)
    await shot(page, 'supervision-figure-tasks.png')
    await page.goBack()
    await visible(byTestId(page, 'supervision-desk'), 'back on the desk')
  })

  await step('the police\'s bar in the overdue-rate chart opens the same list', async () => {
    const { page } = B
    // The chart's one series is drawn in its red; the police's bar is the only one.
    const bar = byTestId(page, 'figures-chart-overdue').locator('svg path[fill="#c45656"]')
    await visible(bar, 'the police\'s bar')
    await bar.first().click()
    await waitFor(async () => {
      const url = new URL(page.url())
      return url.pathname === '/tasks' && url.searchParams.get('org') === police && url.searchParams.get('overdue') === 'true'
    }, 'the bar opens the filtered task list')
    await visible(page.locator(`[data-testid="task-row"][data-task-id="${task.id}"]`), 'the overdue task in the list')
    await page.goBack()
    await visible(byTestId(page, 'supervision-desk'), 'back on the desk')
  })

  await step('the line opens the task, which the bureau reads and cannot change', async () => {
    const { page } = B
    await page.locator(`[data-testid="desk-line"][data-id="${task.id}"] [data-testid="desk-link"]`).click()
    await waitFor(async () => new URL(page.url()).pathname === `/tasks/${task.id}`, 'the task page opens')
    await waitFor(async () => (await page.locator('body').innerText()).includes('本单位为监督机关（只读）'), 'the page says the bureau supervises it')
    if (await byTestId(page, 'task-upload').count()) throw new Error('a supervising bureau was offered an upload')
  })
})
