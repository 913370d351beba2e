// End to end, in real headless Chromium, through the pages only: a suspected crime referred
// (涉嫌犯罪案件移送, 行刑衔接) by a market department to the police, copied to the procuratorate.
//
// 陈静 (`market-officer`, an officer of 上城区市场监督管理局) finds 案件移送 in the navigation and
// fills the referral form: the page refuses it without the procuratorate copy the kind requires,
// then she chooses 上城区公安分局 and 上城区人民检察院 by name, writes the case and a three-item
// material checklist, and saves the draft. Submitting before the files are there is refused with
// the server's Chinese rule naming the first item without its file; she uploads the three files
// on the page (each then shows its SHA-256, the very digest of the bytes sent) and submits. Her
// head 李华 (`market`, the body's admin) approves (批准移送, with an opinion); 陈静's page follows
// without a reload, and she sends it (asked first). 王强 (`police`) finds it under 移入 with its
// 签收 clock (deadline in Beijing time, written the Chinese way), signs for it (签收, his name
// filled in), marks two items 已收到 and one 缺少 with what is missing: 受理 stays disabled with
// its rule. The market department's page shows the item missing and its note live; 陈静 supplies
// the file (补充材料); the police page shows it to check again, 王强 marks it received and accepts
// (受理（立案）, with the police case number, asked first). He reports back (反馈办理情况) and the
// market department closes it (办结). 孙丽 (`procuratorate`) finds it under 抄送与监督, reads the
// page with no button (只可查阅), its outcome (立案编号, the feedback, 已办结), and downloads an item,
// whose bytes hash to the SHA-256 shown. Last, a transfer of jurisdiction (set up through the
// API) that 湖滨街道 (刘芳, `township`) returns on its page offers no command but the jurisdiction
// dispute, with its time; the link opens the dispute form naming the referral, and once raised
// both bodies' referral pages say 已提请争议协调 and link to that dispute.
//
// Once accepted, 王强 makes the receipt (出具回执: the 签收 and the checklist as checked), signs it
// in his browser and archives it; the market department is offered its bundle live, and 孙丽
// downloads it.
//
// Leaves in $E2E_ARTIFACTS the screenshots in `SHOTS`, receipt-bundle.zip and log-vkey.txt (the
// harness runs `concord verify` and the OpenSSL script of docs/bundle.md on it).
import { createHash } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import {
  apiGet,
  apiPost,
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
  toastText,
  track,
  uniqueTag,
  visible,
  waitFor,
} from './lib.mjs'

const SHOTS = [
  'referral-new.png',
  'referral-draft-market.png',
  'referral-approve-head.png',
  'referral-list-police.png',
  'referral-received-police.png',
  'referral-missing-market.png',
  'referral-accepted-police.png',
  'referral-receipt-police.png',
  'referral-list-procuratorate.png',
  'referral-procuratorate.png',
  'referral-returned-township.png',
  'referral-disputed-market.png',
]

const POLICE_ORG = '上城区公安分局'
const PROCURATORATE_ORG = '上城区人民检察院'
const tag = uniqueTag()
const CASE = `湖滨路销售假冒注册商标食品案${tag}`
const ITEMS = ['现场检查笔录', '抽样检验报告', '涉案物品清单']
const POLICE_CASE = `上公（经）立字〔2026〕${tag.slice(-3)}号`
const FEEDBACK = `已立案侦查，对犯罪嫌疑人依法采取刑事强制措施（${tag}）。`
const MISSING_NOTE = '缺检验机构盖章页'

/** The bytes uploaded for an item (a small PDF-like file, distinct per item and per version). */
function fileFor(name, version = 1) {
  return { name: `${name}.pdf`, mimeType: 'application/pdf', buffer: Buffer.from(`%PDF-1.4\n${name} 扫描件 第${version}版 ${tag}\n%%EOF\n`) }
}
const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex')

function item(page, name) {
  return page.locator(`[data-testid="referral-item"][data-item-name="${name}"]`)
}

async function stateOf(page) {
  return byTestId(page, 'referral-state').first().getAttribute('data-state', { timeout: 1000 })
}

async function waitState(body, state, what = 'without a reload') {
  let seen
  await waitFor(
    async () => (seen = await stateOf(body.page)) === state,
    async () => `${body.label}'s page shows the referral ${state} ${what} (seen ${seen}; ${await toastText(body.page)})`,
  )
}

/** Uploads an item's file through the API (raw body, its own media type), for set-up. */
async function uploadThroughApi(body, referral, index) {
  const file = fileFor(referral.items[index].name)
  const path = `/api/referrals/${referral.id}/items/${referral.items[index].id}/file?name=${encodeURIComponent(file.name)}`
  const res = await body.context.request.put(env.url + path, { data: file.buffer, headers: { Origin: env.url, 'Content-Type': file.mimeType } })
  if (!res.ok()) throw new Error(`PUT ${path} answered ${res.status()}: ${await res.text()}`)
}

/** A referral command through the API at the revision read now, for set-up. */
async function actThroughApi(body, id, command, extra = {}) {
  const { revision } = await apiGet(body, `/api/referrals/${id}`)
  return apiPost(body, `/api/referrals/${id}/actions`, { command, revision, ...extra })
}

/** Waits until the open dialog has faded in (its overlay fully opaque), for its screenshot. */
async function settledDialog(page) {
  await waitFor(
    () => page.evaluate(() => [...document.querySelectorAll('.el-overlay')].some((o) => getComputedStyle(o).display !== 'none' && getComputedStyle(o).opacity === '1')),
    'the dialog has faded in',
  )
}

function command(page, name) {
  return page.locator(`[data-testid="referral-command"][data-command="${name}"]`)
}

/** Clicks a command whose dialog asks for words, fills them (when given) and confirms. */
async function commandWithWords(body, name, words, state) {
  const { page } = body
  await visible(command(page, name), `${body.label}'s ${name} button`)
  await command(page, name).click()
  const input = field(page, 'referral-dialog-text')
  await visible(input, `the ${name} dialog`)
  if (words !== null) await input.fill(words)
  await byTestId(page, 'referral-dialog-confirm').click()
  await waitState(body, state, `after ${name}`)
}

/** Opens the referral from the body's list under `tab` and checks the row says each of `want`. */
async function openFromList(body, id, tab, want, screenshot) {
  const { page } = body
  await page.goto(`${env.url}/referrals`)
  await page.locator(`[data-testid="referral-tab"][data-tab="${tab}"]`).click()
  const row = page.locator(`[data-testid="referral-row"][data-referral-id="${id}"]`)
  await visible(row, `the referral in ${body.label}'s list under ${tab}`)
  let line = ''
  await waitFor(async () => {
    line = await row.first().innerText()
    return want.every((w) => line.includes(w))
  }, () => `${body.label}'s row says ${want.join('、')} (it says: ${line})`)
  if (screenshot) await shot(page, screenshot)
  await row.getByRole('link').first().click()
  await waitFor(() => new URL(page.url()).pathname === `/referrals/${id}`, `${body.label} opens the referral page`)
}

await run('referral.e2e', async (browser) => {
  const M = await newBody(browser, 'market-officer')
  const H = await newBody(browser, 'market-head')
  const P = await newBody(browser, 'police')
  const J = await newBody(browser, 'procuratorate', { acceptDownloads: true })
  track(M, H, P, J)
  let id

  await step('sign in: 陈静 and 李华 (上城区市场监督管理局), 王强 (上城区公安分局), 孙丽 (上城区人民检察院)', async () => {
    await Promise.all([
      signIn(M, 'market-officer', '陈静'), signIn(H, 'market', '李华'), signIn(P, 'police', '王强'), signIn(J, 'procuratorate', '孙丽'),
    ])
  })

  await step('1a. the officer finds 案件移送 in the navigation; the form refuses a suspected crime without its procuratorate copy', async () => {
    const { page } = M
    await page.goto(`${env.url}/`)
    await page.locator('header .el-menu-item').filter({ hasText: '案件移送' }).first().click()
    await waitFor(() => new URL(page.url()).pathname === '/referrals', 'the navigation leads to /referrals')
    await byTestId(page, 'referral-new').click()
    await waitFor(() => new URL(page.url()).pathname === '/referrals/new', 'the referral form opens')
    await byTestId(page, 'referral-kind-criminal').first().click()
    await pickOption(page, 'referral-receiver', POLICE_ORG)
    // Only public security receives a suspected crime: the market department is not offered.
    await byTestId(page, 'referral-receiver').first().click()
    const offered = await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').allInnerTexts()
    await page.keyboard.press('Escape')
    if (offered.length !== 1 || !offered[0].includes(POLICE_ORG)) throw new Error(`the receivers offered for a suspected crime: ${offered.join('、')}`)
    await field(page, 'referral-case-name').fill(CASE)
    await field(page, 'referral-case-number').fill(`上市监立〔2026〕${tag.slice(-3)}号`)
    await field(page, 'referral-facts').fill('经查，当事人在湖滨路门店销售假冒注册商标的食品，货值金额逾十五万元，涉嫌销售假冒注册商标的商品罪。')
    await field(page, 'referral-legal-basis').fill('《行政执法机关移送涉嫌犯罪案件的规定》第三条；《中华人民共和国刑法》第二百一十四条')
    const names = page.locator('[data-testid="referral-item-name"] input, input[data-testid="referral-item-name"]')
    for (let i = 0; i < ITEMS.length; i++) {
      if (i > 0) await byTestId(page, 'referral-item-add').click()
      await names.nth(i).fill(ITEMS[i])
    }
    await byTestId(page, 'referral-submit').click()
    await visible(page.locator('.el-message').filter({ hasText: '涉嫌犯罪案件移送须选择抄送的检察院' }), 'the page asks for the procuratorate copy')
    if (new URL(page.url()).pathname !== '/referrals/new') throw new Error('the form was sent without its copy')
  })

  await step('1b. she copies the procuratorate, saves the draft; submitting before the uploads is refused with the rule', async () => {
    const { page } = M
    await pickOption(page, 'referral-copy', PROCURATORATE_ORG)
    await shot(page, 'referral-new.png')
    await byTestId(page, 'referral-submit').click()
    await waitFor(
      () => /^\/referrals\/[^/]+$/.test(new URL(page.url()).pathname) && new URL(page.url()).pathname !== '/referrals/new',
      async () => `the draft opens (at ${page.url()}; ${await toastText(page)})`,
    )
    id = new URL(page.url()).pathname.split('/').pop()
    log(`  referral ${id}`)
    await waitState(M, 'draft', 'on opening')
    await attrIs(byTestId(page, 'referral-part'), 'data-part', 'officer', 'the officer\'s part')
    for (const name of ITEMS) await attrIs(item(page, name), 'data-has-file', 'false', `${name} without its file`)
    await command(page, 'submit').click()
    await visible(page.locator('.el-message').filter({ hasText: `材料「${ITEMS[0]}」尚未上传附件` }), 'the server\'s rule naming the first item without its file')
    await waitState(M, 'draft', 'still')
  })

  await step('1c. she uploads the three files on the page: each shows the SHA-256 of its bytes; then submits', async () => {
    const { page } = M
    for (const name of ITEMS) {
      const file = fileFor(name)
      await item(page, name).locator('[data-testid="item-file-input"]').setInputFiles(file)
      await attrIs(item(page, name).locator('[data-testid="item-sha256"]'), 'data-sha256', sha256(file.buffer), `${name}'s SHA-256`)
      const text = await item(page, name).innerText()
      if (!text.includes(file.name) || !text.includes('陈静')) throw new Error(`${name} does not name its file and uploader: ${text}`)
    }
    await shot(page, 'referral-draft-market.png')
    await command(page, 'submit').click()
    await waitState(M, 'pending_approval', 'after 提请审批')
    // Approving is the head's: the officer is not offered it.
    if (await command(page, 'approve').count()) throw new Error('the officer is offered 批准移送')
    const clock = await byTestId(page, 'referral-clock').innerText()
    if (!/审批期限：\d{4}年\d{1,2}月\d{1,2}日 \d{1,2}:\d{2}前/.test(clock)) throw new Error(`the approval clock is not written the Chinese way: ${clock}`)
  })

  await step('2. the head 李华 approves with an opinion; the officer\'s page follows live and she sends it', async () => {
    await openFromList(H, id, 'outgoing', [CASE, POLICE_ORG, '待负责人审批', '审批期限'])
    await attrIs(byTestId(H.page, 'referral-part'), 'data-part', 'head', 'the head\'s part')
    await command(H.page, 'approve').click()
    await field(H.page, 'referral-dialog-text').fill('同意移送。')
    await settledDialog(H.page)
    await shot(H.page, 'referral-approve-head.png')
    await byTestId(H.page, 'referral-dialog-confirm').click()
    await waitState(H, 'approved', 'after 批准移送')
    await waitState(M, 'approved')
    await clickAndConfirm(M.page, command(M.page, 'send'), async () => (await stateOf(M.page)) === 'sent', 'the officer sends it (asked first)')
    const course = await byTestId(M.page, 'referral-course').innerText()
    if (!course.includes('李华批准移送') || !course.includes('同意移送。')) throw new Error(`the course does not name the approval: ${course}`)
  })

  await step('3. the police finds it under 移入 with its 签收 clock, and signs for it in 王强\'s name', async () => {
    await openFromList(P, id, 'incoming', [CASE, '上城区市场监督管理局', '已移送，待签收', '签收期限', '年'], 'referral-list-police.png')
    const { page } = P
    await attrIs(byTestId(page, 'referral-part'), 'data-part', 'receiver', 'the police\'s part')
    await command(page, 'receive').click()
    const person = field(page, 'referral-dialog-text')
    await waitFor(async () => (await person.inputValue()) === '王强', 'the 签收 dialog names the person signed in')
    await byTestId(page, 'referral-dialog-confirm').click()
    await waitState(P, 'received', 'after 签收')
    const course = await byTestId(page, 'referral-course').innerText()
    if (!course.includes('王强签收')) throw new Error(`the course does not name who signed for it: ${course}`)
    await waitState(M, 'received')
  })

  await step('4. the police marks two items 已收到 and one 缺少 with what is missing: 受理 stays disabled with its rule', async () => {
    const { page } = P
    for (const name of [ITEMS[0], ITEMS[2]]) {
      await item(page, name).locator('[data-testid="item-received"]').click()
      await attrIs(item(page, name), 'data-state', 'received', `${name} received`)
    }
    await item(page, ITEMS[1]).locator('[data-testid="item-missing"]').click()
    await field(page, 'item-missing-note').fill(MISSING_NOTE)
    await byTestId(page, 'item-missing-confirm').click()
    await attrIs(item(page, ITEMS[1]), 'data-state', 'missing', `${ITEMS[1]} missing`)
    const accept = command(page, 'accept')
    await attrIs(accept, 'data-allowed', 'false', '受理 refused')
    const rule = await page.locator('[data-testid="referral-command-rule"][data-command="accept"]').innerText()
    if (!rule.includes('补齐后方可受理')) throw new Error(`受理 does not say why it is refused: ${rule}`)
    await shot(page, 'referral-received-police.png')
  })

  await step('5. the market department sees the item missing live and supplies it (补充材料)', async () => {
    const { page } = M
    await attrIs(item(page, ITEMS[1]), 'data-state', 'missing', 'the officer sees the item missing without a reload')
    const note = await item(page, ITEMS[1]).locator('[data-testid="item-note"]').innerText()
    if (!note.includes(MISSING_NOTE)) throw new Error(`the missing item does not say what is missing: ${note}`)
    // Only the missing item may be supplied now.
    for (const name of [ITEMS[0], ITEMS[2]]) if (await item(page, name).locator('[data-testid="item-upload"]').count()) throw new Error(`${name} may still be uploaded`)
    await shot(page, 'referral-missing-market.png')
    const file = fileFor(ITEMS[1], 2)
    await item(page, ITEMS[1]).locator('[data-testid="item-file-input"]').setInputFiles(file)
    await attrIs(item(page, ITEMS[1]), 'data-state', 'pending', 'the supplied item is to be checked again')
    await attrIs(item(page, ITEMS[1]).locator('[data-testid="item-sha256"]'), 'data-sha256', sha256(file.buffer), 'the supplied file\'s SHA-256')
  })

  await step('6. the police marks it received and accepts (受理（立案）, with its case number, asked first)', async () => {
    const { page } = P
    const file = fileFor(ITEMS[1], 2)
    await attrIs(item(page, ITEMS[1]).locator('[data-testid="item-sha256"]'), 'data-sha256', sha256(file.buffer), 'the police sees the supplied file live')
    await item(page, ITEMS[1]).locator('[data-testid="item-received"]').click()
    await attrIs(byTestId(page, 'referral-items-summary'), 'data-complete', 'true', 'the checklist complete')
    await attrIs(command(page, 'accept'), 'data-allowed', 'true', '受理 allowed')
    await command(page, 'accept').click()
    await visible(byTestId(page, 'referral-dialog-ask'), 'the 受理 dialog saying it cannot be taken back')
    await field(page, 'referral-dialog-text').fill(POLICE_CASE)
    await byTestId(page, 'referral-dialog-confirm').click()
    await waitState(P, 'accepted', 'after 受理')
    if ((await byTestId(page, 'referral-receiver-case-number').innerText()) !== POLICE_CASE) throw new Error('the page does not show the police case number')
    await shot(page, 'referral-accepted-police.png')
    await waitState(M, 'accepted')
  })

  await step('6b. the police makes the receipt (移送回执) from its 签收 and the checked checklist, signs it in the browser with a key made there and archives it; the market department is offered its bundle live', async () => {
    const { page } = P
    const { receiver_org_id: police } = await apiGet(P, `/api/referrals/${id}`)
    await visible(byTestId(page, 'receipt-card'), 'the receipt card')
    await clickAndConfirm(page, byTestId(page, 'minutes-freeze'), async () => (await byTestId(page, 'open-signing').count()) > 0, 'the receipt is made (asked first)')
    await clickAndConfirm(page, byTestId(page, 'open-signing'), async () => (await byTestId(page, 'sign-button').count()) > 0, 'signing is open')
    const button = byTestId(page, 'sign-button')
    await waitFor(() => button.first().isEnabled(), 'the police\'s sign button is enabled')
    await button.first().click()
    await visible(byTestId(page, 'sign-confirm-hash'), 'the signing confirmation with its digest')
    const signed = async () => (await page.locator(`[data-testid="signer-status"][data-org-id="${police}"]`).first().getAttribute('data-signed')) === 'true'
    await clickAndConfirm(page, byTestId(page, 'sign-confirm'), signed, 'the police signs the receipt', { timeout: 30_000 })
    await clickAndConfirm(page, byTestId(page, 'archive-button'), async () => (await byTestId(page, 'receipt-bundle-download').count()) > 0, 'the receipt is archived and its bundle offered')
    await shot(page, 'referral-receipt-police.png')
    await visible(byTestId(M.page, 'receipt-bundle-download'), 'the market department\'s bundle link (live)')
  })

  await step('7. the police reports back and the market department closes it', async () => {
    await commandWithWords(P, 'feedback', FEEDBACK, 'feedback_given')
    await waitState(M, 'feedback_given')
    await clickAndConfirm(M.page, command(M.page, 'close'), async () => (await stateOf(M.page)) === 'closed', 'the officer closes it (asked first)')
  })

  await step('8. the procuratorate finds it under 抄送与监督, reads it with no button, its outcome, and downloads an item', async () => {
    await openFromList(J, id, 'supervised', [CASE, '上城区市场监督管理局 → 上城区公安分局', '已办结'], 'referral-list-procuratorate.png')
    const { page } = J
    await waitState(J, 'closed', 'on opening')
    await attrIs(byTestId(page, 'referral-part'), 'data-part', 'copied', 'the procuratorate\'s part')
    await visible(byTestId(page, 'referral-read-only'), 'the read-only notice')
    if (await byTestId(page, 'referral-commands').count()) throw new Error('the procuratorate is offered commands')
    if (await page.locator('[data-testid="item-upload"], [data-testid="item-received"], [data-testid="item-missing"]').count()) throw new Error('the procuratorate is offered item actions')
    if ((await byTestId(page, 'referral-receiver-case-number').innerText()) !== POLICE_CASE) throw new Error('the procuratorate does not see the police case number')
    if (!(await byTestId(page, 'referral-feedback').innerText()).includes(FEEDBACK)) throw new Error('the procuratorate does not see the feedback')
    const course = await byTestId(page, 'referral-course').innerText()
    for (const want of ['李华批准移送', '王强签收', '受理（立案）', '办结']) if (!course.includes(want)) throw new Error(`the course does not say ${want}: ${course}`)
    await shot(page, 'referral-procuratorate.png')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      item(page, ITEMS[1]).locator('[data-testid="item-download"]').click(),
    ])
    const saved = artifact('referral-item.pdf')
    await download.saveAs(saved)
    const shown = await item(page, ITEMS[1]).locator('[data-testid="item-sha256"]').getAttribute('data-sha256')
    if (sha256(readFileSync(saved)) !== shown) throw new Error('the downloaded file does not hash to the SHA-256 shown')
    if (shown !== sha256(fileFor(ITEMS[1], 2).buffer)) throw new Error('the procuratorate downloads another file than the one supplied')
    // And the signed receipt's bundle, which the harness verifies with concord and OpenSSL.
    const [bundle] = await Promise.all([page.waitForEvent('download'), byTestId(page, 'receipt-bundle-download').first().click()])
    await bundle.saveAs(artifact('receipt-bundle.zip'))
    const bytes = readFileSync(artifact('receipt-bundle.zip'))
    if (bytes.length < 100 || bytes.subarray(0, 2).toString() !== 'PK') throw new Error(`receipt-bundle.zip is not a zip (${bytes.length} bytes)`)
    const key = await apiGet(J, '/api/log/key')
    if (!key.vkey) throw new Error(`GET /api/log/key gave no vkey: ${JSON.stringify(key)}`)
    writeFileSync(artifact('log-vkey.txt'), `${key.vkey}\n`)
  })

  await step('9. a transfer of jurisdiction the township returns goes on only as the jurisdiction dispute raised from it, linked both ways', async () => {
    // Set-up through the API (the pages above did it already): 陈静 refers a matter to 湖滨街道,
    // 李华 approves, 陈静 sends.
    const T = await newBody(browser, 'township')
    track(T)
    await signIn(T, 'township', '刘芳')
    const orgs = await orgsByName(M)
    const matter = `湖滨路沿街商户占道经营案${tag}`
    const referral = await apiPost(M, '/api/referrals', {
      kind: 'jurisdiction',
      receiver_org_id: orgs['湖滨街道办事处'].id,
      case_name: matter,
      facts: '湖滨路沿街商户长期占道经营，经核查属乡镇（街道）综合行政执法事项。',
      legal_basis: '《浙江省综合行政执法条例》第十条',
      items: ['现场检查笔录'],
    })
    await uploadThroughApi(M, referral, 0)
    await actThroughApi(M, referral.id, 'submit')
    await actThroughApi(H, referral.id, 'approve')
    await actThroughApi(M, referral.id, 'send')
    // The township returns it on its page: it is not its matter.
    const { page } = T
    await page.goto(`${env.url}/referrals/${referral.id}`)
    await waitState(T, 'sent', 'on opening')
    await commandWithWords(T, 'return', '该事项未列入本街道综合行政执法事项清单，仍属区市场监管局职责。', 'returned')
    // No way to pass it on: the page offers the dispute instead, with its time in Beijing time.
    await attrIs(byTestId(page, 'dispute-window'), 'data-state', 'open', 'the time to raise the dispute')
    const window = await byTestId(page, 'dispute-window').innerText()
    if (!/\d{4}年\d{1,2}月\d{1,2}日/.test(window) || !window.includes('不得自行再移交')) throw new Error(`the dispute window does not say by when and what: ${window}`)
    if (await page.locator('[data-testid="referral-command"][data-allowed="true"]').count()) throw new Error('a returned referral offers the township a command')
    await shot(page, 'referral-returned-township.png')
    await byTestId(page, 'dispute-window-raise').click()
    await waitFor(() => new URL(page.url()).pathname === '/disputes/new', 'the link opens the dispute form')
    await visible(byTestId(page, 'dispute-source').filter({ hasText: `源自退回的移送案件：${matter}` }), 'the form names the returned referral')
    await byTestId(page, 'dispute-kind-negative').first().click()
    await field(page, 'dispute-description').fill('区市场监管局将沿街商户占道经营移送本街道，本街道认为该事项未下放，仍属区市场监管局职责。')
    await field(page, 'dispute-position').fill('该事项未列入乡镇（街道）综合行政执法事项清单，不属本街道管辖。')
    await byTestId(page, 'dispute-submit').click()
    await waitFor(
      () => /^\/disputes\/[^/]+$/.test(new URL(page.url()).pathname) && new URL(page.url()).pathname !== '/disputes/new',
      async () => `the dispute opens (at ${page.url()}; ${await toastText(page)})`,
    )
    const disputeId = new URL(page.url()).pathname.split('/').pop()
    // Both bodies' referral pages now say it went on as that dispute, and link to it.
    for (const body of [T, M]) {
      await body.page.goto(`${env.url}/referrals/${referral.id}`)
      await waitState(body, 'disputed', 'on opening')
      const link = byTestId(body.page, 'referral-dispute-link')
      await visible(link, `${body.label}'s link to the dispute`)
      const href = await link.getAttribute("href")
      if (href !== `/disputes/${disputeId}`) throw new Error(`${body.label}'s page links another dispute: ${href}, not /disputes/${disputeId}`)
    }
    await shot(M.page, 'referral-disputed-market.png')
  })
})
