// End to end, in real headless Chromium: 监督台, the judicial bureau's supervision desk.
//
// 上城区市场监督管理局 (李华, `market`) sets 上城区公安分局 a task due in a few seconds (through the
// API: the form is the task pages'), which the police lets run out. 上城区司法局 (张明,
// `bureau`) finds 监督台 in its navigation, sees the police listed with the overdue task named
// by its title, and opens it: the task's page says the bureau supervises it, read only, and
// offers no comment or upload. The market department, not a bureau, has no 监督台.
//
// Leaves in $E2E_ARTIFACTS the screenshot supervision-desk.png.
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

  const task = await step('the market department sets the police a task due in three seconds', async () => {
    const orgs = await orgsByName(M)
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

  await step('the line opens the task, which the bureau reads and cannot change', async () => {
    const { page } = B
    await page.locator(`[data-testid="desk-line"][data-id="${task.id}"] [data-testid="desk-link"]`).click()
    await waitFor(async () => new URL(page.url()).pathname === `/tasks/${task.id}`, 'the task page opens')
    await waitFor(async () => (await page.locator('body').innerText()).includes('本单位为监督机关（只读）'), 'the page says the bureau supervises it')
    if (await byTestId(page, 'task-upload').count()) throw new Error('a supervising bureau was offered an upload')
  })
})
