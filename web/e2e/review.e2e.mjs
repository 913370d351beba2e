// End to end, in real headless Chromium: a cross review of case files (案卷交叉评查).
//
// 上城区司法局 (张明, `bureau`) opens 案卷评查 in its navigation and plans a cross review of
// 上城区市场监督管理局 and 湖滨街道办事处, each reviewing the other's files, with the shipped
// scoring sheet adjusted in the form (renamed, version 2, one deduction worth 4 points a time
// instead of 5; a threshold above the total is refused beside the sheet first), and launches it.
// The township (刘芳) registers a closed file that led to litigation (always reviewed) and
// attaches its scanned file (shown with its SHA-256); the market department registers one too. The bureau draws: the township's file goes to the market
// department, whose administrator 李华 names herself and 陈静 its reviewers (评查人) by name; the two score it together on its live sheet and see each
// other's marks at once; 李华 submits it. The township reads its result and answers (申辩); the
// bureau confirms 不合格 with its reasons, and the file becomes a rectification task the
// township finds under its tasks. The market department's file settled (through the API), the
// bureau concludes, writes the summary live and signs it in the browser: the results are filed
// (报备) with 杭州市司法局. It makes the township's file a typical case (典型案例), writes it up
// anonymised, submits and publishes it; the market department finds it in 案例库 by its words
// and reads it without the case number.
//
// Leaves in $E2E_ARTIFACTS the screenshots review-sheet.png (the plan form's sheet), review-drawn.png, review-scoring.png,
// review-confirmed.png, review-summarised.png and library-case.png.
import { createHash } from 'node:crypto'
import { apiGet, apiPost, byTestId, clickAndConfirm, env, field, newBody, pickOption, run, shot, signIn, step, track, uniqueTag, visible, waitFor } from './lib.mjs'

const tag = uniqueTag()
const TITLE = `行政执法案卷交叉评查${tag}`
const SHEET = `上城区行政执法案卷评查表${tag}`
const CASE = `湖滨执罚〔2025〕${tag.replace(/\D/g, '').slice(-4) || '7'}号`

const stateOf = async (page) => byTestId(page, 'review-state').first().getAttribute('data-state')
async function waitState(body, state) {
  await waitFor(async () => (await stateOf(body.page)) === state, `${body.label}'s page shows ${state}`, { timeout: 20_000 })
}
const command = (page, name) => page.locator(`[data-testid="review-command"][data-command="${name}"]`)
const fileRow = (page) => page.locator('[data-testid="review-file"]').filter({ hasText: CASE })
const countInput = (page, deduction) => fileRow(page).locator(`[data-testid="sheet-count"][data-deduction="${deduction}"] input`)

await run('review.e2e', async (browser) => {
  const B = await newBody(browser, 'bureau')
  const M = await newBody(browser, 'market')
  const M2 = await newBody(browser, 'market-officer')
  const T = await newBody(browser, 'township')
  track(B, M, M2, T)
  let id = ''

  await step('everyone signs in', async () => {
    await Promise.all([
      signIn(B, 'bureau', '张明'), signIn(M, 'market', '李华'), signIn(M2, 'market-officer', '陈静'), signIn(T, 'township', '刘芳'),
    ])
  })

  await step('1. the bureau plans a cross review of the market department and the township from 案卷评查', async () => {
    const { page } = B
    await page.getByRole('menuitem', { name: '案卷评查' }).click()
    await byTestId(page, 'review-new').click()
    await visible(byTestId(page, 'review-form'), 'the planning form')
    await field(page, 'review-title').fill(TITLE)
    const period = byTestId(page, 'review-form').locator('.el-date-editor input')
    await period.nth(0).click()
    await period.nth(0).fill('2025-01-01')
    await period.nth(1).fill('2025-12-31')
    await period.nth(1).press('Enter')
    await byTestId(page, 'review-form').locator('.el-dialog__title').click()
    for (const name of ['上城区市场监督管理局', '湖滨街道办事处']) {
      await pickOption(page, 'review-reviewed', name, { close: true })
      await pickOption(page, 'review-reviewers', name, { close: true })
    }
    // The shipped sheet, adjusted: a deduction no one marks below, so the scores stay as they are.
    await byTestId(page, 'review-sheet-edit').click()
    const editor = await visible(byTestId(page, 'sheet-editor'), 'the sheet editor')
    await visible(byTestId(editor, 'sheet-editor-total').filter({ hasText: '100' }), 'the shipped sheet\'s 100 points')
    await field(editor, 'sheet-name').fill(SHEET)
    for (const [input, value] of [
      [field(editor, 'sheet-version'), '2'],
      [field(editor.locator('[data-testid="sheet-item"][data-id="subject.officers"]'), 'deduction-points'), '4'],
    ]) {
      await input.fill(value)
      await input.press('Tab')
    }
    await visible(byTestId(page, 'review-sheet-summary').filter({ hasText: '第 2 版' }), 'the adjusted sheet\'s summary')
    await shot(page, 'review-sheet.png')
    // A threshold above the total: the server's refusal is shown beside the sheet, in Chinese.
    const excellent = field(editor, 'sheet-excellent')
    await excellent.fill('101')
    await excellent.press('Tab')
    await byTestId(page, 'review-create').click()
    await visible(byTestId(editor, 'sheet-error').filter({ hasText: '等次分数线' }), 'the server\'s refusal of the thresholds')
    await excellent.fill('90')
    await excellent.press('Tab')
    await byTestId(page, 'review-create').click()
    await waitFor(async () => /^\/reviews\/[^/]+$/.test(new URL(page.url()).pathname), 'the new review opens')
    id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
    await waitState(B, 'planned')
    await visible(byTestId(page, 'review-sheet').filter({ hasText: `${SHEET}（第 2 版）` }), 'the review\'s adjusted sheet')
    const { sheet } = await apiGet(B, `/api/reviews/${id}`)
    const officers = sheet.groups[0].items.find((i) => i.id === 'subject.officers')
    if (officers.deductions[0].points !== 4) throw new Error(`the sheet kept ${JSON.stringify(officers)}`)
    await clickAndConfirm(page, command(page, 'launch'), async () => (await stateOf(page)) === 'registering', 'the review is launched (asked first)')
  })

  await step('2. the township registers its litigated file; the market department one of its own', async () => {
    const { page } = T
    await page.goto(`${env.url}/reviews/${id}`)
    await waitState(T, 'registering')
    await byTestId(page, 'review-register').click()
    await visible(byTestId(page, 'review-file-form'), 'the registering form')
    await field(page, 'file-number').fill(CASE)
    await field(page, 'file-title').fill('某餐饮店未按规定公示食品经营许可证案')
    const closed = byTestId(page, 'review-file-form').locator('.el-date-editor input')
    await closed.click()
    await closed.fill('2025-06-30')
    await closed.press('Enter')
    await byTestId(page, 'review-file-form').locator('.el-dialog__title').click()
    await byTestId(page, 'file-litigated').click()
    await byTestId(page, 'file-register').click()
    await visible(fileRow(page), 'the registered file')
    await visible(fileRow(page).getByText('必查案卷'), 'marked as always reviewed')
    // Its scanned file, with the SHA-256 it is kept under.
    const scan = Buffer.from(`%PDF-1.4 ${CASE} 电子卷宗`)
    await fileRow(page).locator('[data-testid="file-attach-input"]').setInputFiles({ name: `${CASE}卷宗.pdf`, mimeType: 'application/pdf', buffer: scan })
    const sha = createHash('sha256').update(scan).digest('hex')
    await waitFor(async () => (await fileRow(page).locator('[data-testid="file-attachment"] [title]').getAttribute('title').catch(() => null)) === sha, 'the scanned file is listed with its SHA-256')
    await apiPost(M, `/api/reviews/${id}/files`, {
      case_number: `上市监罚〔2025〕${tag.slice(-3)}号`, case_kind: 'penalty', title: '某公司未公示年度报告案', closed_on: '2025-05-20',
    })
  })

  await step('3. the bureau draws: the township\'s file goes to the market department', async () => {
    const { page } = B
    await page.reload()
    await clickAndConfirm(page, command(page, 'draw'), async () => (await stateOf(page)) === 'scoring', 'the files are drawn (asked first)')
    await visible(byTestId(page, 'review-seed'), 'the seed of the draw')
    await visible(fileRow(page).getByText('上城区市场监督管理局'), 'the market department reviews the township\'s file')
    await shot(page, 'review-drawn.png')
  })

  await step('4. 李华 and 陈静 score the township\'s file together, live', async () => {
    // 李华, her body's administrator, names the two of them its reviewers (评查人) by name.
    await M.page.goto(`${env.url}/reviews/${id}`)
    await waitState(M, 'scoring')
    await fileRow(M.page).locator('[data-testid="file-name-reviewers"]').click()
    const dialog = byTestId(M.page, 'reviewers-dialog')
    // One open list, both names picked (a multiple choice stays open between picks).
    await byTestId(dialog, 'reviewers-choice').first().click()
    for (const name of ['李华', '陈静']) {
      const option = M.page.locator('.el-select-dropdown:visible .el-select-dropdown__item').filter({ hasText: name }).first()
      await visible(option, `${name} among the market department's people`)
      await option.click()
    }
    await dialog.locator('p.muted').click()
    await waitFor(async () => (await M.page.locator('.el-select-dropdown:visible').count()) === 0, 'the list of people closed')
    await byTestId(dialog, 'reviewers-send').click()
    await waitFor(async () => /李华.*陈静|陈静.*李华/.test(await fileRow(M.page).locator('[data-testid="file-reviewers"]').innerText().catch(() => '')), 'the file shows its reviewers 李华 and 陈静')
    for (const body of [M, M2]) {
      if (body === M2) await body.page.goto(`${env.url}/reviews/${id}`)
      await waitState(body, 'scoring')
      await fileRow(body.page).locator('[data-testid="file-open-sheet"]').click()
      await visible(fileRow(body.page).locator('[data-testid="score-sheet"]'), `${body.label}'s sheet`)
    }
    const mine = countInput(M.page, 'procedure.signature')
    await mine.fill('12')
    await mine.press('Tab')
    await waitFor(async () => (await countInput(M2.page, 'procedure.signature').inputValue()) === '12', '陈静 sees 李华\'s twelve missing signatures')
    const theirs = countInput(M2.page, 'archive.late')
    await theirs.fill('1')
    await theirs.press('Tab')
    await waitFor(async () => (await countInput(M.page, 'archive.late').inputValue()) === '1', '李华 sees 陈静\'s late archiving')
    // 12 × 2 capped at the item's 15, and 0.5: 84.5 on both screens.
    for (const body of [M, M2]) {
      await waitFor(async () => (await fileRow(body.page).locator('[data-testid="sheet-total"]').getAttribute('data-total')) === '84.5', `${body.label} previews 84.5`)
    }
    await shot(M.page, 'review-scoring.png')
    const submit = fileRow(M.page).locator('[data-testid="file-command"][data-command="submit"]')
    await clickAndConfirm(M.page, submit, async () => (await fileRow(M.page).getAttribute('data-state')) === 'submitted', '李华 submits the scores (asked first)')
  })

  await step('5. the township reads its result and answers', async () => {
    const { page } = T
    await page.reload()
    await waitFor(async () => (await fileRow(page).getAttribute('data-state')) === 'submitted', 'the township sees its file scored')
    await visible(fileRow(page).locator('[data-testid="file-result"][data-total="84.5"]'), 'its result, 84.5')
    if (await fileRow(page).locator('[data-testid="file-open-sheet"]').count()) throw new Error('the reviewed body was offered the sheet')
    await fileRow(page).locator('[data-testid="file-command"][data-command="answer"]').click()
    await visible(byTestId(page, 'file-dialog'), 'the answer dialog')
    await field(page, 'file-answer').fill('其中三处为当事人拒绝签名，已在笔录中注明。')
    await byTestId(page, 'file-dialog-send').click()
    await waitFor(async () => (await fileRow(page).getAttribute('data-state')) === 'answered', 'the answer is recorded')
  })

  await step('6. the bureau confirms 不合格 with its reasons: a rectification task results', async () => {
    const { page } = B
    await page.reload()
    await waitFor(async () => (await fileRow(page).getAttribute('data-state')) === 'answered', 'the bureau sees the answer')
    await fileRow(page).locator('[data-testid="file-command"][data-command="confirm"]').click()
    await visible(byTestId(page, 'file-dialog'), 'the confirm dialog')
    await byTestId(page, 'file-dialog').locator('[data-grade="fail"]').click()
    await field(page, 'file-grade-reason').fill('该案系诉讼败诉案件，程序问题是败诉原因')
    await byTestId(page, 'file-dialog-send').click()
    await waitFor(async () => (await fileRow(page).getAttribute('data-state')) === 'confirmed', 'the grade is confirmed')
    await visible(fileRow(page).locator('[data-testid="file-grade"]').filter({ hasText: '不合格' }), 'graded 不合格')
    await visible(fileRow(page).locator('[data-testid="file-task"]'), 'the rectification task')
    await shot(page, 'review-confirmed.png')
  })

  await step('7. the township finds the rectification task', async () => {
    const { page } = T
    await page.reload()
    await fileRow(page).locator('[data-testid="file-task"]').click()
    await waitFor(async () => (await page.locator('body').innerText()).includes(`案卷评查整改：${CASE}`), 'the task page names the file')
  })

  await step('7b. on the bureau\'s desk, the township\'s 不合格案卷数 opens its failed file, which leads back to the review', async () => {
    const { page } = B
    const { reviewed } = await apiGet(B, `/api/reviews/${id}`)
    const township = reviewed.find((b) => b.name === '湖滨街道办事处').org_id
    await page.goto(`${env.url}/`)
    const figure = page.locator(`[data-testid="figures-row"][data-org="${township}"] [data-figure="files_failed"]`)
    await waitFor(async () => (await figure.isVisible()) && Number(await figure.innerText()) >= 1, 'the township\'s failed files counted')
    await figure.click()
    await waitFor(async () => new URL(page.url()).searchParams.get('failed') === 'true', 'the reviewed files open, failed only')
    await visible(byTestId(page, 'figure-filter'), 'the list says which figure it is behind')
    const row = byTestId(page, 'reviewed-file').filter({ hasText: CASE })
    await visible(row.filter({ hasText: '不合格' }), 'the failed file, graded 不合格')
    await row.locator('[data-testid="reviewed-file-review"]').click()
    await waitState(B, 'scoring')
  })

  await step('8. the market department\'s own file is settled; the bureau concludes, writes the summary and signs it: the results are filed with the city bureau', async () => {
    // The other file (scored by the township) goes through the API: submitted, answered, confirmed.
    const fileAct = async (body, file, command, extra = {}) => {
      const { files } = await apiGet(body, `/api/reviews/${id}`)
      const now = files.find((f) => f.id === file)
      return apiPost(body, `/api/reviews/${id}/files/${file}/actions`, { command, revision: now.revision, ...extra })
    }
    const { files } = await apiGet(B, `/api/reviews/${id}`)
    const other = files.find((f) => !f.case_number.startsWith('湖滨')).id
    await fileAct(T, other, 'submit')
    await fileAct(M, other, 'answer', { answer: '无异议' })
    await fileAct(B, other, 'confirm', { grade: 'excellent' })
    const { page } = B
    await page.reload()
    await clickAndConfirm(page, command(page, 'conclude'), async () => (await stateOf(page)) === 'summarising', 'the review is concluded (asked first)')
    const editor = page.locator('[data-testid="review-summary-doc"] .ProseMirror')
    await waitFor(async () => (await editor.getAttribute('contenteditable')) === 'true', 'the summary is editable')
    await editor.click()
    await page.keyboard.type('本次交叉评查共评查案卷 2 件，优秀 1 件，不合格 1 件，已责令整改。', { delay: 10 })
    await waitFor(async () => (await page.locator('body').innerText()).includes('已保存'), 'the summary is saved')
    await clickAndConfirm(page, byTestId(page, 'minutes-freeze'), async () => (await byTestId(page, 'open-signing').count()) > 0, 'the summary is final (asked first)')
    await clickAndConfirm(page, byTestId(page, 'open-signing'), async () => (await byTestId(page, 'sign-button').count()) > 0, 'signing is open')
    const button = byTestId(page, 'sign-button')
    await waitFor(() => button.first().isEnabled(), 'the bureau\'s sign button is enabled')
    await button.first().click()
    await visible(byTestId(page, 'sign-confirm-hash'), 'the signing confirmation with its digest')
    await clickAndConfirm(page, byTestId(page, 'sign-confirm'), async () => (await stateOf(page)) === 'summarised', 'the bureau signs and the results are filed', { timeout: 30_000 })
    await visible(byTestId(page, 'review-summary').getByText('杭州市司法局'), 'filed with the city bureau')
    await shot(page, 'review-summarised.png')
  })

  await step('9. the bureau makes the township\'s file a typical case, writes it up anonymised and publishes it; the market department finds it in 案例库', async () => {
    const { page } = B
    await fileRow(page).locator('[data-testid="file-mark-typical"]').click()
    await visible(byTestId(page, 'typical-dialog'), 'the typical-case form')
    await field(page, 'typical-title').fill(`某餐饮店未公示食品经营许可证案${tag}`)
    await field(page, 'typical-field').fill('食品安全')
    await field(page, 'typical-basis').fill('《中华人民共和国食品安全法》第一百二十六条')
    await byTestId(page, 'typical-send').click()
    await visible(byTestId(page, 'library-case-page'), 'the new case')
    const editor = page.locator('[data-testid="library-write-up-doc"] .ProseMirror')
    await waitFor(async () => (await editor.getAttribute('contenteditable')) === 'true', 'the write-up is editable')
    await editor.click()
    await page.keyboard.type('某餐饮店未在经营场所显著位置公示食品经营许可证，执法部门依法责令改正。', { delay: 10 })
    await waitFor(async () => (await page.locator('body').innerText()).includes('已保存'), 'the write-up is saved')
    const caseCommand = (name) => page.locator(`[data-testid="library-command"][data-command="${name}"]`)
    const caseState = async () => byTestId(page, 'library-case-state').first().getAttribute('data-state')
    await clickAndConfirm(page, caseCommand('submit'), async () => (await caseState()) === 'checking', 'the write-up is submitted for checking (asked first)')
    await caseCommand('publish').click()
    await visible(byTestId(page, 'library-public'), 'the publishing dialog with the public mark')
    await byTestId(page, 'library-dialog-send').click()
    await waitFor(async () => (await caseState()) === 'published', 'the case is published')
    await visible(byTestId(page, 'library-export-html'), 'the export for publication')
    await waitFor(async () => (await page.locator('.el-overlay-dialog:visible').count()) === 0, 'the publishing dialog closed')
    await shot(page, 'library-case.png')

    const market = M.page
    await market.getByRole('menuitem', { name: '案卷评查' }).click()
    await byTestId(market, 'open-library').click()
    await field(market, 'library-q').fill(tag)
    await byTestId(market, 'library-search').click()
    await market.locator('[data-testid="library-case"]').filter({ hasText: tag }).locator('a').first().click()
    await waitFor(async () => (await market.locator('body').innerText()).includes('某餐饮店未在经营场所显著位置公示食品经营许可证'), 'the market department reads the published text')
    if ((await market.locator('body').innerText()).includes(CASE)) throw new Error('a reader of the library was shown the case number')
  })
})
