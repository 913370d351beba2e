// End to end, in real headless Chromium, through the pages only: a joint investigation group
// (联合调查组) proposed, confirmed, formed, and its joint dossier (联合案卷) written by three
// bodies at once.
//
// 上城区市场监督管理局 (李华, `market`) finds 联合调查 in the navigation and proposes a group from
// the form (an empty form refused by the page on the way), inviting 上城区公安分局 (王强,
// `police`) and 湖滨街道办事处 (刘芳, `township`), chosen by name. The group page opens 筹建中,
// both bodies 待答复. The police finds the group in its list under 受邀, opens it: no dossier,
// only the proposal and its answer buttons; it confirms, naming its responsible person and
// contact; the township likewise. The market department's page follows without a reload (both
// 已确认参加, with their people), and it forms the group (确认组建, asked first). The three
// pages then show the dossier: the summary and the conclusions (the lead's), and one section per
// body headed with its name, each body's own editable and the others read-only. The three
// browsers type their own sections at the same time and each sees the two others' words
// arrive live; each section names the people on the page and, marked 正在编写, the one whose
// caret is in it (presence).
//
// The group is 敏感 (sensitive), so the bureau it is reported to reads the summary and the
// conclusions alone. The lead starts the investigation, writes the summary and the conclusions,
// and marks the group 社会关注度高: it is reported to 上城区司法局 (张明, `bureau`), who finds the
// report notice in the inbox, acknowledges it (签收), follows it to the group and sees the
// summary and the conclusions (with the lead's words), no body's section, no report.
//
// Unified command (统一调度), while the group is at work: the lead's page shows the command board
// (each member's shows its own row alone, the bureau's none). The lead assigns a task from it
// (交办任务: an empty dialog refused, the police chosen by name among the confirmed members, the
// lead itself not offered, a deadline of 3 working days); the board lists it 已下发 under the
// police. The police's board shows it arrive without a reload; the police opens it from its
// task list (联合调查, the deadline in working days, a link back to the group), acknowledges it
// (签收) and submits its feedback, the lead's board following each step live through the event
// stream; the lead opens the task from its board, reads the feedback and verifies it (核验通过),
// which the police's board shows live. The township adds a piece of evidence (a small file) to
// its own section, the only one it may add to: the page shows its SHA-256 (shortened, whole on
// hover), who added it for which body, and the police reads it live with the same digest,
// downloads the same bytes and is offered no withdrawal; the lead's board counts it under the
// township; the bureau is shown none of it.
//
// The lead then freezes the dossier (冻结案卷并起草调查报告, asked first): every section turns
// read-only on every page. It drafts the report (调查报告), which the members read live, freezes
// it and opens signing; the lead's own signature must wait; the police and the township sign in
// their browsers, then the lead, and the group is 已结束 on every page. The lead archives the
// report; every member's page offers its bundle, which the township downloads.
//
// Leaves in $E2E_ARTIFACTS: report-bundle.zip and log-vkey.txt (the harness runs `concord
// verify` and the OpenSSL script of docs/bundle.md on them), evidence-sha256.txt (the digest of
// the township's piece, which the harness finds in the signed dossier manifest), and the
// screenshots in `SHOTS`.
import { createHash } from 'node:crypto'
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
  orgsByName,
  pickOption,
  run,
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

const SHOTS = [
  'group-new.png',
  'group-proposed-market.png',
  'group-list-police.png',
  'group-invited-police.png',
  'group-confirm-dialog.png',
  'group-formed-market.png',
  'group-dossier-market.png',
  'group-dossier-police.png',
  'group-dossier-township.png',
  'group-attention-market.png',
  'group-notice-bureau.png',
  'group-briefing-bureau.png',
  'group-assign-market.png',
  'group-task-police.png',
  'group-board-market.png',
  'group-evidence-police.png',
  'group-dossier-frozen-police.png',
  'group-report-draft-market.png',
  'group-report-signing-police.png',
  'group-concluded-market.png',
  'group-report-archived-township.png',
]

const MARKET_ORG = '上城区市场监督管理局'
const POLICE_ORG = '上城区公安分局'
const TOWNSHIP_ORG = '湖滨街道办事处'
const BUREAU_ORG = '上城区司法局'

const tag = uniqueTag()
const CASE = `湖滨路食品小作坊制售假冒调味品案${tag}`
const WORDS = {
  market: `市场监管局：已抽检样品12批次，3批次不合格（${tag}）。`,
  police: `公安分局：已固定销售记录，涉案金额约8万元（${tag}）。`,
  township: `湖滨街道：已核实作坊租赁情况及周边商户（${tag}）。`,
}

/** The live editor of a section on a page (`key`: a body's org id, `summary` or `conclusions`). */
function section(page, key) {
  return page.locator(`[data-testid="dossier-section"][data-section="${key}"]`)
}

function editor(page, key) {
  return section(page, key).locator('[data-testid="section-editor"] .ProseMirror')
}

async function text(locator) {
  return locator.evaluate((el) => {
    const copy = el.cloneNode(true)
    copy.querySelectorAll('.collaboration-carets__caret').forEach((c) => c.remove())
    return copy.textContent
  })
}

async function stateOf(page) {
  return byTestId(page, 'group-state').first().getAttribute('data-state', { timeout: 1000 })
}

async function waitState(body, state) {
  let seen
  await waitFor(
    async () => (seen = await stateOf(body.page)) === state,
    () => `${body.label}'s page shows the group ${state} without a reload (seen ${seen})`,
  )
}

/** The state of a body's answer on a page. */
async function memberState(page, orgId) {
  return page.locator(`[data-testid="group-member"][data-org-id="${orgId}"]`).first().getAttribute('data-state', { timeout: 1000 })
}

/** Types into a live editor once it is editable, at its end. */
async function typeInto(body, target, words) {
  await waitFor(async () => (await target.getAttribute('contenteditable')) === 'true', `${body.label}'s section is editable`)
  await target.click()
  await body.page.keyboard.press('Control+End')
  await body.page.keyboard.type(words, { delay: 20 })
}

/** Opens the group from the body's list (under its part's filter) and waits for the page. */
async function openFromList(body, id, part) {
  const { page } = body
  await page.goto(`${env.url}/investigations`)
  await byTestId(page, 'group-filter').locator(`[data-filter="${part}"]`).click()
  const row = page.locator(`[data-testid="group-row"][data-group-id="${id}"]`)
  await visible(row, `the group in ${body.label}'s list under ${part}`)
  const line = await row.first().innerText()
  for (const want of [CASE, MARKET_ORG, '筹建中']) if (!line.includes(want)) throw new Error(`${body.label}'s row does not say ${want}: ${line}`)
  await row.getByRole('link').first().click()
  await waitFor(() => new URL(page.url()).pathname === `/investigations/${id}`, `${body.label} opens the group page`)
}

/** Confirms the body's part in the group through the dialog, naming its people. */
async function confirmMembership(body, person, contact, screenshot) {
  const { page } = body
  await visible(byTestId(page, 'group-membership-confirm'), `${body.label}'s 确认参加 button`)
  await byTestId(page, 'group-membership-confirm').click()
  await field(page, 'group-answer-person').fill(person)
  await field(page, 'group-answer-contact').fill(contact)
  if (screenshot) await shot(page, screenshot)
  await byTestId(page, 'group-answer-save').click()
  await waitFor(
    async () => (await byTestId(page, 'group-part').getAttribute('data-part')) === 'member',
    async () => `${body.label} is a member after confirming (${await toastText(page)})`,
  )
}

await run('investigation.e2e', async (browser) => {
  const M = await newBody(browser, 'market')
  const P = await newBody(browser, 'police')
  const T = await newBody(browser, 'township')
  const G = { market: M, police: P, township: T }
  track(M, P, T)
  let orgs
  let id

  await step('sign in: 李华 (上城区市场监督管理局), 王强 (上城区公安分局), 刘芳 (湖滨街道办事处)', async () => {
    await Promise.all([signIn(M, 'market', '李华'), signIn(P, 'police', '王强'), signIn(T, 'township', '刘芳')])
    orgs = await orgsByName(M)
    for (const name of [MARKET_ORG, POLICE_ORG, TOWNSHIP_ORG]) if (!orgs[name]) throw new Error(`the directory has no ${name}`)
  })
  const org = { market: orgs[MARKET_ORG].id, police: orgs[POLICE_ORG].id, township: orgs[TOWNSHIP_ORG].id }

  await step('1a. the market department finds 联合调查 in the navigation and opens the proposal form', async () => {
    const { page } = M
    await page.goto(`${env.url}/`)
    await page.locator('header .el-menu-item').filter({ hasText: '联合调查' }).first().click()
    await waitFor(() => new URL(page.url()).pathname === '/investigations', 'the navigation leads to /investigations')
    await byTestId(page, 'group-new').click()
    await waitFor(() => new URL(page.url()).pathname === '/investigations/new', 'the proposal form opens')
    await byTestId(page, 'group-submit').click()
    await visible(page.locator('.el-message').filter({ hasText: '请先完善表单' }), 'the summary of what is missing')
  })

  await step('1b. it proposes the group with the police and the township, chosen by name; the group page opens 筹建中', async () => {
    const { page } = M
    await field(page, 'group-case-name').fill(CASE)
    await field(page, 'group-case-number').fill(`上市监立〔2026〕${tag.slice(-3)}号`)
    await field(page, 'group-summary').fill('群众举报湖滨路一食品小作坊使用工业原料制售假冒品牌调味品，销往周边餐饮店，涉嫌生产销售伪劣产品。')
    await field(page, 'group-areas').fill('市场监管：食品生产经营许可及产品质量；公安：涉嫌犯罪线索侦查；街道：属地排查及出租房屋管理。')
    await byTestId(page, 'group-confidentiality-sensitive').first().click()
    await pickOption(page, 'group-members', POLICE_ORG)
    await pickOption(page, 'group-members', TOWNSHIP_ORG, { close: true })
    await shot(page, 'group-new.png')
    await byTestId(page, 'group-submit').click()
    await waitFor(
      () => /^\/investigations\/[^/]+$/.test(new URL(page.url()).pathname) && !page.url().endsWith('/new'),
      async () => `the new group opens (at ${page.url()}; ${await toastText(page)})`,
    )
    id = new URL(page.url()).pathname.split('/').pop()
    await waitState(M, 'proposed')
    for (const who of ['police', 'township']) {
      if ((await memberState(page, org[who])) !== 'invited') throw new Error(`${who} is not shown 待答复`)
    }
    const members = await byTestId(page, 'group-members').innerText()
    for (const want of [POLICE_ORG, TOWNSHIP_ORG, '待答复']) if (!members.includes(want)) throw new Error(`the members card does not say ${want}: ${members}`)
    if (/[0-9a-f]{8}-[0-9a-f]{4}/.test(await page.locator('main, body').first().innerText())) throw new Error('the group page shows an id')
    const form = byTestId(page, 'group-action-form')
    await visible(form, 'the 确认组建 button')
    if (!(await form.first().isDisabled())) throw new Error('forming is offered before the members answered')
    await shot(page, 'group-proposed-market.png')
    log(`  group ${id}`)
  })

  await step('2a. the police finds it under 受邀 and sees the proposal and its answer buttons only, no dossier', async () => {
    const { page } = P
    await openFromList(P, id, 'invited')
    await shot(page, 'group-list-police.png')
    await waitState(P, 'proposed')
    await visible(byTestId(page, 'group-membership-decline'), 'the 谢绝参加 button')
    if ((await byTestId(page, 'dossier').count()) !== 0) throw new Error('an invited body sees the dossier')
    if (!(await byTestId(page, 'group-summary').innerText()).includes('假冒品牌调味品')) throw new Error('the invited body does not see the case summary')
    await shot(page, 'group-invited-police.png')
  })

  await step('2b. the police and the township confirm, naming their responsible person and contact', async () => {
    await confirmMembership(P, '陈刚（副局长）', '陈刚 0571-8700 1234', 'group-confirm-dialog.png')
    await T.page.goto(`${env.url}/investigations/${id}`)
    await waitState(T, 'proposed')
    await confirmMembership(T, '刘芳（副主任）', '周敏 0571-8701 5678')
  })

  await step('2c. the market department sees both answers live and forms the group; every page shows it formed', async () => {
    const { page } = M
    for (const who of ['police', 'township']) {
      let seen
      await waitFor(async () => (seen = await memberState(page, org[who])) === 'confirmed', () => `the market department sees ${who} confirmed without a reload (seen ${seen})`)
    }
    const members = await byTestId(page, 'group-members').innerText()
    for (const want of ['陈刚（副局长）', '陈刚 0571-8700 1234', '周敏 0571-8701 5678', '已确认参加']) if (!members.includes(want)) throw new Error(`the members card does not say ${want}: ${members}`)
    const form = byTestId(page, 'group-action-form')
    await waitFor(async () => !(await form.first().isDisabled()), 'the 确认组建 button is enabled')
    await clickAndConfirm(page, form, async () => (await stateOf(page)) === 'formed', 'the market department forms the group')
    await waitState(P, 'formed')
    await waitState(T, 'formed')
    await shot(page, 'group-formed-market.png')
  })

  await step('3a. every body sees the dossier: each section headed with its body, its own alone editable', async () => {
    for (const [who, body] of Object.entries(G)) {
      const { page } = body
      await visible(byTestId(page, 'dossier'), `${who}'s dossier`)
      for (const key of ['summary', 'conclusions', org.market, org.police, org.township]) {
        await visible(section(page, key), `${who}'s section ${key}`)
      }
      for (const [other, name] of [['market', MARKET_ORG], ['police', POLICE_ORG], ['township', TOWNSHIP_ORG]]) {
        const title = await section(page, org[other]).locator('[data-testid="dossier-section-title"]').innerText()
        if (!title.includes(name)) throw new Error(`${who}'s section of ${other} is headed "${title}"`)
        const mine = other === who
        await attrIs(section(page, org[other]), 'data-editable', mine ? 'true' : 'false', `${who}'s view of ${other}'s section`)
      }
      const lead = who === 'market' ? 'true' : 'false'
      await attrIs(section(page, 'summary'), 'data-editable', lead, `${who}'s view of the summary`)
    }
  })

  await step('3b. three browsers write their own sections at once and each sees the others’ words live, read-only', async () => {
    await Promise.all(Object.entries(G).map(([who, body]) => typeInto(body, editor(body.page, org[who]), WORDS[who])))
    for (const [who, body] of Object.entries(G)) {
      for (const other of Object.keys(G)) {
        if (other === who) continue
        let seen = ''
        await waitFor(
          async () => (seen = await text(editor(body.page, org[other]))).includes(WORDS[other]),
          () => `${who} sees ${other}'s section typed live (sees ${JSON.stringify(seen)})`,
        )
        await attrIs(editor(body.page, org[other]), 'contenteditable', 'false', `${who}'s view of ${other}'s section`)
      }
    }
    for (const [who, body] of Object.entries(G)) {
      await waitFor(
        async () => (await byTestId(body.page, 'sync-status').evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).every((s) => s === 'saved'),
        `${who}'s sections are saved`,
      )
    }
  })

  await step('3c. presence: each section names who is in it and, marked 正在编写, the one writing it', async () => {
    const names = { market: '李华', police: '王强', township: '刘芳' }
    for (const [who, body] of Object.entries(G)) {
      for (const [writer, name] of Object.entries(names)) {
        const people = section(body.page, org[writer]).locator('[data-testid="section-presence"]')
        let seen = ''
        await waitFor(
          async () => {
            seen = await people.innerText()
            const writing = await people.locator('[data-testid="section-person"][data-writing="true"]').allInnerTexts()
            return Object.values(names).every((n) => seen.includes(n)) && writing.length === 1 && writing[0].includes(name)
          },
          () => `${who}'s section of ${writer} names all three people and ${name} writing (says ${JSON.stringify(seen)})`,
        )
      }
      await shot(body.page, `group-dossier-${who}.png`)
    }
  })

  const LEAD_WORDS = {
    summary: `案情摘要：湖滨路作坊使用工业原料制售假冒调味品，三部门联合调查（${tag}）。`,
    conclusions: `调查结论：违法事实清楚，移送公安机关立案侦查（${tag}）。`,
  }
  const REPORT = `调查报告：经联合调查，查明湖滨路作坊制售假冒调味品的事实，建议移送公安机关立案侦查（${tag}）。`
  const B = await newBody(browser, 'bureau')
  track(B)

  await step('4a. the lead starts the investigation and writes the summary and the conclusions', async () => {
    const { page } = M
    await clickAndConfirm(page, byTestId(page, 'group-action-start'), async () => (await stateOf(page)) === 'active', 'the market department starts the investigation')
    await waitState(P, 'active')
    await waitState(T, 'active')
    for (const key of ['summary', 'conclusions']) await typeInto(M, editor(page, key), LEAD_WORDS[key])
    for (const key of ['summary', 'conclusions']) {
      await waitFor(async () => (await text(editor(P.page, key))).includes(LEAD_WORDS[key]), `the police sees the lead's ${key} live`)
    }
  })

  await step('4b. the lead marks the group 社会关注度高: it is reported to the county bureau', async () => {
    const { page } = M
    const mark = byTestId(page, 'group-mark-attention')
    await visible(mark, 'the lead\'s 标记为社会关注度高 button')
    await clickAndConfirm(page, mark, () => byTestId(page, 'group-attention').first().isVisible(), 'the group is marked 社会关注度高')
    let reported = ''
    await waitFor(async () => (reported = await byTestId(page, 'group-reported').first().innerText().catch(() => '')).includes(BUREAU_ORG), () => `the page says it was reported to ${BUREAU_ORG} (says ${JSON.stringify(reported)})`)
    await visible(byTestId(P.page, 'group-attention'), 'the police sees the 社会关注度高 mark live')
    await shot(page, 'group-attention-market.png')
  })

  await step('4c. the county bureau finds the report notice in its inbox, acknowledges it (签收) and follows it to the group', async () => {
    const { page } = B
    await signIn(B, 'bureau', '张明')
    await page.goto(`${env.url}/inbox`)
    const item = byTestId(page, 'inbox-item').filter({ hasText: '联合调查组情况报告' }).filter({ hasText: CASE })
    await visible(item, 'the bureau\'s inbox shows the group\'s report notice')
    await visible(item.first().locator('[data-testid="inbox-to-ack"]'), 'the notice is marked 待签收')
    await item.first().click()
    await waitFor(() => /^\/notices\/[^/]+$/.test(new URL(page.url()).pathname), 'the inbox item opens the notice')
    const said = await byTestId(page, 'notice-body').first().innerText()
    for (const want of [CASE, MARKET_ORG, '社会关注度高']) if (!said.includes(want)) throw new Error(`the notice does not say ${want}: ${said}`)
    await clickAndConfirm(page, byTestId(page, 'notice-ack'), () => byTestId(page, 'notice-acked').first().isVisible(), 'the bureau acknowledges the report')
    await shot(page, 'group-notice-bureau.png')
    await byTestId(page, 'notice-about').first().click()
    await waitFor(() => new URL(page.url()).pathname === `/investigations/${id}`, 'the notice leads to the group page')
  })

  await step('4d. the bureau reads the summary and the conclusions only: no body\'s section, no report', async () => {
    const { page } = B
    await waitState(B, 'active')
    await attrIs(byTestId(page, 'group-part'), 'data-part', 'supervisor', 'the bureau\'s part')
    await visible(byTestId(page, 'dossier'), 'the bureau\'s briefing')
    for (const key of ['summary', 'conclusions']) {
      await waitFor(async () => (await text(editor(page, key))).includes(LEAD_WORDS[key]), `the bureau reads the lead's ${key}`)
      await attrIs(section(page, key), 'data-editable', 'false', `the bureau's view of the ${key}`)
    }
    const keys = await byTestId(page, 'dossier-section').evaluateAll((els) => els.map((e) => e.getAttribute('data-section')))
    if (keys.join() !== 'summary,conclusions') throw new Error(`the bureau reads the sections ${keys.join(', ')}`)
    const all = await page.locator('main, body').first().innerText()
    for (const hidden of Object.values(WORDS)) if (all.includes(hidden)) throw new Error(`the bureau reads a body's section: ${hidden}`)
    if ((await byTestId(page, 'group-freeze-dossier').count()) !== 0) throw new Error('the bureau is offered to freeze the dossier')
    await shot(page, 'group-briefing-bureau.png')
  })

  const TASK = {
    title: `调取湖滨路作坊近三个月支付流水（${tag}）`,
    body: '请公安分局调取涉案作坊近三个月的银行及第三方支付流水，核实销售数量和涉案金额。',
    days: 3,
    feedback: `已调取支付流水214笔，涉案金额约8.3万元，与销售记录一致（${tag}）。`,
  }
  let taskId
  /** The task on a body's command board, and its state there. */
  const boardTask = (page) => byTestId(page, 'command-board').locator(`[data-testid="board-task"][data-task-id="${taskId}"]`)
  async function boardShows(body, state, how) {
    let seen
    await waitFor(
      async () => (seen = await boardTask(body.page).first().getAttribute('data-state', { timeout: 1000 }).catch(() => null)) === state,
      () => `${body.label}'s command board shows the task ${state} ${how} (seen ${seen})`,
    )
  }
  const path = (page) => new URL(page.url()).pathname

  await step('4e. the lead assigns a task to the police from its command board (交办任务), 3 working days; each member sees its own row only', async () => {
    const { page } = M
    await visible(byTestId(page, 'command-board'), 'the lead\'s command board (统一调度)')
    for (const [who, body] of [['police', P], ['township', T]]) {
      let rows = []
      await waitFor(
        async () => (rows = await byTestId(body.page, 'board-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-org-id')))).join() === org[who],
        () => `${who}'s command board shows its own row alone (shows ${rows.join(', ')})`,
      )
    }
    if ((await byTestId(B.page, 'command-board').count()) !== 0) throw new Error('the reported bureau is shown the command board')
    await byTestId(page, 'board-assign').first().click()
    await byTestId(page, 'board-assign-submit').first().click()
    await visible(page.locator('.el-form-item__error').filter({ hasText: '请选择承办单位' }), 'the dialog says the assignee is missing')
    // The assignee is chosen by name among the confirmed members: the lead itself is not offered.
    await byTestId(page, 'board-assign-org').first().click()
    const options = page.locator('.el-select-dropdown:visible .el-select-dropdown__item')
    await visible(options.filter({ hasText: POLICE_ORG }), 'the police among the assignees')
    const offered = await options.allInnerTexts()
    if (offered.length !== 2 || !offered.some((o) => o.includes(TOWNSHIP_ORG)) || offered.some((o) => o.includes(MARKET_ORG))) {
      throw new Error(`the assignees offered are ${offered.join(', ')}`)
    }
    // Under load the dropdown may still be opening when the option is clicked, and Element Plus
    // drops that click: choose again until the select shows the police.
    const chosen = byTestId(page, 'board-assign-org').first()
    await waitFor(async () => {
      if ((await chosen.innerText()).includes(POLICE_ORG)) return true
      if (!(await options.filter({ hasText: POLICE_ORG }).first().isVisible())) await chosen.click()
      await options.filter({ hasText: POLICE_ORG }).first().click({ timeout: 2000 }).catch(() => {})
      return (await chosen.innerText()).includes(POLICE_ORG)
    }, 'the police is chosen as the assignee')
    await field(page, 'board-assign-title').fill(TASK.title)
    await field(page, 'board-assign-body').fill(TASK.body)
    const days = field(page, 'board-assign-days')
    await days.fill(String(TASK.days))
    await days.press('Tab')
    await shot(page, 'group-assign-market.png')
    await byTestId(page, 'board-assign-submit').first().click()
    const row = page.locator(`[data-testid="board-row"][data-org-id="${org.police}"] [data-testid="board-task"]`).filter({ hasText: TASK.title })
    await visible(row, 'the task under the police on the lead\'s board')
    taskId = await row.first().getAttribute('data-task-id')
    await boardShows(M, 'dispatched', 'once assigned')
    const said = await row.first().innerText()
    for (const want of ['已下发', '办理期限']) if (!said.includes(want)) throw new Error(`the board's task says ${said}`)
    log(`  task ${taskId}`)
  })

  await step('4f. the police sees the task arrive on its board, opens it from its task list, 签收 and submits its feedback; the lead\'s board follows live', async () => {
    const { page } = P
    await boardShows(P, 'dispatched', 'without a reload')
    await page.goto(`${env.url}/tasks`)
    const listed = byTestId(page, 'task-row').filter({ hasText: TASK.title })
    await visible(listed, 'the task in the police\'s open tasks')
    await listed.first().getByRole('link').first().click()
    await waitFor(() => path(page) === `/tasks/${taskId}`, 'the task list opens the task')
    await waitFor(async () => (await taskState(page)) === 'dispatched', 'the task is shown dispatched')
    const facts = await page.locator('.desc').first().innerText()
    for (const want of ['联合调查', MARKET_ORG, POLICE_ORG, `${TASK.days} 个工作日`]) if (!facts.includes(want)) throw new Error(`the task does not say ${want}: ${facts}`)
    const back = await byTestId(page, 'task-source-link').first().getAttribute('href')
    if (back !== `/investigations/${id}`) throw new Error(`the task links to ${back}, not its group`)
    await taskCommand(P, 'acknowledge', 'acknowledged')
    await boardShows(M, 'acknowledged', 'without a reload')
    await taskCommand(P, 'submit', 'submitted', TASK.feedback)
    await boardShows(M, 'submitted', 'without a reload')
    await shot(page, 'group-task-police.png')
    await shot(M.page, 'group-board-market.png')
    await byTestId(page, 'task-source-link').first().click()
    await waitFor(() => path(page) === `/investigations/${id}`, 'the task\'s link leads back to the group')
    await waitState(P, 'active')
    await boardShows(P, 'submitted', 'back on the group page')
  })

  await step('4g. the lead opens the task from its board, reads the feedback and verifies it (核验通过); the police\'s board follows live', async () => {
    const { page } = M
    await boardTask(page).locator('a').first().click()
    await waitFor(() => path(page) === `/tasks/${taskId}`, 'the board opens the task')
    await waitFor(async () => (await taskState(page)) === 'submitted', 'the lead sees the task submitted')
    const feedback = await byTestId(page, 'task-feedback').first().innerText()
    if (!feedback.includes(TASK.feedback)) throw new Error(`the feedback shown is ${feedback}`)
    await taskCommand(M, 'verify', 'verified')
    await boardShows(P, 'verified', 'without a reload')
    await byTestId(page, 'task-source-link').first().click()
    await waitFor(() => path(page) === `/investigations/${id}`, 'the task\'s link leads the lead back to the group')
    await waitState(M, 'active')
    await boardShows(M, 'verified', 'back on the group page')
  })

  const EVIDENCE = {
    title: `出租房屋登记及现场检查笔录（${tag}）`,
    file: { name: `现场检查笔录-${tag}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`湖滨路作坊现场检查笔录\n检查人：刘芳、周敏\n作坊承租人已登记，租期至2027年3月（${tag}）\n`, 'utf8') },
  }
  const SHA256 = createHash('sha256').update(EVIDENCE.file.buffer).digest('hex')

  await step('4h. the township adds evidence to its own section, its SHA-256 shown; the police reads it live with the same digest and downloads the same bytes', async () => {
    const { page } = T
    const own = section(page, org.township).locator('[data-testid="evidence-list"]')
    await visible(own, 'the township\'s evidence list')
    for (const other of ['summary', 'conclusions', org.market, org.police]) {
      if ((await section(page, other).locator('[data-testid="evidence-upload"]').count()) !== 0) throw new Error(`the township may add evidence to the section ${other}`)
    }
    await own.locator('[data-testid="evidence-upload"]').first().click()
    await field(page, 'evidence-title').fill(EVIDENCE.title)
    await byTestId(page, 'evidence-file').first().setInputFiles(EVIDENCE.file)
    await byTestId(page, 'evidence-upload-submit').first().click()
    const piece = (p) => section(p, org.township).locator('[data-testid="evidence-piece"]').filter({ hasText: EVIDENCE.title })
    await visible(piece(page), 'the piece in the township\'s section')
    const hash = (p) => piece(p).first().locator('[data-testid="evidence-hash"]')
    await attrIs(hash(page), 'data-sha256', SHA256, 'the digest of the uploaded file')
    const short = await hash(page).innerText()
    if (short.trim() !== `${SHA256.slice(0, 8)}…${SHA256.slice(-8)}`) throw new Error(`the piece shows the digest ${short}`)
    const meta = await piece(page).first().innerText()
    for (const want of ['刘芳', TOWNSHIP_ORG, EVIDENCE.file.name]) if (!meta.includes(want)) throw new Error(`the piece does not say ${want}: ${meta}`)

    // The police reads it live, the whole digest on hover, and may not withdraw it.
    await visible(piece(P.page), 'the police sees the township\'s piece without a reload')
    await attrIs(hash(P.page), 'data-sha256', SHA256, 'the digest the police reads')
    await hash(P.page).hover()
    await visible(P.page.locator('.el-popper:visible').filter({ hasText: SHA256 }), 'the whole SHA-256 on hover')
    if ((await piece(P.page).first().locator('[data-testid="evidence-withdraw"]').count()) !== 0) throw new Error('the police is offered to withdraw the township\'s evidence')
    const href = await piece(P.page).first().locator('[data-testid="evidence-download"]').getAttribute('href')
    const response = await P.page.request.get(new URL(href, P.page.url()).toString())
    const bytes = await response.body()
    if (!response.ok() || createHash('sha256').update(bytes).digest('hex') !== SHA256) throw new Error(`the police downloads other bytes (${response.status()}, ${bytes.length} bytes)`)
    await shot(P.page, 'group-evidence-police.png')

    // The lead's board counts it under the township; the bureau, reading the summary and the
    // conclusions only, is shown none of it.
    let pieces
    await waitFor(
      async () => (pieces = await M.page.locator(`[data-testid="board-row"][data-org-id="${org.township}"] [data-testid="board-evidence"]`).first().getAttribute('data-pieces', { timeout: 1000 })) === '1',
      () => `the lead's board counts the township's piece without a reload (counts ${pieces})`,
    )
    await B.page.reload()
    await waitState(B, 'active')
    await visible(section(B.page, 'summary').locator('[data-testid="evidence-list"]'), 'the bureau\'s evidence lists of the briefing, loaded')
    if ((await byTestId(B.page, 'evidence-piece').count()) !== 0) throw new Error('the bureau is shown a body\'s evidence')
    writeFileSync(artifact('evidence-sha256.txt'), `${SHA256}\n`)
  })

  await step('5a. the lead freezes the dossier (asked first); every section is read-only on every page, the report opens', async () => {
    const { page } = M
    if ((await byTestId(P.page, 'group-freeze-dossier').count()) !== 0) throw new Error('a member is offered to freeze the dossier')
    await visible(byTestId(page, 'group-freeze-dossier'), 'the lead\'s 冻结案卷并起草调查报告 button')
    await byTestId(page, 'group-freeze-dossier').first().click()
    const ask = page.locator('.el-message-box').filter({ hasText: '只读' })
    await visible(ask, 'the confirmation says the sections become read-only')
    await clickAndConfirm(page, page.locator('.el-message-box .el-button--primary'), () => byTestId(page, 'report-card').first().isVisible(), 'the dossier is frozen and the report opens')
    for (const [who, body] of Object.entries(G)) {
      await visible(byTestId(body.page, 'report-card'), `${who}'s report card (live)`)
      for (const key of ['summary', 'conclusions', org.market, org.police, org.township]) {
        await attrIs(section(body.page, key), 'data-editable', 'false', `${who}'s view of the frozen section ${key}`)
        await attrIs(editor(body.page, key), 'contenteditable', 'false', `${who}'s editor of the frozen section ${key}`)
      }
    }
    await visible(section(P.page, org.police).locator('[data-testid="dossier-frozen"]'), 'the police\'s own section marked frozen')
    if ((await byTestId(page, 'group-freeze-dossier').count()) !== 0) throw new Error('freezing is still offered after the freeze')
    await shot(P.page, 'group-dossier-frozen-police.png')
  })

  await step('5b. the lead writes the report; the members read it live, read-only; the lead freezes it and opens signing', async () => {
    const { page } = M
    await attrIs(section(page, 'report'), 'data-editable', 'true', 'the lead\'s report')
    await typeInto(M, editor(page, 'report'), REPORT)
    for (const [who, body] of [['police', P], ['township', T]]) {
      await waitFor(async () => (await text(editor(body.page, 'report'))).includes(REPORT), `${who} reads the report live`)
      await attrIs(editor(body.page, 'report'), 'contenteditable', 'false', `${who}'s view of the report`)
    }
    await waitFor(
      async () => (await section(page, 'report').locator('[data-testid="sync-status"]').getAttribute('data-state')) === 'saved',
      'the report is saved',
    )
    await shot(page, 'group-report-draft-market.png')
    await clickAndConfirm(page, byTestId(page, 'minutes-freeze'), async () => (await byTestId(page, 'open-signing').count()) > 0, 'the report is frozen')
    await clickAndConfirm(page, byTestId(page, 'open-signing'), async () => (await byTestId(page, 'sign-button').count()) > 0, 'signing is open')
    await attrIs(editor(page, 'report'), 'contenteditable', 'false', 'the lead\'s frozen report')
    // The frozen report lists the dossier it signs: each section with its body and its digest.
    const rows = byTestId(P.page, 'report-manifest').locator('tbody tr')
    await waitFor(async () => (await rows.count()) === 5, 'the police reads the dossier manifest of five sections')
    const manifest = await byTestId(P.page, 'report-manifest').innerText()
    for (const want of ['摘要值', MARKET_ORG, POLICE_ORG, TOWNSHIP_ORG]) if (!manifest.includes(want)) throw new Error(`the manifest does not say ${want}: ${manifest}`)
    const digests = await byTestId(P.page, 'report-manifest-digest').allInnerTexts()
    if (!digests.every((d) => /^[0-9a-f]{64}$/.test(d.trim()))) throw new Error(`the manifest's digests are ${digests.join(', ')}`)
    // It counts the township's piece of evidence under the township's section, none elsewhere.
    const counts = await rows.evaluateAll((trs) => trs.map((tr) => [tr.innerText, tr.lastElementChild?.innerText.trim()]))
    for (const [line, n] of counts) {
      const want = line.includes(TOWNSHIP_ORG) ? '1' : '0'
      if (n !== want) throw new Error(`the manifest row "${line}" counts ${n} pieces of evidence, not ${want}`)
    }
  })

  const signer = (page, orgId) => page.locator(`[data-testid="signer-status"][data-org-id="${orgId}"]`)
  /** One body signs in its browser; its own signer-status turns signed. (The others learn of a
   * signature when it completes a step: the server tells the next step's bodies, then all.) */
  async function sign(body, orgId) {
    const button = byTestId(body.page, 'sign-button')
    await visible(button, `${body.label}'s sign button`)
    await waitFor(() => button.first().isEnabled(), `${body.label}'s sign button is enabled`)
    await button.first().click()
    await visible(byTestId(body.page, 'sign-confirm-hash'), `${body.label}'s signing confirmation with its digest`)
    await clickAndConfirm(
      body.page,
      byTestId(body.page, 'sign-confirm'),
      async () => (await signer(body.page, orgId).first().getAttribute('data-signed')) === 'true',
      `${body.label} signs the report`,
      { timeout: 30_000 },
    )
  }

  await step('5c. the members sign first in their browsers, the lead waiting its turn; then the lead, and the group is concluded', async () => {
    await visible(byTestId(M.page, 'sign-button'), 'the lead\'s sign button')
    if (await byTestId(M.page, 'sign-button').first().isEnabled()) throw new Error('the lead may sign before the members')
    await sign(P, org.police)
    await shot(P.page, 'group-report-signing-police.png')
    await sign(T, org.township)
    // Both members signed: the lead's turn comes, and its page shows both signatures live.
    for (const who of ['police', 'township']) await attrIs(signer(M.page, org[who]), 'data-signed', 'true', `the lead's view of ${who}'s signature (live)`, 30_000)
    if ((await stateOf(M.page)) !== 'active') throw new Error('the group concluded before the lead signed')
    await sign(M, org.market)
    for (const [who, body] of Object.entries(G)) {
      for (const signed of Object.keys(G)) await attrIs(signer(body.page, org[signed]), 'data-signed', 'true', `${who}'s view of ${signed}'s signature (live)`, 30_000)
    }
    for (const body of Object.values(G)) await waitState(body, 'concluded')
    await shot(M.page, 'group-concluded-market.png')
  })

  await step('5d. the lead archives the report; every page offers its bundle, which the township downloads', async () => {
    const { page } = M
    await clickAndConfirm(page, byTestId(page, 'archive-button'), async () => (await byTestId(page, 'report-bundle-download').count()) > 0, 'the report is archived and its bundle offered')
    const href = await byTestId(page, 'report-bundle-download').first().getAttribute('href')
    if (!new RegExp(`^/api/investigations/${id}/report/versions/\\d+/bundle\\.zip$`).test(href ?? '')) throw new Error(`the bundle link is ${href}`)
    for (const b of [P, T]) await visible(byTestId(b.page, 'report-bundle-download'), `${b.label}'s bundle link (live)`)
    const pdf = byTestId(page, 'report-pdf')
    if (await pdf.count()) {
      const response = await page.request.get(new URL(await pdf.first().getAttribute('href'), page.url()).toString())
      const head = (await response.body()).subarray(0, 5).toString()
      if (!response.ok() || head !== '%PDF-') throw new Error(`the report's PDF answers ${response.status()} ${JSON.stringify(head)}`)
    } else {
      log('  (no PDF rendition: the server typeset none)')
    }
    const link = byTestId(T.page, 'report-bundle-download')
    if ((await link.first().getAttribute('href')) !== href) throw new Error('the township is offered another bundle than the lead')
    const [download] = await Promise.all([T.page.waitForEvent('download'), link.first().click()])
    await download.saveAs(artifact('report-bundle.zip'))
    const bytes = readFileSync(artifact('report-bundle.zip'))
    if (bytes.length < 100 || bytes.subarray(0, 2).toString() !== 'PK') throw new Error(`report-bundle.zip is not a zip (${bytes.length} bytes)`)
    log(`  report-bundle.zip: ${bytes.length} bytes (saved as ${download.suggestedFilename()})`)
    const key = await apiGet(T, '/api/log/key')
    if (!key.vkey) throw new Error(`GET /api/log/key gave no vkey: ${JSON.stringify(key)}`)
    writeFileSync(artifact('log-vkey.txt'), `${key.vkey}\n`)
    await shot(T.page, 'group-report-archived-township.png')
  })
})
