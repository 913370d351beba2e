// End to end, in real headless Chromium: the supervision of referrals on the referral page,
// 移送统计 and 建议移送.
//
// A suspected crime is referred by 上城区市场监督管理局 to 上城区公安分局, copied to 上城区人民检察院,
// and accepted (set up through the API: referral.e2e walks the pages). 陈静 (`market-officer`) has
// neither 移送统计 nor 建议移送 on her referral page. 孙丽 (`procuratorate`) opens 移送统计 there and
// finds 上城区's table for this year: 本级 and 合计 count the referral as sent, signed for and
// accepted, the suspected crimes alone (the row of every kind is not shown to a procuratorate);
// the 导出 CSV link downloads the same table (UTF-8 with a BOM, the Chinese header row), whose
// rows parsed say the same; choosing 湖滨街道 shows that region's table, without the referral.
// 张明 (`bureau`) sees every kind counted but clues. 孙丽 then writes 建议移送: the form refuses an
// empty letter, offers only the enforcement bodies of her region by name (not the police), and
// sends a case letter to the market department; her page opens it with its receipt. 李华
// (`market`) finds it in the inbox marked 待签收, opens it, signs for it (签收) and replies with
// the department's decision; 孙丽's letter shows the receipt answered with that reply.
//
// Leaves in $E2E_ARTIFACTS the screenshots in `SHOTS` and the downloaded referral-stats.csv.
import { writeFileSync } from 'node:fs'
import {
  apiGet,
  apiPost,
  artifact,
  attrIs,
  byTestId,
  clickAndConfirm,
  env,
  field,
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

export const SHOTS = [
  'referral-stats-procuratorate.png',
  'referral-stats-bureau.png',
  'referral-suggest-form.png',
  'referral-suggest-sent.png',
  'referral-suggest-market.png',
  'referral-suggest-replied.png',
]

const MARKET_ORG = '上城区市场监督管理局'
const TOWNSHIP_ORG = '湖滨街道办事处'
const POLICE_ORG = '上城区公安分局'
const tag = uniqueTag()
const CASE = `西湖路销售有毒有害食品案${tag}`
const SUGGESTED = `湖滨路无证经营烟草制品案${tag}`
const REPLY = `经研究，本局同意移送，已于当日启动涉嫌犯罪案件移送程序（${tag}）。`
const YEAR = new Date(Date.now() + 8 * 3600_000).getUTCFullYear()
const CSV_HEADER = [
  '区划代码', '区划名称', '范围', '移送类型', '移送数', '签收数', '按时签收数', '受理（立案）数', '不予受理数', '退回数', '撤回数',
  '未办结数', '超期数', '签收用时中位数（工作日）', '决定用时中位数（工作日）', '统计期间',
]

/** A referral command through the API at the revision read now, for set-up. */
async function act(body, id, command, extra = {}) {
  const { revision } = await apiGet(body, `/api/referrals/${id}`)
  return apiPost(body, `/api/referrals/${id}/actions`, { command, revision, ...extra })
}

/** RFC 4180 CSV into rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text) {
  const rows = []
  let row = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++
      else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') row.push(cell), (cell = '')
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row.push(cell), rows.push(row), (row = []), (cell = '')
    } else cell += c
  }
  if (cell !== '' || row.length) row.push(cell), rows.push(row)
  return rows
}

/** The cell of column `col` in the panel's row of `scope` and `kind`. */
function cell(panel, scope, kind, col) {
  return panel.locator(`[data-testid="stats-row"][data-scope="${scope}"][data-kind="${kind}"] td[data-col="${col}"]`)
}

await run('referral-supervision.e2e', async (browser) => {
  const M = await newBody(browser, 'market-officer')
  const H = await newBody(browser, 'market-head')
  const P = await newBody(browser, 'police')
  const J = await newBody(browser, 'procuratorate')
  const B = await newBody(browser, 'bureau')
  track(M, H, P, J, B)
  let referralId
  let noticeId

  await step('sign in: 陈静 and 李华 (市场监管局), 王强 (公安分局), 孙丽 (检察院), 张明 (司法局)', async () => {
    await Promise.all([
      signIn(M, 'market-officer', '陈静'), signIn(H, 'market', '李华'), signIn(P, 'police', '王强'),
      signIn(J, 'procuratorate', '孙丽'), signIn(B, 'bureau', '张明'),
    ])
  })

  const before = await step('the procuratorate reads its table through the API first', () => apiGet(J, '/api/referrals/stats'))
  const own = (stats, kind) => stats.rows.find((r) => r.scope === 'own' && r.kind === kind)
  const accepted = own(before, 'criminal').accepted
  const referred = own(before, 'criminal').referred
  if (JSON.stringify(before.kinds) !== '["criminal"]') throw new Error(`a procuratorate counts ${before.kinds}`)

  await step('set-up: the market department refers a suspected crime to the police, who sign for it and accept it', async () => {
    const orgs = await orgsByName(M)
    const referral = await apiPost(M, '/api/referrals', {
      kind: 'criminal',
      receiver_org_id: orgs[POLICE_ORG].id,
      copy_org_id: orgs['上城区人民检察院'].id,
      case_name: CASE,
      facts: '当事人在西湖路门店销售掺有非食用物质的食品，涉嫌生产、销售有毒、有害食品罪。',
      legal_basis: '《行政执法机关移送涉嫌犯罪案件的规定》第三条',
      items: ['抽样检验报告'],
    })
    referralId = referral.id
    const item = referral.items[0]
    const path = `/api/referrals/${referral.id}/items/${item.id}/file?name=${encodeURIComponent('抽样检验报告.pdf')}`
    const res = await M.context.request.put(env.url + path, {
      data: Buffer.from(`%PDF-1.4\n抽样检验报告 ${tag}\n%%EOF\n`), headers: { Origin: env.url, 'Content-Type': 'application/pdf' },
    })
    if (!res.ok()) throw new Error(`PUT ${path} answered ${res.status()}: ${await res.text()}`)
    await act(M, referral.id, 'submit')
    await act(H, referral.id, 'approve')
    await act(M, referral.id, 'send')
    await act(P, referral.id, 'receive')
    await apiPost(P, `/api/referrals/${referral.id}/items/${item.id}/check`, { found: 'received' })
    const done = await act(P, referral.id, 'accept', { case_number: `上公立字〔${YEAR}〕${tag.slice(-3)}号` })
    if (done.state !== 'accepted') throw new Error(`the referral is ${done.state}, not accepted`)
  })

  await step('an enforcement department has neither 移送统计 nor 建议移送', async () => {
    const { page } = M
    await page.goto(`${env.url}/referrals`)
    await visible(byTestId(page, 'referral-new'), 'the officer\'s referral page')
    for (const testid of ['referral-stats-open', 'referral-suggest-open']) {
      if (await byTestId(page, testid).count()) throw new Error(`the market department was offered ${testid}`)
    }
  })

  await step('the procuratorate opens 移送统计 on its referral page and finds the referral counted, accepted', async () => {
    const { page } = J
    await page.goto(`${env.url}/referrals`)
    if (await byTestId(page, 'referral-new').count()) throw new Error('the procuratorate is offered 移送案件')
    await byTestId(page, 'referral-stats-open').click()
    const panel = byTestId(page, 'referral-stats')
    await visible(panel, 'the statistics panel')
    await waitFor(async () => (await byTestId(panel, 'referral-stats-title').innerText()) === '上城区案件移送统计', 'the panel names 上城区')
    for (const scope of ['own', 'total']) {
      await waitFor(async () => (await cell(panel, scope, 'criminal', 'accepted').innerText()) === String(accepted + 1), `${scope} counts the referral accepted`)
      for (const [col, want] of [['referred', referred + 1], ['received', referred + 1], ['overdue', 0]]) {
        const seen = await cell(panel, scope, 'criminal', col).innerText()
        if (seen !== String(want)) throw new Error(`${scope}'s ${col} is ${seen}, not ${want}`)
      }
    }
    if (await panel.locator('[data-testid="stats-row"][data-kind="all"]').count()) throw new Error('a procuratorate is shown the all-kinds rows')
    const text = await panel.innerText()
    for (const want of ['涉嫌犯罪案件移送', '按时签收', '受理（立案）', '不予受理', '退回', '超期', '签收用时（中位数，工作日）', '决定用时（中位数，工作日）', '合计', '湖滨街道', '行刑衔接']) {
      if (!text.includes(want)) throw new Error(`the panel does not say ${want}`)
    }
    if (!new URL(page.url()).searchParams.has('stats')) throw new Error('the open panel is not in the address')
    await shot(page, 'referral-stats-procuratorate.png')
  })

  await step('导出 CSV downloads the same table: parsed, 本级 and 合计 count the referral accepted', async () => {
    const link = byTestId(J.page, 'stats-csv')
    if ((await link.innerText()).trim() !== '导出 CSV') throw new Error('the link is not 导出 CSV')
    const href = await link.getAttribute('href')
    const res = await J.context.request.get(env.url + href)
    if (!res.ok()) throw new Error(`${href} answered ${res.status()}`)
    if (!String(res.headers()['content-type']).startsWith('text/csv')) throw new Error(`the CSV is ${res.headers()['content-type']}`)
    const bytes = await res.body()
    writeFileSync(artifact('referral-stats.csv'), bytes)
    if (!(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) throw new Error('no BOM')
    const [header, ...rows] = parseCsv(bytes.subarray(3).toString('utf8')).filter((r) => r.length > 1)
    if (JSON.stringify(header) !== JSON.stringify(CSV_HEADER)) throw new Error(`header: ${header.join(',')}`)
    const at = (name) => CSV_HEADER.indexOf(name)
    for (const r of rows) {
      if (r.length !== CSV_HEADER.length) throw new Error(`a row of ${r.length} fields: ${r.join(',')}`)
      if (r[at('统计期间')] !== `${YEAR}-01-01 至 ${YEAR}-12-31`) throw new Error(`the period: ${r[at('统计期间')]}`)
    }
    for (const scope of ['本级', '合计']) {
      const row = rows.find((r) => r[at('区划代码')] === '330102' && r[at('范围')] === scope && r[at('移送类型')] === '涉嫌犯罪案件移送')
      if (!row) throw new Error(`no ${scope} row of suspected crimes: ${rows.map((r) => r.slice(0, 4).join('/')).join('; ')}`)
      if (row[at('区划名称')] !== '上城区') throw new Error(`the ${scope} row names ${row[at('区划名称')]}`)
      if (Number(row[at('受理（立案）数')]) !== accepted + 1) throw new Error(`the CSV's ${scope} accepted: ${row[at('受理（立案）数')]}`)
      if (Number(row[at('移送数')]) !== referred + 1) throw new Error(`the CSV's ${scope} referred: ${row[at('移送数')]}`)
      if (Number(row[at('签收数')]) !== referred + 1) throw new Error(`the CSV's ${scope} received: ${row[at('签收数')]}`)
    }
    // A procuratorate counts the suspected crimes alone: no other kind in its file.
    const kinds = new Set(rows.map((r) => r[at('移送类型')]))
    for (const k of ['管辖移送', '问题线索移送', '移送检察院']) if (kinds.has(k)) throw new Error(`the procuratorate's CSV counts ${k}`)
  })

  await step('choosing 湖滨街道 shows that region\'s table, without the referral', async () => {
    const { page } = J
    const panel = byTestId(page, 'referral-stats')
    await pickOption(page, 'referral-stats-region', '湖滨街道')
    await byTestId(page, 'stats-query').click()
    await waitFor(async () => (await byTestId(panel, 'referral-stats-title').innerText()) === '湖滨街道案件移送统计', 'the panel names 湖滨街道')
    if ((await cell(panel, 'own', 'criminal', 'referred').innerText()) !== '0') throw new Error('湖滨街道 counts a referral of 上城区')
    const href = await byTestId(page, 'stats-csv').getAttribute('href')
    if (!href.includes('region=330102001')) throw new Error(`the CSV link does not follow the region: ${href}`)
  })

  await step('the judicial bureau sees every kind but clues, together and one by one', async () => {
    const { page } = B
    await page.goto(`${env.url}/referrals?stats=1`)
    const panel = byTestId(page, 'referral-stats')
    await visible(panel, 'the bureau\'s statistics panel')
    await waitFor(async () => (await cell(panel, 'own', 'all', 'accepted').innerText()) !== '', 'the bureau\'s table')
    await waitFor(async () => Number(await cell(panel, 'own', 'criminal', 'accepted').innerText()) >= accepted + 1, 'the bureau counts the referral accepted')
    const kinds = await panel.locator('[data-testid="stats-row"][data-scope="own"]').evaluateAll((rows) => rows.map((r) => r.dataset.kind))
    if (JSON.stringify(kinds) !== JSON.stringify(['all', 'jurisdiction', 'criminal', 'procuratorate'])) throw new Error(`the bureau's kinds: ${kinds}`)
    if (await byTestId(page, 'referral-suggest-open').count()) throw new Error('a judicial bureau is offered 建议移送')
    await shot(page, 'referral-stats-bureau.png')
  })

  await step('the procuratorate writes 建议移送: refused empty, offered its region\'s enforcement bodies alone, sent as a case letter', async () => {
    const { page } = J
    await byTestId(page, 'referral-suggest-open').click()
    const dialog = byTestId(page, 'suggest-dialog')
    await visible(field(page, 'suggest-case-name'), 'the 建议移送 form')
    await byTestId(page, 'suggest-submit').click()
    await visible(page.locator('.el-message').filter({ hasText: '请选择行政执法机关' }), 'the form asks for the body first')
    await byTestId(page, 'suggest-org').first().click()
    let offered = []
    await waitFor(async () => (offered = await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').allInnerTexts()).length > 0, 'the bodies offered')
    await page.keyboard.press('Escape')
    if (JSON.stringify([...offered].sort()) !== JSON.stringify([MARKET_ORG, TOWNSHIP_ORG].sort())) throw new Error(`the bodies offered: ${offered.join('、')}`)
    if (offered.some((o) => o.includes(POLICE_ORG))) throw new Error('the police is offered a suggestion to refer')
    await pickOption(page, 'suggest-org', MARKET_ORG)
    await field(page, 'suggest-case-name').fill(SUGGESTED)
    await field(page, 'suggest-case-number').fill(`上市监处〔${YEAR}〕${tag.slice(-3)}号`)
    await field(page, 'suggest-reason').fill('当事人无烟草专卖零售许可证经营卷烟，非法经营数额逾五万元，涉嫌非法经营罪，该局仅作出行政处罚。')
    // The fields the first try marked are no longer marked once filled (after their fade).
    await waitFor(async () => (await dialog.locator('.el-form-item.is-error').count()) === 0, 'the filled form shows no problem')
    await page.waitForTimeout(400)
    await shot(page, 'referral-suggest-form.png')
    await byTestId(page, 'suggest-submit').click()
    await waitFor(
      () => /^\/notices\/[^/]+$/.test(new URL(page.url()).pathname),
      async () => `the letter opens (at ${page.url()}; ${await toastText(page)})`,
    )
    noticeId = new URL(page.url()).pathname.split('/').pop()
    if (await dialog.isVisible()) throw new Error('the dialog stayed open')
    const body = await byTestId(page, 'notice-body').innerText()
    for (const want of [SUGGESTED, '涉嫌犯罪', '建议贵单位依法向公安机关移送', '上城区人民检察院']) if (!body.includes(want)) throw new Error(`the letter does not say ${want}: ${body}`)
    await attrIs(byTestId(page, 'receipt-row'), 'data-acknowledged', 'false', 'the market department\'s receipt, not yet signed for')
    await shot(page, 'referral-suggest-sent.png')
  })

  await step('the market department finds it in its inbox, signs for it and replies with its decision', async () => {
    const { page } = H
    await page.goto(`${env.url}/inbox`)
    const item = byTestId(page, 'inbox-item').filter({ hasText: `建议移送涉嫌犯罪案件：${SUGGESTED}` })
    await visible(item, 'the letter in the market department\'s inbox')
    await visible(item.locator('[data-testid="inbox-to-ack"]'), 'the letter marked 待签收')
    await item.first().click()
    await waitFor(() => new URL(page.url()).pathname === `/notices/${noticeId}`, 'the inbox opens the letter')
    await visible(byTestId(page, 'notice-ack'), 'the 签收 button')
    await shot(page, 'referral-suggest-market.png')
    await clickAndConfirm(page, byTestId(page, 'notice-ack'), () => byTestId(page, 'notice-acked').first().isVisible(), 'the market department signs for it')
    if (!(await byTestId(page, 'notice-acked').innerText()).includes('李华')) throw new Error('the receipt does not name who signed for it')
    await field(page, 'notice-reply').fill(REPLY)
    await byTestId(page, 'notice-reply-send').click()
    await visible(byTestId(page, 'notice-replied').filter({ hasText: REPLY }), 'the reply shown as sent')
  })

  await step('the procuratorate\'s letter shows the receipt signed for and answered with the reply', async () => {
    const { page } = J
    const row = byTestId(page, 'receipt-row')
    await waitFor(async () => {
      if ((await row.getAttribute('data-state', { timeout: 1000 })) !== 'replied') {
        await page.reload()
        return false
      }
      return true
    }, 'the receipt answered', { interval: 1000 })
    await attrIs(row, 'data-acknowledged', 'true', 'the receipt signed for')
    const text = await row.innerText()
    if (!text.includes(REPLY) || !text.includes('李华')) throw new Error(`the receipt does not show who signed for it and the reply: ${text}`)
    await shot(page, 'referral-suggest-replied.png')
  })

  // The referral set up above stays what it was: the letter is a notice, not a referral.
  const after = await apiGet(J, `/api/referrals/${referralId}`)
  if (after.state !== 'accepted') throw new Error(`the referral is now ${after.state}`)
})
