// End to end, in real headless Chromium, through the pages only: a jurisdiction dispute
// (执法争议) from raising to the bureau's acceptance.
//
// 湖滨街道办事处 (刘芳, `township`) raises a negative dispute against 上城区市场监督管理局 (李华,
// `market`) from the form (a refusal of the server shown once, in Chinese, on the way);
// the page names 上城区司法局 as the bureau it will go to. The market department finds it in its
// list, opens it and takes up negotiation; the township's page follows without a reload, and
// its 提请司法局协调 button is disabled with the rule as a tooltip. Each party types its written
// statement (书面意见) and sees the other's arrive live, read-only; the market department states
// its position; both say negotiation failed; the township escalates with a reason. 上城区司法局
// (张明, `bureau`) finds it as the coordinating bureau and accepts it; the decision document
// (协调意见书) appears, editable for the bureau and read-only for the parties, whose pages see
// what the bureau types. Both reply in writing; the bureau coordinates, names the responsible
// body, its duty and deadline, freezes the decision, opens signing and signs it in the browser;
// every page shows the dispute decided.
//
// Leaves in $E2E_ARTIFACTS the screenshots dispute-new.png, dispute-list-market.png,
// dispute-township.png, dispute-market.png, dispute-escalate-dialog.png, dispute-bureau.png,
// dispute-accepted-township.png, dispute-decision-issued.png.
import {
  attrIs,
  byTestId,
  clickAndConfirm,
  env,
  field,
  log,
  newBody,
  orgsByName,
  pickOption,
  run,
  typeDate,
  shot,
  signIn,
  step,
  toastText,
  track,
  uniqueTag,
  visible,
  waitFor,
} from './lib.mjs'

const BUREAU_ORG = '上城区司法局'
const MARKET_ORG = '上城区市场监督管理局'
const TOWNSHIP_ORG = '湖滨街道办事处'

const tag = uniqueTag()
const TITLE = `湖滨路占道经营执法职责争议${tag}`
const T_STATEMENT = `湖滨街道书面意见：该事项未列入下放清单（${tag}）。`
const M_STATEMENT = `市场监管局书面意见：该事项已随综合执法划转街道（${tag}）。`
const M_POSITION = `该事项已随综合执法事项划转街道（${tag}）。`
const DECISION = `经审查，本局认为应由湖滨街道负责查处（${tag}）。`

/** The live editor of a party's statement on a page (by the party's org id). */
function statement(page, orgId) {
  return page.locator(`[data-testid="dispute-party"][data-org-id="${orgId}"] [data-testid="statement-editor"] .ProseMirror`)
}

function decision(page) {
  return page.locator('[data-testid="decision-editor"] .ProseMirror')
}

async function text(locator) {
  return locator.evaluate((el) => {
    const copy = el.cloneNode(true)
    copy.querySelectorAll('.collaboration-carets__caret').forEach((c) => c.remove())
    return copy.textContent
  })
}

async function stateOf(page) {
  return byTestId(page, 'dispute-state').first().getAttribute('data-state', { timeout: 1000 })
}

async function waitState(body, state) {
  let seen
  await waitFor(
    async () => (seen = await stateOf(body.page)) === state,
    () => `${body.label}'s page shows the dispute ${state} without a reload (seen ${seen})`,
  )
}

/** Types into a live editor once it is editable and saved, and waits until the server saved it. */
async function typeInto(body, editor, words) {
  await waitFor(async () => (await editor.getAttribute('contenteditable')) === 'true', `${body.label}'s editor is editable`)
  await editor.click()
  await body.page.keyboard.press('Control+End')
  await body.page.keyboard.type(words, { delay: 20 })
}

await run('dispute.e2e', async (browser) => {
  const T = await newBody(browser, 'township')
  const M = await newBody(browser, 'market')
  const B = await newBody(browser, 'bureau')
  track(T, M, B)
  let orgs
  let id

  await step('sign in: 刘芳 (湖滨街道办事处), 李华 (上城区市场监督管理局), 张明 (上城区司法局)', async () => {
    await Promise.all([signIn(T, 'township', '刘芳'), signIn(M, 'market', '李华'), signIn(B, 'bureau', '张明')])
    orgs = await orgsByName(T)
    for (const name of [BUREAU_ORG, MARKET_ORG, TOWNSHIP_ORG]) if (!orgs[name]) throw new Error(`the directory has no ${name}`)
  })

  await step('1a. the township finds 争议协调 in the navigation and opens the raise form', async () => {
    const { page } = T
    await page.goto(`${env.url}/`)
    await page.locator('header .el-menu-item').filter({ hasText: '争议协调' }).first().click()
    await waitFor(() => new URL(page.url()).pathname === '/disputes', 'the navigation leads to /disputes')
    await byTestId(page, 'dispute-new').click()
    await waitFor(() => new URL(page.url()).pathname === '/disputes/new', 'the raise form opens')
    await visible(byTestId(page, 'dispute-submit'), 'the submit button')
  })

  await step('1b. an empty form is refused by the page, naming what is missing', async () => {
    const { page } = T
    await byTestId(page, 'dispute-submit').click()
    await visible(page.locator('.el-message').filter({ hasText: '请先完善表单' }), 'the summary of what is missing')
  })

  await step('1c. a refusal of the server (the bureau named as a party) is shown once, in Chinese', async () => {
    const { page } = T
    await byTestId(page, 'dispute-kind-negative').click()
    await field(page, 'dispute-title').fill(TITLE)
    await field(page, 'dispute-description').fill('湖滨路沿街商户占道经营，街道认为该事项未列入下放清单，应由区市场监管局查处；区市场监管局认为已随综合执法下放。')
    await field(page, 'dispute-place').fill('上城区湖滨路')
    await field(page, 'dispute-reference').fill('330102-2026-0042')
    await field(page, 'dispute-tried').fill('2026年2月27日双方电话沟通，未达成一致。')
    await field(page, 'dispute-position').fill('该事项未列入乡镇（街道）综合行政执法事项清单，不属本街道管辖。')
    await field(page, 'dispute-legal-basis').fill('《浙江省综合行政执法条例》第十条')
    await pickOption(page, 'dispute-parties', BUREAU_ORG, { close: true })
    await byTestId(page, 'dispute-submit').click()
    const error = page.locator('.el-message--error')
    await visible(error, 'the server\'s refusal')
    await page.waitForTimeout(500)
    const texts = await error.allInnerTexts()
    if (texts.length !== 1) throw new Error(`the refusal is shown ${texts.length} times: ${texts.join(' | ')}`)
    if (!/[\u4e00-\u9fff]/.test(texts[0]) || /[A-Za-z]{3,}/.test(texts[0])) throw new Error(`the refusal is not Chinese: ${texts[0]}`)
    log(`  refusal: ${texts[0]}`)
    if (new URL(page.url()).pathname !== '/disputes/new') throw new Error('a refused dispute left the form')
  })

  await step('1d. with the market department as the other party the dispute is raised and names 上城区司法局', async () => {
    const { page } = T
    // Take the bureau out of the parties (the tag's close button), choose the market department.
    await byTestId(page, 'dispute-parties').locator('.el-tag').filter({ hasText: BUREAU_ORG }).locator('.el-tag__close').click()
    await pickOption(page, 'dispute-parties', MARKET_ORG, { close: true })
    await shot(page, 'dispute-new.png')
    await byTestId(page, 'dispute-submit').click()
    await waitFor(() => /^\/disputes\/[^/]+$/.test(new URL(page.url()).pathname) && !page.url().endsWith('/new'), async () => `the new dispute opens (at ${page.url()}; ${await toastText(page)})`)
    id = new URL(page.url()).pathname.split('/').pop()
    await visible(page.locator('.el-message--success').filter({ hasText: BUREAU_ORG }), `the toast naming ${BUREAU_ORG}`)
    await waitFor(async () => (await byTestId(page, 'dispute-bureau').innerText()).includes(BUREAU_ORG), `the header names ${BUREAU_ORG}`)
    await waitState(T, 'raised')
    await visible(byTestId(page, 'dispute-clock'), 'the negotiation clock')
    const clock = await byTestId(page, 'dispute-clock').first().innerText()
    if (!/协商期限：\d{4}年\d{1,2}月\d{1,2}日 23:59前/.test(clock) || !/剩余 \d+ 个工作日/.test(clock)) throw new Error(`the clock reads "${clock}"`)
    log(`  dispute ${id}; clock: ${clock.replace(/\s+/g, ' ')}`)
  })

  await step('2a. the market department finds it in its list (other party, state, bureau, clock) and opens it', async () => {
    const { page } = M
    await page.goto(`${env.url}/disputes`)
    const row = byTestId(page, 'dispute-row').filter({ hasText: TITLE })
    await visible(row, 'the dispute in the market department\'s list')
    const line = await row.first().innerText()
    for (const want of [TOWNSHIP_ORG, BUREAU_ORG, '已提出', '争议相对方', '剩余']) {
      if (!line.includes(want)) throw new Error(`the row does not say ${want}: ${line}`)
    }
    await shot(page, 'dispute-list-market.png')
    await row.getByRole('link').first().click()
    await waitFor(() => new URL(page.url()).pathname === `/disputes/${id}`, 'the dispute page opens')
    await waitState(M, 'raised')
  })

  await step('2b. the market department takes up negotiation; the township sees it at once', async () => {
    await visible(byTestId(M.page, 'dispute-action-negotiate'), 'the 开始协商 button')
    await byTestId(M.page, 'dispute-action-negotiate').click()
    await waitState(M, 'negotiating')
    await waitState(T, 'negotiating')
  })

  await step('2c. the township cannot escalate yet: the button is disabled, the rule in its tooltip', async () => {
    const { page } = T
    const button = byTestId(page, 'dispute-action-escalate')
    await visible(button, 'the 提请司法局协调 button')
    if (!(await button.first().isDisabled())) throw new Error('escalating is offered before negotiation failed')
    await byTestId(page, 'dispute-refused-escalate').hover()
    await visible(page.locator('.el-popper:visible').filter({ hasText: '协商期限届满' }), 'the tooltip with the negotiation rule')
  })

  await step('3a. each party types its statement and sees the other\'s live, read-only', async () => {
    const t = orgs[TOWNSHIP_ORG].id
    const m = orgs[MARKET_ORG].id
    await Promise.all([typeInto(T, statement(T.page, t), T_STATEMENT), typeInto(M, statement(M.page, m), M_STATEMENT)])
    for (const [me, theirs, words] of [[T, m, M_STATEMENT], [M, t, T_STATEMENT]]) {
      let seen = ''
      await waitFor(
        async () => (seen = await text(statement(me.page, theirs))).includes(words),
        () => `${me.label} sees the other party's statement typed live (sees ${JSON.stringify(seen)})`,
      )
      await attrIs(statement(me.page, theirs), 'contenteditable', 'false', `${me.label}'s view of the other party's statement`)
    }
    for (const b of [T, M]) {
      await waitFor(
        async () => (await byTestId(b.page, 'sync-status').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).every((s) => s === 'saved'),
        `${b.label}'s documents are saved`,
      )
    }
  })

  await step('3b. the market department states its position; the township sees it', async () => {
    const { page } = M
    await byTestId(page, 'dispute-own-state_position').click()
    await field(page, 'dispute-position-text').fill(M_POSITION)
    await field(page, 'dispute-legal-basis-text').fill('上城区综合执法事项划转目录第12项')
    await byTestId(page, 'dispute-position-save').click()
    const column = (p) => p.locator(`[data-testid="dispute-party"][data-org-id="${orgs[MARKET_ORG].id}"] [data-testid="party-position"]`)
    await waitFor(async () => (await column(T.page).innerText()).includes(M_POSITION), 'the township sees the market department\'s position')
    await shot(M.page, 'dispute-market.png')
  })

  await step('4a. both say negotiation failed (each confirmed)', async () => {
    for (const b of [T, M]) {
      await clickAndConfirm(
        b.page,
        byTestId(b.page, 'dispute-own-give_up'),
        async () => (await byTestId(b.page, 'dispute-own-give_up').count()) === 0,
        `${b.label} says negotiation failed`,
      )
    }
    await waitFor(async () => (await byTestId(T.page, 'party-gave-up').count()) === 2, 'the township sees both parties\' 协商不成')
  })

  await step('4b. the township escalates with a reason; both pages show it escalated', async () => {
    const { page } = T
    const button = byTestId(page, 'dispute-action-escalate')
    await waitFor(async () => !(await button.first().isDisabled()), 'the 提请司法局协调 button is enabled')
    await button.first().click()
    await visible(byTestId(page, 'dispute-dialog-text'), 'the reason asked for')
    const dialogText = await page.locator('.el-dialog:visible').first().innerText()
    if (!dialogText.includes(BUREAU_ORG)) throw new Error(`the escalation dialog does not name the bureau: ${dialogText}`)
    await field(page, 'dispute-dialog-text').fill('双方协商不成，提请区司法局协调。')
    await shot(page, 'dispute-escalate-dialog.png')
    await byTestId(page, 'dispute-dialog-confirm').click()
    await waitState(T, 'escalated')
    await waitState(M, 'escalated')
    await shot(page, 'dispute-township.png')
  })

  await step('5. the county bureau finds it as the coordinating bureau and accepts it', async () => {
    const { page } = B
    await page.goto(`${env.url}/disputes`)
    const row = byTestId(page, 'dispute-row').filter({ hasText: TITLE })
    await visible(row, 'the dispute in the bureau\'s list')
    const line = await row.first().innerText()
    if (!line.includes('协调机关') || !line.includes('已提请协调')) throw new Error(`the bureau's row: ${line}`)
    await row.getByRole('link').first().click()
    await waitState(B, 'escalated')
    await clickAndConfirm(page, byTestId(page, 'dispute-action-accept'), async () => (await stateOf(page)) === 'replies_due', 'the bureau accepts')
    await waitState(T, 'replies_due')
    await waitState(M, 'replies_due')
  })

  await step('6. the decision document: the bureau writes it, the parties read it live', async () => {
    await visible(decision(B.page), 'the bureau\'s decision editor')
    await typeInto(B, decision(B.page), DECISION)
    for (const b of [T, M]) {
      await visible(decision(b.page), `${b.label}'s decision document`)
      let seen = ''
      await waitFor(
        async () => (seen = await text(decision(b.page))).includes(DECISION),
        () => `${b.label} sees the bureau's decision typed live (sees ${JSON.stringify(seen)})`,
      )
      await attrIs(decision(b.page), 'contenteditable', 'false', `${b.label}'s view of the decision`)
    }
    await visible(byTestId(T.page, 'decision-link'), 'the link to the decision')
    await shot(B.page, 'dispute-bureau.png')
    await shot(T.page, 'dispute-accepted-township.png')
  })

  await step('7. the timeline tells the course: raised, both 协商不成, escalated, accepted', async () => {
    const keys = await byTestId(T.page, 'dispute-timeline-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))
    const want = ['raised', 'gaveUp', 'gaveUp', 'escalated', 'accepted']
    if (JSON.stringify(keys) !== JSON.stringify(want)) throw new Error(`the timeline is ${keys.join(', ')}`)
  })

  await step('8. both give their written replies; the bureau starts coordinating', async () => {
    for (const b of [T, M]) {
      await clickAndConfirm(
        b.page,
        byTestId(b.page, 'dispute-own-reply'),
        async () => (await byTestId(b.page, 'dispute-own-reply').count()) === 0,
        `${b.label} gives its written reply`,
      )
    }
    await waitFor(() => byTestId(B.page, 'dispute-action-coordinate').first().isEnabled(), 'the bureau may coordinate once both replied')
    await clickAndConfirm(B.page, byTestId(B.page, 'dispute-action-coordinate'), async () => (await stateOf(B.page)) === 'coordinating', 'the bureau coordinates')
    await waitState(T, 'coordinating')
  })

  await step('9. the bureau names the responsible body, duty and deadline, freezes, signs and issues the decision in the browser', async () => {
    const { page } = B
    await pickOption(page, 'decision-responsible', TOWNSHIP_ORG)
    await field(page, 'decision-duty').fill(`依法查处湖滨路占道经营行为并反馈结果（${tag}）`)
    await typeDate(page, 'decision-deadline', '2026年12月31日')
    // The parties see the decision's fields arrive live, read-only.
    await waitFor(
      async () => (await field(T.page, 'decision-duty').inputValue()).includes(tag),
      'the township sees the duty the bureau wrote',
    )
    await visible(byTestId(page, 'minutes-freeze'), 'the bureau\'s freeze button')
    await clickAndConfirm(
      page,
      byTestId(page, 'minutes-freeze'),
      async () => (await byTestId(page, 'open-signing').count()) > 0,
      'the decision is frozen',
    )
    await clickAndConfirm(
      page,
      byTestId(page, 'open-signing'),
      async () => (await byTestId(page, 'sign-button').count()) > 0,
      'signing is open',
    )
    await waitFor(() => byTestId(page, 'sign-button').first().isEnabled(), 'the bureau\'s sign button is enabled')
    await byTestId(page, 'sign-button').first().click()
    await visible(byTestId(page, 'sign-confirm-hash'), 'the signing confirmation with its digest')
    await clickAndConfirm(page, byTestId(page, 'sign-confirm'), async () => (await stateOf(page)) === 'decided', 'the decision is issued: the dispute is decided', { timeout: 30_000 })
    for (const b of [T, M]) await waitState(b, 'decided')
    await shot(page, 'dispute-decision-issued.png')
  })

  for (const b of [T, M, B]) {
    const errors = b.errors.filter((e) => !/Failed to load resource|status of 40[49]/.test(e))
    if (errors.length) log(`  (${b.label}'s console errors: ${errors.join(' | ')})`)
  }
})
