// Phone and tablet widths: every page fits the screen, in real headless Chromium.
//
// 上城区司法局 (`bureau`) creates through the API what the pages show (a meeting inviting
// 上城区市场监督管理局 with its notice issued, a notice, a task, a second meeting whose
// minutes are signed and archived, a dispute of the market department against the police
// that the bureau accepted, and a joint investigation group the market department leads with
// the police, formed, which the bureau supervises; a draft referral of the market department).
// Then, at 390×844 (a phone) and 768×1024 (a tablet), each
// body signed in its own context, every page is opened and measured once loaded: the page must
// not scroll sideways (`document.documentElement.scrollWidth <= innerWidth`); an overflow is
// reported with the elements that stick out. At phone width the navigation is folded into a
// drawer that opens from the menu button and leads to every section. The operator (in a third
// context) walks the administration pages, and 张明 his body's desk and audit trail.
//
// Leaves in $E2E_ARTIFACTS: <width>-<body>-<page>.png for every page measured.
import {
  apiGet,
  apiPost,
  artifact,
  byTestId,
  disputeThroughApi,
  env,
  log,
  meetingAction,
  newBody,
  officeTime,
  orgsByName,
  run,
  signIn,
  signMinutesThroughApi,
  step,
  track,
  uniqueTag,
  visible,
  waitFor,
} from './lib.mjs'

const tag = uniqueTag()
const SIZES = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'tablet', width: 768, height: 1024 },
]

/** Waits until the page has loaded: no loading mask or skeleton, and its text stable for 0.5 s. */
async function settled(page) {
  let last = ''
  let since = 0
  await waitFor(
    async () => {
      const busy = await page.locator('.el-loading-mask:visible, .el-skeleton:visible').count()
      const text = await page.evaluate(() => document.body.innerText)
      if (busy || text.includes('加载中') || !text.trim()) return (since = 0), false
      if (text !== last) return (last = text), (since = Date.now()), false
      return Date.now() - since >= 500
    },
    'the page has finished loading',
  )
}

/** The page's width against the screen's, and what sticks out when it is wider. */
async function overflow(page) {
  return page.evaluate(() => {
    const width = window.innerWidth
    const scroll = document.documentElement.scrollWidth
    const out = []
    if (scroll > width) {
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect()
        if (r.width === 0 || r.right <= width + 1) continue
        // Only the innermost: an element none of whose children sticks out as far.
        const child = [...el.children].some((c) => c.getBoundingClientRect().right >= r.right - 1)
        if (child) continue
        const id = el.getAttribute('data-testid')
        const cls = typeof el.className === 'string' ? el.className.split(/\s+/).slice(0, 3).join('.') : ''
        out.push(`${el.tagName.toLowerCase()}${id ? `[${id}]` : ''}${cls ? `.${cls}` : ''} right=${Math.round(r.right)}`)
        if (out.length >= 8) break
      }
    }
    return { width, scroll, out }
  })
}

await run('layout.e2e', async (browser) => {
  const setup = await newBody(browser, 'setup')
  track(setup)
  let meetingId, signedId, noticeId, taskId, disputeId, groupId, referralId, supervisionId, campaignId, reviewId

  await step('set-up: a meeting, a notice, a task and an archived meeting (API, as 上城区司法局)', async () => {
    await signIn(setup, 'bureau', '张明')
    const orgs = await orgsByName(setup)
    const market = orgs['上城区市场监督管理局'].id
    const invited = [{ org_id: market, role: 'member' }]
    const meeting = await apiPost(setup, '/api/meetings', {
      kind: 'consultation',
      title: `关于推进食品药品安全领域行政执法与刑事司法衔接工作的专题会商${tag}`,
      starts_at: officeTime(2, 14, 30),
      ends_at: officeTime(2, 16, 0),
      reply_due_at: officeTime(1, 17, 0),
      place: '区司法局三楼第一会议室（行政服务中心北楼）',
      invited,
    })
    meetingId = meeting.id
    await apiPost(setup, `/api/meetings/${meetingId}/agenda`, { title: '通报近期联合检查发现的问题', note: '请各单位准备书面材料' })
    await meetingAction(setup, meetingId, 'issue_notice')
    noticeId = (await apiPost(setup, '/api/notices', {
      kind: 'information',
      title: `关于开展安全生产检查的通知${tag}`,
      body: '请各单位于本周内完成辖区安全生产自查，并将结果报送区司法局。https://example.invalid/a/very/long/address/that/must/wrap/on/a/phone/screen',
      recipients: [market],
      requires_ack: true,
    })).id
    taskId = (await apiPost(setup, '/api/tasks', {
      title: `整改落实情况报送${tag}`,
      body: '请于期限内报送上月执法检查发现问题的整改落实情况。',
      assignee_org_id: market,
      limit: { unit: 'working_days', amount: 10 },
    })).id
    const signed = await apiPost(setup, '/api/meetings', {
      kind: 'joint',
      title: `联席会议${tag}`,
      starts_at: officeTime(3, 9, 0),
      ends_at: officeTime(3, 10, 30),
      place: '区市场监管局二楼会议室',
      invited,
    })
    signedId = signed.id
    for (const c of ['issue_notice', 'start', 'end']) await meetingAction(setup, signedId, c)
    await apiPost(setup, `/api/meetings/${signedId}/minutes/freeze`, {})
    await apiPost(setup, `/api/meetings/${signedId}/minutes/open-signing`, { version: 1 })
    const market2 = await newBody(browser, 'setup-market')
    await signIn(market2, 'market', '李华')
    await signMinutesThroughApi(market2, signedId)
    await signMinutesThroughApi(setup, signedId)
    await apiPost(setup, `/api/meetings/${signedId}/minutes/archive`, { version: 1 })
    // A dispute of the market department against the police, accepted by the bureau (long
    // names, both parties' columns, the decision document).
    const police = await newBody(browser, 'setup-police')
    await signIn(police, 'police', '王强')
    disputeId = await disputeThroughApi(market2, police, orgs['上城区公安分局'].id, setup, `关于某小区地下车库违规设置经营性停车场的执法职责争议${tag}`)
    // A joint investigation group led by the market department with the police, formed (its
    // dossier of three sections, the members' answers with their people).
    const group = await apiPost(market2, '/api/investigations', {
      case_name: `湖滨路食品小作坊制售假冒品牌调味品及非法添加工业原料案${tag}`,
      case_number: `上市监立〔2026〕${tag.slice(-3)}号`,
      summary: '群众举报湖滨路一食品小作坊使用工业原料制售假冒品牌调味品，销往周边餐饮店。',
      areas: '市场监管：食品生产经营许可及产品质量；公安：涉嫌犯罪线索侦查。',
      confidentiality: 'internal',
      members: [orgs['上城区公安分局'].id],
    })
    groupId = group.id
    await apiPost(police, `/api/investigations/${groupId}/membership`, { command: 'confirm', responsible_person: '陈刚（副局长）', contact: '陈刚 0571-8700 1234' })
    const formed = await apiGet(market2, `/api/investigations/${groupId}`)
    await apiPost(market2, `/api/investigations/${groupId}/actions`, { command: 'form', revision: formed.revision })
    // A draft referral of a suspected crime to the police, copied to the procuratorate, with a
    // three-item checklist (the bureau sees no draft: its page is 无权查看).
    const referral = await apiPost(market2, '/api/referrals', {
      kind: 'criminal',
      receiver_org_id: orgs['上城区公安分局'].id,
      copy_org_id: orgs['上城区人民检察院'].id,
      case_name: `湖滨路某商贸有限公司销售假冒注册商标食品及伪造产品检验报告案${tag}`,
      case_number: `上市监立〔2026〕${tag.slice(-3)}号`,
      facts: '经查，当事人销售假冒注册商标的食品，货值金额逾十五万元，涉嫌销售假冒注册商标的商品罪。',
      legal_basis: '《行政执法机关移送涉嫌犯罪案件的规定》第三条',
      items: ['现场检查笔录及现场照片（共二十四页）', '抽样检验报告', '涉案物品清单'],
    })
    referralId = referral.id
    // A supervision decision the bureau drafts to the market department (its page is the
    // bureau's until it is issued).
    supervisionId = (await apiPost(setup, '/api/supervision-docs', {
      kind: 'decision',
      body_org_id: orgs['上城区市场监督管理局'].id,
      title: `关于撤销上城区市场监督管理局违法行政处罚决定的监督决定${tag}`,
    })).id
    // A campaign the bureau plans over the market department (planned: the bureau's page).
    campaignId = (await apiPost(setup, '/api/campaigns', {
      kind: 'inspection', field: '安全生产', title: `2026年安全生产行政执法检查${tag}`,
      starts_on: '2026-04-01', ends_on: '2026-05-31', body_org_ids: [orgs['上城区市场监督管理局'].id],
    })).id
    // A cross review the bureau plans of the market department (planned: the bureau's page).
    reviewId = (await apiPost(setup, '/api/reviews', {
      kind: 'cross', title: `2025年度行政执法案卷交叉评查${tag}`, starts_on: '2025-01-01', ends_on: '2025-12-31',
      reviewed_org_ids: [orgs['上城区市场监督管理局'].id],
      reviewer_org_ids: [orgs['上城区市场监督管理局'].id, orgs['上城区公安分局'].id],
    })).id
    await police.context.close()
    await market2.context.close()
    await apiGet(setup, `/api/meetings/${signedId}`)
    log(`  meeting ${meetingId}, archived ${signedId}, notice ${noticeId}, task ${taskId}`)
  })

  const pages = (body) => [
    ['dashboard', '/'],
    ['meetings', '/meetings'],
    ...(body === 'bureau' ? [['meeting-new', '/meetings/new']] : []),
    ...(body === 'bureau' ? [['supervision', '/supervision']] : []),
    ['meeting-room', `/meetings/${meetingId}`],
    ['signed-room', `/meetings/${signedId}`],
    ['archive', `/meetings/${signedId}/archive`],
    ['tasks', '/tasks'],
    ['task', `/tasks/${taskId}`],
    ['inbox', '/inbox'],
    ['notice', `/notices/${noticeId}`],
    ['verify', '/verify'],
    ['disputes', '/disputes'],
    ['dispute-new', '/disputes/new'],
    ['dispute', `/disputes/${disputeId}`],
    ['investigations', '/investigations'],
    ['investigation-new', '/investigations/new'],
    ['investigation', `/investigations/${groupId}`],
    ['referrals', '/referrals'],
    ...(body === 'market' ? [['referral-new', '/referrals/new']] : []),
    ['referral', `/referrals/${referralId}`],
    ...(body === 'bureau' ? [['referral-stats', '/referrals?stats=1']] : []),
    ['supervision-docs', '/supervision-docs'],
    ...(body === 'bureau' ? [['supervision-doc', `/supervision-docs/${supervisionId}`]] : []),
    ['campaigns', '/campaigns'],
    ...(body === 'bureau' ? [['campaign', `/campaigns/${campaignId}`]] : []),
    ['reviews', '/reviews'],
    ...(body === 'bureau' ? [['review', `/reviews/${reviewId}`]] : []),
    ['library', '/library'],
    ['account', '/account'],
    ['admin-tokens', '/admin/tokens'],
    ['admin-webhooks', '/admin/webhooks'],
    ['admin-mailbox', '/admin/mailbox'],
    ['not-found', '/no-such-page'],
    ...(body === 'bureau' ? [['admin', '/admin'], ['admin-audit', '/admin/audit']] : []),
  ]
  /** The operator's administration pages (`{county}`: 上城区司法局's id, for its people). */
  const adminPages = (county) => [
    ['admin', '/admin'],
    ['admin-orgs', '/admin/orgs'],
    ['admin-people', `/admin/orgs/${county}`],
    ['admin-regions', '/admin/regions'],
    ['admin-import', '/admin/import'],
    ['admin-calendar', '/admin/calendar'],
    ['admin-sign-in', '/admin/sign-in'],
    ['admin-audit', '/admin/audit'],
  ]

  const failures = []
  const measured = []
  for (const size of SIZES) {
    await step(`${size.name} (${size.width}×${size.height}): no page scrolls sideways`, async () => {
      const viewport = { width: size.width, height: size.height }
      const guest = await newBody(browser, `${size.name}-guest`, { viewport, hasTouch: true })
      const A = await newBody(browser, `${size.name}-bureau`, { viewport, hasTouch: true })
      const B = await newBody(browser, `${size.name}-market`, { viewport, hasTouch: true })
      const C = await newBody(browser, `${size.name}-operator`, { viewport, hasTouch: true })
      track(guest, A, B, C)
      const measure = async (b, name, path) => {
        await b.page.goto(env.url + path)
        await settled(b.page)
        await b.page.screenshot({ path: artifact(`${size.width}-${b.label.split('-')[1]}-${name}.png`), fullPage: true })
        const o = await overflow(b.page)
        measured.push(`${size.width} ${b.label} ${path}: ${o.scroll}/${o.width}`)
        // Not a mobile emulation: a phone's browser would widen its layout viewport to a page
        // too wide (and zoom out), which hides the overflow from innerWidth; here it stays.
        if (o.width !== size.width) failures.push(`${size.width} px, ${b.label}, ${path}: innerWidth is ${o.width}`)
        if (o.scroll > size.width) failures.push(`${size.width} px, ${b.label}, ${path}: ${o.scroll} px wide; sticking out: ${o.out.join(', ')}`)
      }
      await measure(guest, 'login', '/login')
      await Promise.all([signIn(A, 'bureau', '张明'), signIn(B, 'market', '李华'), signIn(C, 'operator', '系统管理员')])
      const walk = async (b, who) => {
        for (const [name, path] of pages(who)) await measure(b, name, path)
      }
      const county = (await orgsByName(C))['上城区司法局'].id
      const walkAdmin = async () => {
        for (const [name, path] of adminPages(county)) await measure(C, name, path)
      }
      await Promise.all([walk(A, 'bureau'), walk(B, 'market'), walkAdmin()])
      for (const b of [guest, A, B, C]) await b.context.close()
    })
  }

  await step('no overflow anywhere', async () => {
    log(`  measured (scrollWidth/innerWidth):\n    ${measured.join('\n    ')}`)
    if (failures.length) throw new Error(`${failures.length} page(s) scroll sideways:\n  ${failures.join('\n  ')}`)
  })
  await step('on a phone the navigation folds into a drawer that reaches every section', async () => {
    const phone = await newBody(browser, 'phone-nav', { viewport: { width: 390, height: 844 }, hasTouch: true })
    track(phone)
    await signIn(phone, 'market', '李华')
    const { page } = phone
    const header = await page.locator('header').first().boundingBox()
    if (!header || header.height > 70) throw new Error(`the header takes ${header?.height} px: it wraps`)
    for (const [label, path] of [['协调会议', '/meetings'], ['任务督办', '/tasks'], ['通知收件箱', '/inbox'], ['纪要核验', '/verify'], ['争议协调', '/disputes'], ['联合调查', '/investigations'], ['案件移送', '/referrals'], ['工作台', '/']]) {
      await byTestId(page, 'nav-toggle').first().click()
      const item = page.locator('.el-drawer .el-menu-item').filter({ hasText: label }).first()
      await visible(item, `the drawer's item ${label}`)
      // Once the drawer has slid in, the item is whole on the screen.
      let box
      await waitFor(
        async () => (box = await item.boundingBox()) && box.x >= 0 && box.x + box.width <= 390,
        () => `${label} is whole on the screen in the drawer (box ${JSON.stringify(box)})`,
        { timeout: 3000 },
      )
      await item.click()
      await waitFor(() => new URL(page.url()).pathname === path, () => `${label} leads to ${path} (at ${page.url()})`)
      await waitFor(async () => !(await page.locator('.el-drawer:visible').count()), 'the drawer closes after choosing')
    }
  })

})
