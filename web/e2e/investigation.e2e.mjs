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
// Later steps of the issue (a task from the lead, the public-attention report to the county
// bureau, the signed report and its bundle) are added at the end of the `run` below, reusing
// `G` (the three bodies), `id` (the group) and the helpers here.
//
// Leaves the screenshots (in $E2E_ARTIFACTS) named in `SHOTS`.
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
  shot,
  signIn,
  step,
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
]

const MARKET_ORG = '上城区市场监督管理局'
const POLICE_ORG = '上城区公安分局'
const TOWNSHIP_ORG = '湖滨街道办事处'

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

  // The later steps (the lead's task, the public-attention report, the signed report and
  // its bundle) go here.
})
