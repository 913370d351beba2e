// End to end, in real headless Chromium: a supervision document (监督文书) and its
// rectification (整改).
//
// 上城区司法局 (张明, `bureau`) drafts a 行政执法监督通知书 to 上城区市场监督管理局 (李华, `market`)
// from 监督文书 in its navigation, writes the text live, finalises it (定稿, numbered 监通〔年〕号)
// and signs it in the browser with a key made there: the signature issues it. The market
// department, which never saw the draft, finds it under 本单位收到, opens the delivery notice from
// it and signs for it (签收): its report is due in twenty working days. The scenario cannot wait
// twenty working days: it writes the document's id to `supervision-id.txt` and waits for
// `time-passed`, which the Rust test (tests/it/web.rs) writes once it has moved the deadline and
// the report's reminders back in the database, as if the days had passed; the server's own
// worker then sends 催办 and 督办. The bureau finds the document on 监督台 under the market
// department, 已督办. The market department attaches its evidence and submits the report, late;
// the bureau sends it back with reasons; the second report is accepted and the matter closed,
// and 监督台 no longer lists it.
//
// Leaves in $E2E_ARTIFACTS the screenshots supervision-draft.png, supervision-issued.png,
// supervision-received.png, supervision-desk-overdue.png, supervision-report-late.png,
// supervision-sent-back.png and supervision-closed.png.
import { existsSync, writeFileSync } from 'node:fs'
import { artifact, attrIs, byTestId, clickAndConfirm, env, field, newBody, pickOption, run, shot, signIn, step, track, uniqueTag, visible, waitFor } from './lib.mjs'

const tag = uniqueTag()
const TITLE = `关于规范行政处罚告知程序的监督通知${tag}`
const TEXT = '经检查，你局部分行政处罚案件未依法履行告知程序。请对照《行政处罚法》逐案复查并整改。'
const REPORT_1 = '已对本年度处罚案件逐一复查，补正告知程序。'
const SENT_BACK = '未附逐案复查清单，请补充后重报。'
const REPORT_2 = '已补充逐案复查清单。'

const stateOf = async (page) => byTestId(page, 'supervision-doc-state').first().getAttribute('data-state')
async function waitState(body, state, what = '') {
  await waitFor(async () => (await stateOf(body.page)) === state, `${body.label}'s page shows ${state} ${what}`.trim(), { timeout: 20_000 })
}
const command = (page, name) => page.locator(`[data-testid="supervision-command"][data-command="${name}"]`)

/** Gives a command that asks for words (the report, reasons) through its dialog. */
async function withWords(body, name, words, state) {
  const { page } = body
  await command(page, name).click()
  await visible(byTestId(page, 'supervision-dialog-text'), `the ${name} dialog`)
  await field(page, 'supervision-dialog-text').fill(words)
  await byTestId(page, 'supervision-dialog-confirm').click()
  await waitState(body, state, `after ${name}`)
}

async function attach(body, name, bytes) {
  const { page } = body
  const before = await byTestId(page, 'supervision-pending-file').count()
  await byTestId(page, 'supervision-evidence-input').setInputFiles({ name, mimeType: 'application/pdf', buffer: Buffer.from(bytes) })
  await waitFor(async () => (await byTestId(page, 'supervision-pending-file').count()) === before + 1, `${name} attached`)
}

await run('supervision-docs.e2e', async (browser) => {
  const B = await newBody(browser, 'bureau')
  const M = await newBody(browser, 'market')
  track(B, M)
  let id = ''

  await step('everyone signs in', async () => {
    await Promise.all([signIn(B, 'bureau', '张明'), signIn(M, 'market', '李华')])
  })

  await step('1. the bureau drafts a 监督通知书 to the market department from 监督文书', async () => {
    const { page } = B
    await page.getByRole('menuitem', { name: '监督文书' }).click()
    await byTestId(page, 'supervision-doc-new').click()
    await visible(byTestId(page, 'supervision-doc-form'), 'the drafting form')
    await byTestId(page, 'supervision-doc-kind-notice').click()
    await pickOption(page, 'supervision-doc-body', '上城区市场监督管理局')
    await field(page, 'supervision-doc-title').fill(TITLE)
    await byTestId(page, 'supervision-doc-create').click()
    await waitFor(async () => new URL(page.url()).pathname.startsWith('/supervision-docs/'), 'the new document opens')
    id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
    await waitState(B, 'drafting')
    const editor = page.locator('[data-testid="supervision-text"] .ProseMirror')
    await waitFor(async () => (await editor.getAttribute('contenteditable')) === 'true', 'the bureau\'s text is editable')
    await editor.click()
    await page.keyboard.type(TEXT, { delay: 10 })
    await waitFor(async () => (await page.locator('body').innerText()).includes('已保存'), 'the text is saved')
    await shot(page, 'supervision-draft.png')
  })

  await step('2. the market department does not see the draft', async () => {
    const { page } = M
    const answer = await page.request.get(`${env.url}/api/supervision-docs/${id}`)
    if (answer.status() !== 404) throw new Error(`the body saw the draft: ${answer.status()}`)
  })

  await step('3. the bureau finalises the text and signs it in the browser: the signature issues it', async () => {
    const { page } = B
    await clickAndConfirm(page, byTestId(page, 'minutes-freeze'), async () => (await byTestId(page, 'open-signing').count()) > 0, 'the text is final (asked first)')
    await clickAndConfirm(page, byTestId(page, 'open-signing'), async () => (await byTestId(page, 'sign-button').count()) > 0, 'signing is open')
    const button = byTestId(page, 'sign-button')
    await waitFor(() => button.first().isEnabled(), 'the bureau\'s sign button is enabled')
    await button.first().click()
    await visible(byTestId(page, 'sign-confirm-hash'), 'the signing confirmation with its digest')
    await clickAndConfirm(page, byTestId(page, 'sign-confirm'), async () => (await stateOf(page)) === 'issued', 'the bureau signs and it is issued', { timeout: 30_000 })
    await shot(page, 'supervision-issued.png')
  })

  await step('4. the market department finds it under 本单位收到, opens the delivery notice and signs for it (签收)', async () => {
    const { page } = M
    await page.getByRole('menuitem', { name: '监督文书' }).click()
    const row = page.locator(`[data-testid="supervision-doc-row"][data-id="${id}"]`)
    await visible(row, 'the document under 本单位收到')
    await row.locator('[data-testid="supervision-doc-link"]').click()
    await waitState(M, 'issued')
    await attrIs(byTestId(page, 'supervision-doc-part'), 'data-part', 'body', 'the market department\'s part')
    await byTestId(page, 'supervision-doc-notice-link').click()
    await waitFor(async () => new URL(page.url()).pathname.startsWith('/notices/'), 'the delivery notice opens')
    await byTestId(page, 'notice-ack').click()
    await visible(byTestId(page, 'notice-acked'), 'the 签收 recorded')
    await byTestId(page, 'notice-about').click()
    await waitState(M, 'rectifying', 'once signed for')
    const clock = await byTestId(page, 'supervision-doc-clock').innerText()
    if (!clock.includes('第 1 次整改报告应于')) throw new Error(`the page does not say when the report is due: ${clock}`)
    await shot(page, 'supervision-received.png')
  })

  await step('5. twenty working days pass (the test moves the deadline back) and the report is chased', async () => {
    writeFileSync(artifact('supervision-id.txt'), id)
    await waitFor(async () => existsSync(artifact('time-passed')), 'the test moved the deadline', { timeout: 60_000 })
    await waitFor(async () => {
      await M.page.reload()
      await waitState(M, 'rectifying')
      return (await byTestId(M.page, 'supervision-doc-overdue').count()) > 0
    }, 'the market department\'s page says 已超期', { timeout: 30_000 })
  })

  await step('6. the bureau finds it on 监督台 under the market department, 已督办', async () => {
    const { page } = B
    await page.getByRole('menuitem', { name: '监督台' }).click()
    await visible(byTestId(page, 'supervision-desk'), 'the desk')
    const line = page.locator(`[data-testid="desk-line"][data-id="${id}"]`)
    await waitFor(async () => {
      if (await line.count()) return true
      await page.reload()
      return false
    }, 'the document on the desk', { timeout: 30_000, interval: 1500 })
    const body = page.locator('[data-testid="desk-body"]', { has: line })
    await waitFor(async () => (await body.innerText()).includes('上城区市场监督管理局'), 'the line is under the market department')
    // The line is on the desk as soon as the report is overdue; 已督办 once the escalation job
    // has run, which may be a moment later.
    await waitFor(async () => {
      if ((await line.innerText()).includes('已督办')) return true
      await page.reload()
      return false
    }, 'the line says 已督办', { timeout: 30_000, interval: 1500 })
    const text = await line.innerText()
    for (const words of [TITLE, '监督文书', '整改报告期限', '已督办']) {
      if (!text.includes(words)) throw new Error(`the line does not say ${words}: ${text}`)
    }
    await shot(page, 'supervision-desk-overdue.png')
  })

  await step('7. the market department attaches its evidence and submits the report, late', async () => {
    await attach(M, '整改台账.pdf', '%PDF-1.4 ledger')
    await withWords(M, 'submit_report', REPORT_1, 'under_review')
    const report = M.page.locator('[data-testid="supervision-report"][data-round="1"]')
    await attrIs(report, 'data-late', 'true', 'the first report is late')
    if (!(await report.innerText()).includes('整改台账.pdf')) throw new Error('the report does not list its evidence')
    await shot(M.page, 'supervision-report-late.png')
  })

  await step('8. the bureau sends it back with reasons; a second report is due', async () => {
    await B.page.goto(`${env.url}/supervision-docs/${id}`)
    await waitState(B, 'under_review')
    await withWords(B, 'send_back', SENT_BACK, 'rectifying')
    const report = B.page.locator('[data-testid="supervision-report"][data-round="1"]')
    await attrIs(report, 'data-verdict', 'sent_back', 'the first report sent back')
    await shot(B.page, 'supervision-sent-back.png')
    await waitState(M, 'rectifying', 'live, on the market department\'s page')
  })

  await step('9. the second report is accepted and the matter closed; 监督台 no longer lists it', async () => {
    await attach(M, '复查清单.pdf', '%PDF-1.4 list')
    await withWords(M, 'submit_report', REPORT_2, 'under_review')
    await waitState(B, 'under_review', 'live')
    await clickAndConfirm(B.page, command(B.page, 'accept'), async () => (await stateOf(B.page)) === 'accepted', 'the bureau accepts (asked first)')
    await clickAndConfirm(B.page, command(B.page, 'close'), async () => (await stateOf(B.page)) === 'closed', 'the bureau closes (asked first)')
    const report = B.page.locator('[data-testid="supervision-report"][data-round="2"]')
    await attrIs(report, 'data-verdict', 'accepted', 'the second report accepted')
    await shot(B.page, 'supervision-closed.png')
    await B.page.getByRole('menuitem', { name: '监督台' }).click()
    await visible(byTestId(B.page, 'supervision-desk'), 'the desk')
    if (await B.page.locator(`[data-testid="desk-line"][data-id="${id}"]`).count()) throw new Error('the closed document is still on the desk')
  })
})
