// End to end, in real headless Chromium: an enforcement department organises a review of its
// own field (issue 23: "organised by a bureau, or a department's supervision body for its own
// field").
//
// The operator adds a law-enforcement squad under 上城区市场监督管理局 (`parent_id`) through the
// API. 李华 (`market`, the department's administrator) opens 案卷评查, where a department may
// now organise a review: the form offers the department and its squad, never 湖滨街道办事处 (of
// the region, not of the department's field); she plans a 全面评查 of both and launches it.
//
// Leaves in $E2E_ARTIFACTS the screenshot review-department-plan.png (the plan form).
import { apiPost, byTestId, clickAndConfirm, field, newBody, orgsByName, pickOption, run, shot, signIn, step, track, uniqueTag, visible, waitFor } from './lib.mjs'

const tag = uniqueTag()
const TITLE = `市场监管执法案卷全面评查${tag}`
const SQUAD = `上城区市场监管执法大队${tag}`
const DEPARTMENT = '上城区市场监督管理局'

const stateOf = async (page) => byTestId(page, 'review-state').first().getAttribute('data-state')

await run('review-department.e2e', async (browser) => {
  const op = await newBody(browser, 'operator')
  const M = await newBody(browser, 'market')
  track(op, M)

  await step('the operator adds a squad under the market department', async () => {
    await signIn(op, 'operator', '系统管理员')
    const market = (await orgsByName(op))[DEPARTMENT]
    await apiPost(op, '/api/orgs', {
      code: `squad-${tag}`, name_zh: SQUAD, kind: 'other', region: '330102', parent_id: market.id,
    })
  })

  await step('the department plans a review of its own field from 案卷评查', async () => {
    const { page } = M
    await signIn(M, 'market', '李华')
    await page.getByRole('menuitem', { name: '案卷评查' }).click()
    await byTestId(page, 'review-new').click()
    await visible(byTestId(page, 'review-form'), 'the planning form')
    await pickOption(page, 'review-kind', '全面评查')
    await field(page, 'review-title').fill(TITLE)
    const period = byTestId(page, 'review-form').locator('.el-date-editor input')
    await period.nth(0).click()
    await period.nth(0).fill('2025-01-01')
    await period.nth(1).fill('2025-12-31')
    await period.nth(1).press('Enter')
    await byTestId(page, 'review-form').locator('.el-dialog__title').click()
    // Its field alone is offered: the department and its squad, not the township.
    await byTestId(page, 'review-reviewed').first().click()
    const options = page.locator('.el-select-dropdown:visible .el-select-dropdown__item')
    await waitFor(async () => (await options.count()) > 0, 'the reviewed bodies offered')
    const offered = (await options.allInnerTexts()).map((s) => s.trim()).sort()
    if (JSON.stringify(offered) !== JSON.stringify([DEPARTMENT, SQUAD].sort())) throw new Error(`offered ${JSON.stringify(offered)}`)
    await page.keyboard.press('Escape')
    await waitFor(async () => (await page.locator('.el-select-dropdown:visible').count()) === 0, 'the options closed')
    for (const name of [DEPARTMENT, SQUAD]) await pickOption(page, 'review-reviewed', name, { close: true })
    await visible(byTestId(page, 'review-form').getByText('评查单位（不选则由本部门评查）'), 'the reviewers\' label of a department')
    await shot(page, 'review-department-plan.png')
    await byTestId(page, 'review-create').click()
    await waitFor(async () => /^\/reviews\/[^/]+$/.test(new URL(page.url()).pathname), 'the new review opens')
    await waitFor(async () => (await stateOf(page)) === 'planned', 'the review is planned')
    await clickAndConfirm(page, page.locator('[data-testid="review-command"][data-command="launch"]'), async () => (await stateOf(page)) === 'registering', 'the review is launched (asked first)')
  })
})
