// The zh-CN client shows no untranslated English: a walk over the main pages of two bodies, and
// the administration pages of a body's administrator (张明) and of the operator.
//
// 上城区司法局 (`bureau`) creates, through the API, a meeting inviting 上城区市场监督管理局 (with
// its notice issued and an agenda item), a notice and a task for it, all written in Chinese. Then
// both bodies, each in its own browser context in the default locale (zh-CN), walk the sign-in
// page, the dashboard, the meetings list and creation form, the meeting room, its archive page,
// the task list and a task, the inbox and the notice (the sender's and the recipient's view), the
// verify page, the disputes list, the raise form and a dispute accepted by the bureau (raised by
// the market department against the police: the bureau's and the raising body's view) and the
// not-found page. On each page, once it has loaded, the visible text
// (document.body.innerText, the values of visible inputs, and the placeholder, title, aria-label
// and alt attributes of visible elements, and the document title) must hold no English word:
// no run of two or more Latin letters, after removing the few things below that have no Chinese
// form. Every finding is listed with its page and context; a screenshot of each page is saved
// as $E2E_ARTIFACTS/zh-<body>-<page>.png.
import { generateKeyPairSync, sign as ed25519Sign } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import {
  apiGet,
  artifact,
  apiPost,
  byTestId,
  disputeThroughApi,
  env,
  log,
  newBody,
  officeTime,
  orgsByName,
  run,
  shot,
  signIn,
  step,
  track,
  uniqueTag,
  visible,
  waitFor,
} from './lib.mjs'

/**
 * What may legitimately be Latin on a zh-CN page. Kept minimal on purpose:
 * - "English": the language switch names the other language in that language.
 * - SM2 / SM3: the national cryptographic algorithms (国密), written so in Chinese documents.
 * - SHA-256 and Ed25519: algorithm names of the signatures and hashes shown on the signing and
 *   verify pages; they have no Chinese name.
 * - A 64-digit lowercase hex string: a SHA-256/SM3 digest shown on purpose (the manifest hash),
 *   data rather than words.
 * - ZIP, and the extension ".zip": the file format of the archive bundle (“ZIP 文件”, “.zip 文件”),
 *   as Chinese software writes it and as the file is named.
 * - A size unit after a number (64 MiB, 10 MB): units are written in Latin in Chinese text.
 * - A URL scheme written as the literal the user types ("以 https:// 开头的网址").
 * - CSV: the file format of the directory import and the audit export, as Chinese software
 *   writes it (like ZIP).
 * - PDF: the printable rendition of a signed document (“PDF 版本”), as Chinese software writes it.
 * Data that is not words of the interface (codes, user names, an audit row's raw key, the
 * header line a CSV file must have) is marked `translate="no"` by the pages, as HTML means it,
 * and its text is left out of the walk.
 */
const ALLOWED = [
  /\bEnglish\b/g,
  /\bSM[234]\b/g,
  /\bSHA-?256\b/gi,
  /\bEd25519\b/g,
  /\b[0-9a-f]{64}\b/g,
  /\bZIP\b/g,
  /\.zip\b/g,
  /\d\s*[KMGT]i?B\b/g,
  /\bhttps?:\/\//g,
  /\bCSV\b/g,
  /\bPDF\b/g,
]

const tag = uniqueTag()
const MEETING_TITLE = `关于联合执法检查的会商${tag}`
const NOTICE_TITLE = `关于开展安全生产检查的通知${tag}`
const TASK_TITLE = `整改落实情况报送${tag}`
// The bundle as the user saved it: its name shows on the verify page, so it is Chinese too.
const BUNDLE_FILE = `会议纪要归档包${tag}.zip`
const SIGNED_TITLE = `关于市场监管执法衔接的联席会商${tag}`
const DISPUTE_TITLE = `地下车库经营性停车场执法职责争议${tag}`

/** Moves a meeting with a convener command, reading its revision first. */
async function command(body, meetingId, name) {
  const { revision } = await apiGet(body, `/api/meetings/${meetingId}`)
  await apiPost(body, `/api/meetings/${meetingId}/actions`, { command: name, revision })
}

/**
 * Signs version 1 of a meeting's minutes for the caller's body the way `concord admin sign`
 * does: a fresh Ed25519 key enrolled, the statement fetched, its PAE signed.
 */
async function signThroughApi(body, meetingId) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const key = await apiPost(body, '/api/keys', { public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }) })
  const toSign = await apiPost(body, `/api/meetings/${meetingId}/minutes/statement`, { version: 1, key_id: key.key_id })
  const signature = ed25519Sign(null, Buffer.from(toSign.pae, 'base64'), privateKey).toString('base64')
  await apiPost(body, `/api/meetings/${meetingId}/minutes/signatures`, { version: 1, statement: toSign.statement, signature })
}

/** The visible text of the page, each piece labelled where it came from. */
async function visibleText(page) {
  return page.evaluate(() => {
    const shown = (el) => {
      const r = el.getBoundingClientRect()
      const s = getComputedStyle(el)
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
    }
    // Data marked translate="no" (codes, user names) is not interface text: cut it out.
    let text = document.body.innerText
    for (const el of document.querySelectorAll('[translate="no"]')) {
      const data = el.innerText
      if (data) text = text.replace(data, ' ')
    }
    const parts = [{ where: 'text', text }, { where: 'document title', text: document.title }]
    for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')) {
      if (!shown(el)) continue
      for (const a of ['placeholder', 'title', 'aria-label', 'alt']) {
        const v = el.getAttribute(a)
        if (v) parts.push({ where: `${a} of <${el.tagName.toLowerCase()}>`, text: v })
      }
    }
    for (const el of document.querySelectorAll('input, textarea')) {
      if (el.type === 'password' || el.type === 'hidden' || !shown(el) || !el.value) continue
      parts.push({ where: `value of <${el.tagName.toLowerCase()}>`, text: el.value })
    }
    return parts
  })
}

/** English words in the pieces of text: [{word, where, context}]. */
function englishWords(parts) {
  const found = []
  for (const { where, text } of parts) {
    let cleaned = text
    for (const re of ALLOWED) cleaned = cleaned.replace(re, (m) => ' '.repeat(m.length))
    for (const m of cleaned.matchAll(/[A-Za-z]{2,}/g)) {
      const from = Math.max(0, m.index - 25)
      const context = text.slice(from, m.index + m[0].length + 25).replace(/\s+/g, ' ')
      found.push({ word: m[0], where, context })
    }
  }
  return found
}

/** Waits until the page has loaded: no loading mask, skeleton or 加载中, and its text stable. */
async function settled(page) {
  let last = ''
  let stableSince = 0
  await waitFor(
    async () => {
      const busy = await page.locator('.el-loading-mask:visible, .el-skeleton:visible, .is-loading:visible').count()
      const text = await page.evaluate(() => document.body.innerText)
      if (busy || text.includes('加载中') || text.trim() === '') {
        stableSince = 0
        return false
      }
      if (text !== last) {
        last = text
        stableSince = Date.now()
        return false
      }
      return Date.now() - stableSince >= 600
    },
    'the page has finished loading (no loading indicator, text unchanged for 0.6 s)',
  )
}

await run('zh-cn.e2e', async (browser) => {
  const guest = await newBody(browser, 'guest')
  const A = await newBody(browser, 'bureau')
  const B = await newBody(browser, 'market')
  const C = await newBody(browser, 'operator')
  const P = await newBody(browser, 'police')
  track(guest, A, B, C, P)
  const problems = [] // {page, words?, error?}

  /**
   * Opens a page, waits for it (and for `ready`, if given), does `act` (if given: what a person
   * does there, showing more of the page), checks it, photographs it.
   */
  async function walk(body, name, path, ready, act) {
    const label = `${body.label} ${path}`
    try {
      await body.page.goto(env.url + path)
      if (ready) await visible(ready(body.page), `${label}: ${ready.what}`)
      if (act) await act(body.page)
      await settled(body.page)
      await shot(body.page, `zh-${body.label}-${name}.png`)
      const words = englishWords(await visibleText(body.page))
      if (words.length) problems.push({ page: label, words })
      log(`  ${label}: ${words.length ? `${words.length} English word(s)` : 'no English'}`)
    } catch (e) {
      try {
        await shot(body.page, `zh-${body.label}-${name}.png`)
      } catch {}
      problems.push({ page: label, error: String(e.message ?? e).split('\n')[0] })
      log(`  ${label}: could not be checked: ${String(e.message ?? e).split('\n')[0]}`)
    }
  }
  const marker = (what, fn) => Object.assign(fn, { what })

  await step('the sign-in page, before signing in', async () => {
    await walk(guest, 'login', '/login', marker('the login form', (p) => byTestId(p, 'login-submit')))
  })

  let meetingId
  let noticeId
  let taskId
  await step('sign in (bureau, market) and create Chinese content through the API', async () => {
    await Promise.all([signIn(A, 'bureau', '张明'), signIn(B, 'market', '李华'), signIn(C, 'operator', '系统管理员')])
    const orgs = await orgsByName(A)
    const market = orgs['上城区市场监督管理局'].id
    const meeting = await apiPost(A, '/api/meetings', {
      kind: 'consultation',
      title: MEETING_TITLE,
      starts_at: officeTime(2, 14, 30),
      ends_at: officeTime(2, 16, 0),
      reply_due_at: officeTime(1, 17, 0),
      place: '区司法局三楼第一会议室',
      invited: [{ org_id: market, role: 'member' }],
    })
    meetingId = meeting.id
    await apiPost(A, `/api/meetings/${meetingId}/agenda`, { title: '通报近期联合检查发现的问题', note: '请各单位准备书面材料' })
    const fresh = await apiGet(A, `/api/meetings/${meetingId}`)
    await apiPost(A, `/api/meetings/${meetingId}/actions`, { command: 'issue_notice', revision: fresh.revision })
    const notice = await apiPost(A, '/api/notices', {
      kind: 'information',
      title: NOTICE_TITLE,
      body: '请各单位于本周内完成辖区安全生产自查，并将结果报送区司法局。',
      recipients: [market],
      requires_ack: true,
    })
    noticeId = notice.id
    const task = await apiPost(A, '/api/tasks', {
      title: TASK_TITLE,
      body: '请于期限内报送上月执法检查发现问题的整改落实情况。',
      assignee_org_id: market,
      limit: { unit: 'working_days', amount: 10 },
    })
    taskId = task.id
    log(`  meeting ${meetingId}, notice ${noticeId}, task ${taskId}`)
  })

  let signedId
  await step('and a meeting whose minutes are frozen, signed by both and archived (API)', async () => {
    const orgs = await orgsByName(A)
    const market = orgs['上城区市场监督管理局'].id
    const meeting = await apiPost(A, '/api/meetings', {
      kind: 'joint',
      title: SIGNED_TITLE,
      starts_at: officeTime(3, 9, 0),
      ends_at: officeTime(3, 10, 30),
      place: '区市场监管局二楼会议室',
      invited: [{ org_id: market, role: 'member' }],
    })
    signedId = meeting.id
    await command(A, signedId, 'issue_notice')
    await command(A, signedId, 'start')
    await command(A, signedId, 'end')
    await apiPost(A, `/api/meetings/${signedId}/minutes/freeze`, {})
    await apiPost(A, `/api/meetings/${signedId}/minutes/open-signing`, { version: 1 })
    await signThroughApi(B, signedId)
    await signThroughApi(A, signedId)
    await apiPost(A, `/api/meetings/${signedId}/minutes/archive`, { version: 1 })
    const res = await A.context.request.get(`${env.url}/api/meetings/${signedId}/minutes/versions/1/bundle.zip`)
    if (!res.ok()) throw new Error(`the bundle download answered ${res.status()}`)
    writeFileSync(artifact(BUNDLE_FILE), await res.body())
    log(`  signed and archived meeting ${signedId}`)
  })

  let disputeId
  await step('and a dispute of the market department against the police, accepted by the bureau (API)', async () => {
    await signIn(P, 'police', '王强')
    const police = (await orgsByName(A))['上城区公安分局'].id
    disputeId = await disputeThroughApi(B, P, police, A, DISPUTE_TITLE)
    log(`  dispute ${disputeId}`)
  })

  /** Runs the check of the archive page or of the verify page and waits for its result. */
  const runCheck = async (page) => {
    await byTestId(page, 'verify-run').first().click()
    await visible(byTestId(page, 'verify-result'), 'the verify-result', 30_000)
  }
  const uploadBundle = async (page) => {
    const input = page.locator('input[type=file][data-testid="verify-file"], [data-testid="verify-file"] input[type=file]').first()
    await input.setInputFiles(artifact(BUNDLE_FILE))
    const run = byTestId(page, 'verify-run')
    if (await run.first().isVisible().catch(() => false)) await run.first().click()
    await visible(byTestId(page, 'verify-result'), 'the verify-result after choosing the bundle', 30_000)
  }

  const hasText = (testid, text) => marker(`a ${testid} with "${text}"`, (p) => byTestId(p, testid).filter({ hasText: text }))
  const has = (testid) => marker(`the element ${testid}`, (p) => byTestId(p, testid))
  const shows = (text) => marker(`the text "${text}"`, (p) => p.getByText(text).first())

  // The two bodies walk at the same time (their own contexts), to keep the run short.
  const walkA = async () => {
    await walk(A, 'dashboard', '/', has('dash-tasks'))
    await walk(A, 'meetings', '/meetings', hasText('meeting-row', MEETING_TITLE))
    await walk(A, 'meeting-new', '/meetings/new', has('meeting-create-submit'))
    await walk(A, 'supervision', '/supervision', has('supervision-desk'))
    await walk(A, 'filings', '/filings', has('plan-form'))
    await walk(A, 'meeting-room', `/meetings/${meetingId}`, has('meeting-state'))
    await walk(A, 'meeting-archive', `/meetings/${meetingId}/archive`)
    await walk(A, 'tasks', '/tasks', null)
    await walk(A, 'task', `/tasks/${taskId}`, shows(TASK_TITLE))
    await walk(A, 'inbox', '/inbox', null)
    await walk(A, 'notice-sender', `/notices/${noticeId}`, has('notice-receipts'))
    await walk(A, 'verify', '/verify', has('verify-file'))
    await walk(A, 'signed-room', `/meetings/${signedId}`, has('signing-panel'))
    await walk(A, 'signed-archive', `/meetings/${signedId}/archive`, has('bundle-download'), runCheck)
    await walk(A, 'verify-result', '/verify', has('verify-file'), uploadBundle)
    await walk(A, 'disputes', '/disputes', hasText('dispute-row', DISPUTE_TITLE))
    await walk(A, 'dispute-new', '/disputes/new', has('dispute-submit'))
    await walk(A, 'dispute', `/disputes/${disputeId}`, has('decision-card'))
    await walk(A, 'referral-stats', '/referrals?stats=1', has('stats-row'))
    await walk(A, 'supervision-docs', '/supervision-docs', has('supervision-doc-tabs'))
    const supervision = await apiPost(A, '/api/supervision-docs', {
      kind: 'decision',
      body_org_id: (await orgsByName(A))['上城区市场监督管理局'].id,
      title: `关于撤销违法行政处罚决定的监督决定${tag}`,
    })
    await walk(A, 'supervision-doc', `/supervision-docs/${supervision.id}`, has('supervision-act'))
    await walk(A, 'campaigns', '/campaigns', null)
    const orgs = await orgsByName(A)
    const campaign = await apiPost(A, '/api/campaigns', {
      kind: 'special', field: '营商环境', title: `涉企行政执法专项监督${tag}`, starts_on: '2026-03-01', ends_on: '2026-06-30',
      body_org_ids: [orgs['上城区市场监督管理局'].id],
    })
    await walk(A, 'campaign', `/campaigns/${campaign.id}`, has('campaign-bodies'))
    await walk(A, 'reviews', '/reviews', null)
    const review = await apiPost(A, '/api/reviews', {
      kind: 'cross', title: `行政执法案卷交叉评查${tag}`, starts_on: '2025-01-01', ends_on: '2025-12-31',
      reviewed_org_ids: [orgs['上城区市场监督管理局'].id], reviewer_org_ids: [orgs['上城区市场监督管理局'].id, orgs['上城区公安分局'].id],
    })
    await walk(A, 'review', `/reviews/${review.id}`, has('review-bodies'))
    await walk(A, 'library', '/library', has('library-search'))
    await walk(A, 'not-found', '/no-such-page', null)
    // 张明 administers his body: the desk, its people, its audit rows.
    const own = (await apiGet(A, '/api/auth/me')).org.id
    await walk(A, 'admin', '/admin', has('admin-tile-people'))
    await walk(A, 'admin-people', `/admin/orgs/${own}`, has('person-row'))
    await walk(A, 'admin-audit', '/admin/audit', has('audit-row'))
  }
  // The operator's administration pages.
  const walkC = async () => {
    const county = (await orgsByName(C))['上城区司法局'].id
    await walk(C, 'admin', '/admin', has('admin-tile-orgs'))
    await walk(C, 'admin-orgs', '/admin/orgs', has('org-row'))
    await walk(C, 'admin-people', `/admin/orgs/${county}`, has('person-row'))
    await walk(C, 'admin-regions', '/admin/regions', has('region-row'))
    await walk(C, 'admin-limits', '/admin/regions', has('region-row'), async (page) => {
      await byTestId(byTestId(page, 'region-row').filter({ hasText: /330102(?!\d)/ }), 'region-limits-open').click()
      await visible(byTestId(page, 'limit-row').first(), 'the time limits of 上城区')
    })
    await walk(C, 'admin-import', '/admin/import', has('import-preview'))
    await walk(C, 'admin-calendar', '/admin/calendar', has('calendar-year'))
    await walk(C, 'admin-sign-in', '/admin/sign-in', has('local-login-switch'))
    await walk(C, 'admin-audit', '/admin/audit', has('audit-row'), async (page) => {
      await byTestId(page, 'audit-verify').click()
      await visible(byTestId(page, 'audit-verdict'), 'the verdict of the chain check', 30_000)
    })
  }
  const walkB = async () => {
    await walk(B, 'dashboard', '/', has('dash-tasks'))
    await walk(B, 'meetings', '/meetings', hasText('meeting-row', MEETING_TITLE))
    await walk(B, 'meeting-room', `/meetings/${meetingId}`, has('meeting-state'))
    await walk(B, 'tasks', '/tasks', hasText('task-row', TASK_TITLE))
    await walk(B, 'task', `/tasks/${taskId}`, shows(TASK_TITLE))
    await walk(B, 'inbox', '/inbox', hasText('inbox-item', NOTICE_TITLE))
    await walk(B, 'notice-recipient', `/notices/${noticeId}`, has('notice-ack'))
    await walk(B, 'verify', '/verify', has('verify-file'))
    await walk(B, 'signed-room', `/meetings/${signedId}`, has('signing-panel'))
    await walk(B, 'signed-archive', `/meetings/${signedId}/archive`, has('bundle-download'))
    await walk(B, 'disputes', '/disputes', hasText('dispute-row', DISPUTE_TITLE))
    await walk(B, 'dispute-new', '/disputes/new', has('dispute-submit'))
    await walk(B, 'dispute', `/disputes/${disputeId}`, has('decision-card'))
    await walk(B, 'referrals', '/referrals', has('referral-tabs'))
    await walk(B, 'referral-new', '/referrals/new', has('referral-submit'))
    await walk(B, 'filings', '/filings', has('filing-form'))
  }
  await step('walk the pages of 上城区司法局 (convener, sender, setter, its administrator), 上城区市场监督管理局 (invited, recipient, assignee) and the operator (administration) in zh-CN', async () => {
    await Promise.all([walkA(), walkB(), walkC()])
  })

  await step('the language switch (aria-label 语言) turns the frame English and back', async () => {
    const { page } = A
    await page.goto(`${env.url}/`)
    const select = page.locator('.el-select').filter({ has: page.locator('[aria-label="语言"]') }).first()
    await visible(select, 'the language switch labelled 语言')
    await select.click()
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').filter({ hasText: 'English' }).first().click()
    await waitFor(async () => (await page.locator('header').first().innerText()).includes('Meetings'), 'the header reads "Meetings" in English')
    await shot(page, 'en-bureau-dashboard.png')
    await page.evaluate(() => localStorage.setItem('concord.locale', 'zh-CN'))
    await page.reload()
    await waitFor(async () => (await page.locator('header').first().innerText()).includes('协调会议'), 'the header is Chinese again')
  })

  await step('no English on any zh-CN page', async () => {
    if (!problems.length) return
    const lines = []
    for (const p of problems) {
      if (p.error) lines.push(`${p.page}: not checked: ${p.error}`)
      else {
        const distinct = [...new Set(p.words.map((w) => w.word))]
        lines.push(`${p.page}: ${distinct.slice(0, 20).join(', ')}${distinct.length > 20 ? `, … (${distinct.length} distinct)` : ''}`)
        // One example per place the words were found in, at most eight.
        const examples = [...new Map(p.words.map((w) => [`${w.where}|${w.context.slice(0, 20)}`, w])).values()]
        for (const w of examples.slice(0, 8)) lines.push(`    "${w.word}" in ${w.where}: …${w.context}…`)
        if (examples.length > 8) lines.push(`    … and ${examples.length - 8} more places`)
      }
    }
    throw new Error(`${problems.length} page(s) failed:\n  ${lines.join('\n  ')}`)
  })
})
