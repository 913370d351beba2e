// End to end, in real headless Chromium, through the pages only: a jurisdiction dispute
// (执法争议) from raising to its close and the archived decision.
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
// what the bureau types. Both reply in writing; the bureau coordinates and convenes a case
// consultation (案件会商) from the dispute page: the meeting opens, links back to the dispute,
// its notice goes to both parties, and the township finds it linked from its dispute page. The
// bureau names the responsible body, its duty and deadline, freezes the decision, opens signing,
// signs it in the browser and archives it; every page shows the dispute decided and offers the
// bundle. Each party opens the decision notice from its inbox and acknowledges it (签收) while
// the bureau's sender view shows both receipts. The bureau hands the decision over; the
// township opens the implementation task from the dispute page, acknowledges, starts and
// submits its feedback; the bureau verifies it on the task page, goes back to the dispute by
// the task's link and closes it (办结). The township downloads the decision's bundle from the
// dispute page and checks it on the verify page.
//
// Leaves in $E2E_ARTIFACTS: decision-bundle.zip and log-vkey.txt (the harness runs
// `concord verify` and the OpenSSL script of docs/bundle.md on them), and the screenshots
// dispute-new.png, dispute-list-market.png, dispute-township.png, dispute-market.png,
// dispute-escalate-dialog.png, dispute-bureau.png, dispute-accepted-township.png,
// dispute-consultation-dialog.png, dispute-consultation-meeting.png,
// dispute-consultation-township.png, dispute-decision-issued.png,
// dispute-decision-archived.png, dispute-notice-township.png, dispute-notice-receipts.png,
// dispute-implementing.png, dispute-task-township.png, dispute-task-verified.png,
// dispute-closed.png, dispute-verify.png.
import { readFileSync, writeFileSync } from 'node:fs'
import {
  apiGet,
  artifact,
  attrIs,
  byTestId,
  clickAndConfirm,
  env,
  field,
  log,
  newBody,
  officeTime,
  orgsByName,
  pickOption,
  run,
  typeDate,
  shot,
  signIn,
  step,
  taskCommand,
  taskState,
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
const DUTY = `依法查处湖滨路占道经营行为并反馈结果（${tag}）`
const FEEDBACK = `已于本周对湖滨路沿街商户占道经营立案查处，责令整改12户（${tag}）。`
// The server's title of the decision notice (work/dispute_decision.rs).
const DECISION_NOTICE = '协调意见书已签发'
const PLACE = '区司法局三楼会议室'

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

/** `YYYY年M月D日 HH:mm` of Unix ms in the office zone: what the consultation dialog's picker reads. */
function zhDateTime(ms) {
  const d = new Date(ms + 8 * 3_600_000)
  const two = (n) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日 ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`
}

function path(page) {
  return new URL(page.url()).pathname
}

async function meetingState(page) {
  return byTestId(page, 'meeting-state').first().getAttribute('data-state', { timeout: 1000 })
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

  let meetingId
  await step('8b. the bureau convenes a case consultation (案件会商) from the dispute page; the meeting links back to the dispute', async () => {
    const { page } = B
    const convene = byTestId(page, 'dispute-own-convene_consultation')
    await visible(convene, 'the bureau\'s 召开案件会商 button')
    await convene.first().click()
    const when = byTestId(page, 'dispute-consultation-when')
    await visible(when, 'the consultation dialog')
    // Tomorrow 09:30–11:00 office time, typed as the picker shows dates.
    const [start, end] = [when.locator('input').nth(0), when.locator('input').nth(1)]
    await start.click()
    await start.fill(zhDateTime(officeTime(1, 9, 30)))
    await start.press('Enter')
    await end.click()
    await end.fill(zhDateTime(officeTime(1, 11, 0)))
    await end.press('Enter')
    await field(page, 'dispute-consultation-place').fill(PLACE)
    await shot(page, 'dispute-consultation-dialog.png')
    await byTestId(page, 'dispute-consultation-save').click()
    await waitFor(
      () => /^\/meetings\/[^/]+$/.test(path(page)),
      async () => `the new consultation opens (at ${page.url()}; toasts: ${await toastText(page)})`,
    )
    meetingId = decodeURIComponent(path(page).split('/').pop())
    await waitFor(async () => (await meetingState(page)) === 'draft', 'the consultation is shown as a draft meeting')
    const head = await page.locator('.room-header').first().innerText()
    for (const want of ['案件会商', TITLE, PLACE]) if (!head.includes(want)) throw new Error(`the meeting's header does not say ${want}: ${head}`)
    const meeting = await apiGet(B, `/api/meetings/${encodeURIComponent(meetingId)}`)
    const invited = meeting.invitations.map((i) => i.org_id).sort()
    const parties = [orgs[TOWNSHIP_ORG].id, orgs[MARKET_ORG].id].sort()
    if (meeting.kind !== 'case_consultation' || meeting.dispute_id !== id || JSON.stringify(invited) !== JSON.stringify(parties)) {
      throw new Error(`the consultation is not the dispute's: kind ${meeting.kind}, dispute ${meeting.dispute_id}, invited ${invited}`)
    }
    if (meeting.starts_at !== officeTime(1, 9, 30) || meeting.ends_at !== officeTime(1, 11, 0) || meeting.place !== PLACE) {
      throw new Error(`the consultation is not at the time and place typed: ${meeting.starts_at}–${meeting.ends_at}, ${meeting.place}`)
    }
    const back = byTestId(page, 'meeting-dispute-link')
    await visible(back, 'the meeting\'s link to its dispute')
    if ((await back.first().getAttribute('href')) !== `/disputes/${id}`) throw new Error(`the meeting links to ${await back.first().getAttribute('href')}`)
    // The notice goes out to both parties (meeting-action-issue_notice).
    await clickAndConfirm(page, byTestId(page, 'meeting-action-issue_notice'), async () => (await meetingState(page)) === 'scheduled', 'the consultation\'s notice is issued')
    await shot(page, 'dispute-consultation-meeting.png')
    await back.first().click()
    await waitFor(() => path(page) === `/disputes/${id}`, 'the meeting\'s link leads back to the dispute')
    await waitState(B, 'coordinating')
    await visible(byTestId(page, 'dispute-meeting-link').and(page.locator(`[data-meeting-id="${meetingId}"]`)), 'the dispute page\'s link to the consultation')
  })

  await step('8c. the township finds the consultation linked from its dispute page, opens it and comes back', async () => {
    const { page } = T
    await page.goto(`${env.url}/disputes/${id}`)
    await waitState(T, 'coordinating')
    const link = byTestId(page, 'dispute-meeting-link').and(page.locator(`[data-meeting-id="${meetingId}"]`))
    await visible(link, 'the township\'s link to the consultation')
    await link.first().click()
    await waitFor(() => path(page) === `/meetings/${meetingId}`, 'the link opens the consultation')
    await waitFor(async () => (await meetingState(page)) === 'scheduled', 'the township sees the consultation scheduled')
    await shot(page, 'dispute-consultation-township.png')
    await byTestId(page, 'meeting-dispute-link').first().click()
    await waitFor(() => path(page) === `/disputes/${id}`, 'the township is back on the dispute page')
    await waitState(T, 'coordinating')
    await visible(decision(T.page), 'the township\'s decision document')
  })

  await step('9. the bureau names the responsible body, duty and deadline, freezes, signs and issues the decision in the browser', async () => {
    const { page } = B
    await pickOption(page, 'decision-responsible', TOWNSHIP_ORG)
    await field(page, 'decision-duty').fill(DUTY)
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

  let bundleHref
  await step('10. the bureau archives the decision; every page offers its bundle (and PDF) without a reload', async () => {
    const { page } = B
    await clickAndConfirm(
      page,
      byTestId(page, 'archive-button'),
      async () => (await byTestId(page, 'decision-bundle-download').count()) > 0,
      'the decision is archived and its bundle offered on the bureau\'s page',
    )
    bundleHref = await byTestId(page, 'decision-bundle-download').first().getAttribute('href')
    if (!new RegExp(`^/api/disputes/${id}/decision/versions/\\d+/bundle\\.zip$`).test(bundleHref ?? '')) throw new Error(`the bundle link is ${bundleHref}`)
    for (const b of [T, M]) {
      await visible(byTestId(b.page, 'decision-bundle-download'), `${b.label}'s bundle link (live, through the event stream)`)
    }
    const pdf = byTestId(page, 'decision-pdf')
    if (await pdf.count()) {
      const response = await page.request.get(new URL(await pdf.first().getAttribute('href'), page.url()).toString())
      const head = (await response.body()).subarray(0, 5).toString()
      if (!response.ok() || head !== '%PDF-') throw new Error(`the decision's PDF answers ${response.status()} ${JSON.stringify(head)}`)
    } else {
      log('  (no PDF rendition: the server typeset none)')
    }
    const timeline = await byTestId(T.page, 'dispute-timeline-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-key')))
    if (timeline.at(-1) !== 'decided') throw new Error(`the timeline does not end with the decision: ${timeline.join(', ')}`)
    await shot(page, 'dispute-decision-archived.png')
  })

  let noticeId
  await step('11a. each party opens the decision notice from its inbox and acknowledges it (签收)', async () => {
    for (const b of [T, M]) {
      const { page } = b
      await page.goto(`${env.url}/inbox`)
      const item = byTestId(page, 'inbox-item').filter({ hasText: DECISION_NOTICE }).filter({ hasText: TITLE })
      await visible(item, `${b.label}'s inbox shows the decision notice`)
      await visible(item.first().locator('[data-testid="inbox-to-ack"]'), `${b.label}'s notice is marked 待签收`)
      const itemId = await item.first().getAttribute('data-notice-id')
      if (noticeId && itemId !== noticeId) throw new Error(`the parties received different notices: ${noticeId}, ${itemId}`)
      noticeId = itemId
      await item.first().click()
      await waitFor(() => path(page) === `/notices/${noticeId}`, `${b.label}'s inbox item opens the notice`)
      const text = await byTestId(page, 'notice-body').first().innerText()
      for (const want of [TITLE, BUREAU_ORG, `由${TOWNSHIP_ORG}负责`]) if (!text.includes(want)) throw new Error(`the notice does not say ${want}: ${text}`)
      await clickAndConfirm(page, byTestId(page, 'notice-ack'), () => byTestId(page, 'notice-acked').first().isVisible(), `${b.label} acknowledges the decision`)
      if (b === T) await shot(page, 'dispute-notice-township.png')
    }
  })

  await step('11b. the bureau\'s sender view shows both parties\' receipts acknowledged', async () => {
    const { page } = B
    await page.goto(`${env.url}/inbox`)
    await byTestId(page, 'inbox-tab-sent').first().click()
    const sent = byTestId(page, 'sent-item').filter({ hasText: DECISION_NOTICE }).filter({ hasText: TITLE })
    await visible(sent, 'the bureau\'s sent tab lists the decision notice')
    await sent.first().click()
    await waitFor(() => path(page) === `/notices/${noticeId}`, 'the sent item opens the sender view')
    for (const org of [TOWNSHIP_ORG, MARKET_ORG]) {
      await attrIs(
        byTestId(page, 'receipt-row').and(page.locator(`[data-org-id="${orgs[org].id}"]`)),
        'data-acknowledged', 'true', `the bureau's receipt row of ${org}`,
      )
    }
    await shot(page, 'dispute-notice-receipts.png')
  })

  let taskId
  await step('12. the bureau hands the decision over; the dispute page links the implementation task', async () => {
    const { page } = B
    await page.goto(`${env.url}/disputes/${id}`)
    await waitState(B, 'decided')
    for (const b of [T, M]) await b.page.goto(`${env.url}/disputes/${id}`)
    await clickAndConfirm(page, byTestId(page, 'dispute-action-implement'), async () => (await stateOf(page)) === 'implementing', 'the bureau hands the decision over')
    for (const b of [T, M]) await waitState(b, 'implementing')
    // Closing waits for the task: disabled, its rule in a tooltip.
    const close = byTestId(page, 'dispute-action-close')
    await visible(close, 'the bureau\'s 办结 button')
    if (!(await close.first().isDisabled())) throw new Error('closing is offered before the task is done')
    await visible(byTestId(page, 'dispute-task-link'), 'the bureau\'s link to the implementation task')
    await visible(byTestId(T.page, 'dispute-task-link'), 'the township\'s link to its implementation task')
    // The other party sees who carries it out, but no link to a task that is not its own.
    await visible(byTestId(M.page, 'dispute-task'), 'the market department\'s implementation card')
    if (await byTestId(M.page, 'dispute-task-link').count()) throw new Error('the market department is offered a link to the township\'s task')
    const card = await byTestId(M.page, 'dispute-task').first().innerText()
    if (!card.includes(TOWNSHIP_ORG) || !card.includes(DUTY)) throw new Error(`the implementation card says: ${card}`)
    taskId = (await byTestId(page, 'dispute-task-link').first().getAttribute('href')).split('/').pop()
    await shot(page, 'dispute-implementing.png')
  })

  await step('13. the township carries the task out on the task page: 签收, start, feedback', async () => {
    const { page } = T
    await byTestId(page, 'dispute-task-link').first().click()
    await waitFor(() => path(page) === `/tasks/${taskId}`, 'the township\'s link opens the implementation task')
    await waitFor(async () => (await taskState(page)) === 'dispatched', 'the task is shown dispatched')
    const facts = await page.locator('.desc').first().innerText()
    for (const want of ['争议协调意见', BUREAU_ORG, TOWNSHIP_ORG]) if (!facts.includes(want)) throw new Error(`the task does not say ${want}: ${facts}`)
    if ((await byTestId(page, 'task-source-link').first().getAttribute('href')) !== `/disputes/${id}`) throw new Error('the task does not link to its dispute')
    await taskCommand(T, 'acknowledge', 'acknowledged')
    await taskCommand(T, 'start', 'in_progress')
    await taskCommand(T, 'submit', 'submitted', FEEDBACK)
    await shot(page, 'dispute-task-township.png')
  })

  await step('14. the bureau verifies the feedback on the task page and closes the dispute (办结); every page shows it closed', async () => {
    const { page } = B
    await byTestId(page, 'dispute-task-link').first().click()
    await waitFor(() => path(page) === `/tasks/${taskId}`, 'the bureau\'s link opens the task')
    await waitFor(async () => (await taskState(page)) === 'submitted', 'the bureau sees the task submitted')
    const feedback = await byTestId(page, 'task-feedback').first().innerText()
    if (!feedback.includes(FEEDBACK)) throw new Error(`the feedback shown is ${feedback}`)
    await taskCommand(B, 'verify', 'verified')
    await shot(page, 'dispute-task-verified.png')
    await byTestId(page, 'task-source-link').first().click()
    await waitFor(() => path(page) === `/disputes/${id}`, 'the task\'s link leads back to the dispute')
    await waitState(B, 'implementing')
    await T.page.goto(`${env.url}/disputes/${id}`)
    await waitState(T, 'implementing')
    const close = byTestId(page, 'dispute-action-close')
    await visible(close, 'the bureau\'s 办结 button')
    await waitFor(() => close.first().isEnabled(), 'the bureau\'s 办结 button is enabled once the task is verified')
    await clickAndConfirm(page, close, async () => (await stateOf(page)) === 'closed', 'the bureau closes the dispute')
    for (const b of [T, M]) await waitState(b, 'closed')
    await shot(T.page, 'dispute-closed.png')
  })

  await step('15. the township downloads the decision\'s bundle from the dispute page and checks it on the verify page', async () => {
    const { page } = T
    const link = byTestId(page, 'decision-bundle-download')
    await visible(link, 'the township\'s bundle link')
    if ((await link.first().getAttribute('href')) !== bundleHref) throw new Error('the parties are offered another bundle than the bureau')
    const [download] = await Promise.all([page.waitForEvent('download'), link.first().click()])
    await download.saveAs(artifact('decision-bundle.zip'))
    const bytes = readFileSync(artifact('decision-bundle.zip'))
    if (bytes.length < 100 || bytes.subarray(0, 2).toString() !== 'PK') throw new Error(`decision-bundle.zip is not a zip (${bytes.length} bytes)`)
    log(`  decision-bundle.zip: ${bytes.length} bytes (saved as ${download.suggestedFilename()})`)
    const key = await apiGet(T, '/api/log/key')
    if (!key.vkey) throw new Error(`GET /api/log/key gave no vkey: ${JSON.stringify(key)}`)
    writeFileSync(artifact('log-vkey.txt'), `${key.vkey}\n`)
    await byTestId(page, 'decision-verify-link').first().click()
    await waitFor(() => path(page) === '/verify', 'the verify link opens /verify')
    await byTestId(page, 'verify-file').setInputFiles(artifact('decision-bundle.zip'))
    await attrIs(byTestId(page, 'verify-result'), 'data-verified', 'true', 'the verify page\'s result', 30_000)
    const failed = await page.locator('[data-testid="verify-check"][data-ok="false"]').count()
    if (failed) throw new Error(`${failed} check(s) of the verify page failed`)
    await shot(page, 'dispute-verify.png')
  })

  for (const b of [T, M, B]) {
    const errors = b.errors.filter((e) => !/Failed to load resource|status of 40[49]/.test(e))
    if (errors.length) log(`  (${b.label}'s console errors: ${errors.join(' | ')})`)
  }
})
