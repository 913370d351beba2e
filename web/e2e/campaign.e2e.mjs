// End to end, in real headless Chromium: a special supervision campaign (专项监督).
//
// 上城区司法局 (张明, `bureau`) opens 专项监督 in its navigation and plans a campaign on 营商环境
// over 上城区市场监督管理局 (李华, `market`), which sees nothing of it while it is planned. The
// bureau launches it; the market department finds it under 专项监督 and files its result against
// it (报备), which the bureau's page lists under the body at once. The bureau concludes the
// campaign, writes its summary live, finalises it (定稿, numbered 专监〔年〕号) and signs it in the
// browser: the signature reports it to 杭州市司法局, the bureau above.
//
// Leaves in $E2E_ARTIFACTS the screenshots campaign-planned.png, campaign-filed.png and
// campaign-summarised.png.
import { attrIs, byTestId, clickAndConfirm, env, field, newBody, pickOption, run, shot, signIn, step, track, uniqueTag, visible, waitFor } from './lib.mjs'

const tag = uniqueTag()
const TITLE = `涉企行政执法专项监督${tag}`
const RESULT = '营商环境专项监督自查情况'
const SUMMARY = '本次专项监督共抽查涉企行政处罚案卷三十件，发现问题五个，均已督促整改。'

const stateOf = async (page) => byTestId(page, 'campaign-state').first().getAttribute('data-state')
async function waitState(body, state, what = '') {
  await waitFor(async () => (await stateOf(body.page)) === state, `${body.label}'s page shows ${state} ${what}`.trim(), { timeout: 20_000 })
}
const command = (page, name) => page.locator(`[data-testid="campaign-command"][data-command="${name}"]`)

await run('campaign.e2e', async (browser) => {
  const B = await newBody(browser, 'bureau')
  const M = await newBody(browser, 'market')
  track(B, M)
  let id = ''

  await step('everyone signs in', async () => {
    await Promise.all([signIn(B, 'bureau', '张明'), signIn(M, 'market', '李华')])
  })

  await step('1. the bureau plans a campaign on 营商环境 over the market department from 专项监督', async () => {
    const { page } = B
    await page.getByRole('menuitem', { name: '专项监督' }).click()
    await byTestId(page, 'campaign-new').click()
    await visible(byTestId(page, 'campaign-form'), 'the planning form')
    await pickOption(page, 'campaign-field', '营商环境')
    await field(page, 'campaign-title').fill(TITLE)
    const period = byTestId(page, 'campaign-form').locator('.el-date-editor input')
    await period.nth(0).click()
    await period.nth(0).fill('2026-01-01')
    await period.nth(1).fill('2026-12-31')
    await period.nth(1).press('Enter')
    // Closes the date picker's panel (a click on the dialog's title, not Escape: that closes the dialog).
    await byTestId(page, 'campaign-form').locator('.el-dialog__title').click()
    await pickOption(page, 'campaign-bodies', '上城区市场监督管理局', { close: true })
    await byTestId(page, 'campaign-create').click()
    await waitFor(async () => /^\/campaigns\/[^/]+$/.test(new URL(page.url()).pathname), 'the new campaign opens')
    id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop())
    await waitState(B, 'planned')
    await shot(page, 'campaign-planned.png')
  })

  await step('2. the market department does not see the planned campaign', async () => {
    const answer = await M.page.request.get(`${env.url}/api/campaigns/${id}`)
    if (answer.status() !== 404) throw new Error(`the body saw the planned campaign: ${answer.status()}`)
  })

  await step('3. the bureau launches it (asked first)', async () => {
    const { page } = B
    await clickAndConfirm(page, command(page, 'launch'), async () => (await stateOf(page)) === 'under_way', 'the campaign is under way')
  })

  await step('4. the market department finds it under 专项监督 and files its result', async () => {
    const { page } = M
    await page.getByRole('menuitem', { name: '专项监督' }).click()
    const row = page.locator(`[data-testid="campaign-row"][data-id="${id}"]`)
    await visible(row, 'the campaign in the list')
    await row.locator('[data-testid="campaign-link"]').click()
    await waitState(M, 'under_way')
    await byTestId(page, 'campaign-file-result').click()
    await visible(byTestId(page, 'campaign-result-form'), 'the filing form')
    await field(page, 'campaign-result-title').fill(RESULT)
    await field(page, 'campaign-result-text').fill('已完成自查，整改问题三个。')
    await byTestId(page, 'campaign-result-create').click()
    await visible(byTestId(page, 'campaign-filing').filter({ hasText: RESULT }), 'the filed result on the campaign')
  })

  await step('5. the bureau sees the result under the market department at once', async () => {
    const { page } = B
    await visible(byTestId(page, 'campaign-filing').filter({ hasText: RESULT }), 'the filed result on the bureau\'s page')
    await attrIs(byTestId(page, 'campaign-body').first(), 'data-filed', '1', 'the market department has filed')
    await shot(page, 'campaign-filed.png')
  })

  await step('6. the bureau concludes it, writes the summary and signs it: it is reported to the city bureau', async () => {
    const { page } = B
    await clickAndConfirm(page, command(page, 'conclude'), async () => (await stateOf(page)) === 'summarising', 'the campaign is concluded')
    const editor = page.locator('[data-testid="campaign-summary-doc"] .ProseMirror')
    await waitFor(async () => (await editor.getAttribute('contenteditable')) === 'true', 'the summary is editable')
    await editor.click()
    await page.keyboard.type(SUMMARY, { delay: 10 })
    await waitFor(async () => (await page.locator('body').innerText()).includes('已保存'), 'the summary is saved')
    await clickAndConfirm(page, byTestId(page, 'minutes-freeze'), async () => (await byTestId(page, 'open-signing').count()) > 0, 'the summary is final (asked first)')
    await clickAndConfirm(page, byTestId(page, 'open-signing'), async () => (await byTestId(page, 'sign-button').count()) > 0, 'signing is open')
    const button = byTestId(page, 'sign-button')
    await waitFor(() => button.first().isEnabled(), 'the bureau\'s sign button is enabled')
    await button.first().click()
    await visible(byTestId(page, 'sign-confirm-hash'), 'the signing confirmation with its digest')
    await clickAndConfirm(page, byTestId(page, 'sign-confirm'), async () => (await stateOf(page)) === 'summarised', 'the bureau signs and it is summarised', { timeout: 30_000 })
    await visible(byTestId(page, 'campaign-reported-to').filter({ hasText: '杭州市司法局' }), 'reported to the city bureau')
    await shot(page, 'campaign-summarised.png')
  })
})
