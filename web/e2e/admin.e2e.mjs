// The administration pages in Chromium: what an operator does there, and that others are kept
// out.
//
// The harness (tests/it/web.rs) seeds the e2e directory and starts the server with one OpenID
// provider configured (unreachable: only its presence matters, so local sign-in may be turned
// off). Then:
// - 王强 (`police`, a member) sees no 管理 in the navigation; /admin and /admin/orgs say 无权访问;
//   the server refuses the audit trail to him anyway (403);
// - 李华 (`market`, her body's administrator) sees 管理, the pages of her body, and 无权访问 on an
//   operator's page;
// - the operator signs in and lands on the desk (/admin); adds a body (单位) in 上城区, adds a
//   person to it, revokes the signing key she enrolled (签名密钥 on the body's page, after a
//   confirmation naming her), previews a people CSV (nothing stored, checked through the API), imports it,
//   sees a bad CSV refused naming its line; loads a year of the working-day calendar; turns
//   local sign-in off and on again; reads the audit trail and runs the chain check;
// - time limits (时限设置): the operator sets 杭州市's negotiation limit; 张明 (`bureau`, admin of
//   上城区's judicial bureau) sees 上城区 inherit it, sets 上城区's notice reminder and returns it
//   to the inherited value, and reads 杭州市's limits without being offered to change them; 李华
//   reads 上城区's read-only.
// Leaves screenshots admin-<page>.png in $E2E_ARTIFACTS.
import {
  apiGet,
  apiPost,
  attrIs,
  byTestId,
  clickAndConfirm,
  confirmIfAsked,
  env,
  field,
  log,
  newBody,
  pickOption,
  run,
  shot,
  signIn,
  step,
  track,
  uniqueTag,
  visible,
  waitFor,
} from './lib.mjs'

const tag = uniqueTag()
const ORG_CODE = `e2e-office-${tag}`
const ORG_NAME = `上城区综合行政执法局${tag}`
const PERSON = `e2e-person-${tag}`
const IMPORTED = `e2e-import-${tag}`

/** The status of a GET made with the body's cookies. */
async function statusOf(body, path) {
  return (await body.context.request.get(env.url + path)).status()
}

/** The text of the header's navigation. */
async function navText(page) {
  return page.locator('header').first().innerText()
}

await run('admin.e2e', async (browser) => {
  const member = await newBody(browser, 'member')
  const bodyAdmin = await newBody(browser, 'body-admin')
  const op = await newBody(browser, 'operator')
  const bureauAdmin = await newBody(browser, 'bureau-admin')
  track(member, bodyAdmin, op, bureauAdmin)

  await step('a member sees no 管理, reads 无权访问 on an admin page, and the server refuses him', async () => {
    await signIn(member, 'police', '王强')
    const { page } = member
    await waitFor(async () => (await navText(page)).includes('工作台'), 'the navigation is shown')
    if ((await navText(page)).includes('管理')) throw new Error('a member is offered 管理 in the navigation')
    for (const path of ['/admin', '/admin/orgs', '/admin/audit']) {
      await page.goto(env.url + path)
      const refused = await visible(byTestId(page, 'admin-forbidden'), `无权访问 on ${path}`)
      const text = await refused.innerText()
      if (!text.includes('无权访问')) throw new Error(`${path} says "${text}", not 无权访问`)
    }
    await shot(page, 'admin-forbidden-member.png')
    for (const path of ['/api/audit', '/api/audit/verify']) {
      const status = await statusOf(member, path)
      if (status !== 403) throw new Error(`GET ${path} answered ${status} to a member, not 403`)
    }
  })

  await step("a body's administrator sees 管理 and her body's pages, not the operator's", async () => {
    await signIn(bodyAdmin, 'market', '李华')
    const { page } = bodyAdmin
    await waitFor(async () => (await navText(page)).includes('管理'), 'the navigation offers 管理')
    await page.goto(`${env.url}/admin`)
    await visible(byTestId(page, 'admin-tile-people'), 'the tile of her body\'s people')
    await visible(byTestId(page, 'admin-tile-tokens'), 'the tile of API tokens')
    if (await byTestId(page, 'admin-tile-calendar').count()) throw new Error('a body administrator is offered the calendar')
    await byTestId(page, 'admin-tile-people').click()
    await visible(byTestId(page, 'person-row').filter({ hasText: '李华' }), 'her body\'s people, herself among them')
    await page.goto(`${env.url}/admin/calendar`)
    await visible(byTestId(page, 'admin-forbidden'), '无权访问 on the calendar page')
  })

  await step('the operator signs in and lands on the administration desk', async () => {
    await signIn(op, 'operator', '系统管理员')
    const { page } = op
    await waitFor(() => new URL(page.url()).pathname === '/admin', () => `the operator is at /admin (at ${page.url()})`)
    for (const tile of ['orgs', 'regions', 'import', 'calendar', 'signIn', 'audit']) {
      await visible(byTestId(page, `admin-tile-${tile}`), `the desk's tile ${tile}`)
    }
    await shot(page, 'admin-desk.png')
  })

  let orgId
  await step('the operator adds a body in 上城区', async () => {
    const { page } = op
    await byTestId(page, 'admin-tile-orgs').click()
    await visible(byTestId(page, 'org-row'), 'the bodies')
    await byTestId(page, 'org-new').click()
    await field(page, 'org-code').fill(ORG_CODE)
    await field(page, 'org-name').fill(ORG_NAME)
    await pickOption(page, 'org-kind', '行政执法部门')
    await pickOption(page, 'org-region', '上城区')
    await byTestId(page, 'org-save').click()
    const row = byTestId(page, 'org-row').filter({ hasText: ORG_NAME })
    await visible(row, `the new body ${ORG_NAME} in the list`)
    const { orgs } = await apiGet(op, '/api/orgs')
    const created = orgs.find((o) => o.code === ORG_CODE)
    if (!created || created.region !== '330102' || created.kind !== 'enforcement_department') {
      throw new Error(`the stored body is ${JSON.stringify(created)}`)
    }
    orgId = created.id
    await shot(page, 'admin-orgs.png')
  })

  await step('the operator adds a person to it', async () => {
    const { page } = op
    await byTestId(page, 'org-row').filter({ hasText: ORG_NAME }).getByRole('link').first().click()
    await waitFor(() => new URL(page.url()).pathname === `/admin/orgs/${orgId}`, 'the body\'s people page opens')
    await visible(page.getByText(ORG_NAME).first(), 'the page names the body')
    await byTestId(page, 'person-add').click()
    await field(page, 'person-username').fill(PERSON)
    await field(page, 'person-name').fill('陈晓')
    await field(page, 'person-password').fill(env.password)
    await byTestId(page, 'person-save').click()
    await visible(byTestId(page, 'person-row').filter({ hasText: '陈晓' }), 'the new person in the list')
    await shot(page, 'admin-people.png')
  })

  await step("the operator revokes the new person's signing key on the body's page, after a confirmation naming her", async () => {
    // 陈晓 enrolls a key as her browser would at her first signature (through the API here).
    const person = await newBody(browser, 'person')
    track(person)
    await signIn(person, PERSON, '陈晓')
    const { generateKeyPairSync } = await import('node:crypto')
    const { publicKey } = generateKeyPairSync('ed25519')
    const key = await apiPost(person, '/api/keys', { public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }) })
    const { page } = op
    await page.goto(`${env.url}/admin/orgs/${orgId}`)
    const row = byTestId(page, 'org-key-row').filter({ hasText: '陈晓' })
    await visible(row, 'her key in 签名密钥, by her name')
    if ((await row.getAttribute('data-key-id')) !== key.key_id) throw new Error('the row is not her key')
    if ((await row.getAttribute('data-status')) !== 'active') throw new Error('her key is not listed in force')
    await row.locator('[data-testid="org-key-revoke"]').click()
    const warning = await visible(byTestId(page, 'org-key-revoke-warning'), 'the confirmation')
    const said = await warning.innerText()
    if (!said.includes('陈晓') || !said.includes('此前用它作出的签名仍然有效')) throw new Error(`the confirmation says "${said}"`)
    // No reason, no revocation.
    await byTestId(page, 'org-key-revoke-confirm').click()
    await visible(page.getByText('请填写撤销原因'), 'the reason is asked for')
    await field(page, 'org-key-revoke-reason').fill('人员调离')
    await shot(page, 'admin-keys-confirm.png')
    await byTestId(page, 'org-key-revoke-confirm').click()
    await attrIs(row, 'data-status', 'revoked', 'her key is listed revoked')
    const line = await visible(row.locator('[data-testid="org-key-revoked"]'), 'who revoked it, when and why')
    const text = await line.innerText()
    if (!text.includes('系统管理员') || !text.includes('人员调离')) throw new Error(`the revoked line says "${text}"`)
    // Her own list says so too.
    const own = await apiGet(person, '/api/keys')
    if (!own.keys.find((k) => k.key_id === key.key_id)?.revoked_at) throw new Error(`her own list: ${JSON.stringify(own)}`)
    await shot(page, 'admin-keys.png')
  })

  await step('a people CSV: a dry run shows what would be added and stores nothing, then it is imported', async () => {
    const { page } = op
    await page.goto(`${env.url}/admin/import`)
    const csv = `org_code,username,display_name,org_role\n${ORG_CODE},${IMPORTED},周敏,member\n${ORG_CODE},${PERSON},陈晓,admin\n`
    await byTestId(page, 'import-file-users').setInputFiles({ name: '人员.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await visible(byTestId(page, 'import-chosen-users'), 'the chosen file')
    await byTestId(page, 'import-preview').click()
    const result = await visible(byTestId(page, 'import-result'), 'the preview')
    if ((await result.getAttribute('data-dry-run')) !== 'true') throw new Error('the first answer is not a dry run')
    await visible(byTestId(page, 'import-added').filter({ hasText: IMPORTED }), `the preview adds ${IMPORTED}`)
    await visible(byTestId(page, 'import-changed').filter({ hasText: PERSON }), `the preview changes ${PERSON}'s role`)
    await shot(page, 'admin-import-preview.png')
    const before = (await apiGet(op, `/api/orgs/${orgId}/users`)).users.map((u) => u.username)
    if (before.includes(IMPORTED)) throw new Error('the dry run stored the person')
    await clickAndConfirm(
      page,
      byTestId(page, 'import-apply'),
      async () => (await byTestId(page, 'import-result').getAttribute('data-dry-run')) === 'false',
      'the import is applied',
    )
    const after = (await apiGet(op, `/api/orgs/${orgId}/users`)).users
    const imported = after.find((u) => u.username === IMPORTED)
    if (!imported || imported.display_name !== '周敏') throw new Error(`after the import: ${JSON.stringify(after)}`)
    if (after.find((u) => u.username === PERSON)?.org_role !== 'admin') throw new Error(`${PERSON} did not become admin`)
    await shot(page, 'admin-import-applied.png')
  })

  await step('a CSV with a bad line is refused naming the line, in Chinese', async () => {
    const { page } = op
    await page.goto(`${env.url}/admin/import`)
    const csv = `code,name_zh,name_en,kind,region,parent_code\n${ORG_CODE}-b,新单位,,other,330102,\n${ORG_CODE}-c,坏单位,,police_station,330102,\n`
    await byTestId(page, 'import-file-orgs').setInputFiles({ name: 'orgs.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) })
    await byTestId(page, 'import-preview').click()
    const error = await visible(byTestId(page, 'import-error'), 'the refusal')
    const text = await error.innerText()
    if (!text.includes('orgs.csv 第 3 行有误')) throw new Error(`the refusal says "${text}"`)
    const { orgs } = await apiGet(op, '/api/orgs')
    if (orgs.some((o) => o.code.startsWith(`${ORG_CODE}-`))) throw new Error('a refused import stored a body')
  })

  await step('the operator loads a year of the working-day calendar', async () => {
    const { page } = op
    const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear() + 1
    await page.goto(`${env.url}/admin/calendar`)
    await visible(byTestId(page, 'calendar-year'), 'the year picker')
    await pickOption(page, 'calendar-year', String(year))
    const file = {
      year,
      source: 'e2e',
      days: [
        { date: `${year}-01-01`, kind: 'holiday', name: '元旦' },
        { date: `${year}-10-01`, kind: 'holiday', name: '国庆节' },
        { date: `${year}-10-02`, kind: 'holiday', name: '国庆节' },
        { date: `${year}-10-10`, kind: 'workday', name: '国庆节' },
      ],
    }
    await byTestId(page, 'calendar-file').setInputFiles({ name: `${year}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(file)) })
    if (!(await confirmIfAsked(page, 5000))) throw new Error('loading a year asks no confirmation')
    await waitFor(async () => (await byTestId(page, 'calendar-day').count()) === 4, `the 4 days of ${year} are listed`)
    await visible(byTestId(page, 'calendar-summary').filter({ hasText: '调休上班 1 天' }), 'the summary counts one worked weekend day')
    const stored = await apiGet(op, `/api/calendar/${year}`)
    if (stored.days.length !== 4) throw new Error(`the server lists ${stored.days.length} days for ${year}`)
    await shot(page, 'admin-calendar.png')
  })

  await step('the operator turns local sign-in off and on again', async () => {
    const { page } = op
    await page.goto(`${env.url}/admin/sign-in`)
    await visible(byTestId(page, 'provider-row'), 'the configured OpenID provider')
    const toggle = byTestId(page, 'local-login-switch')
    await visible(toggle, 'the local sign-in switch')
    if ((await toggle.getAttribute('data-state')) !== 'on') throw new Error('local sign-in is not on to begin with')
    await clickAndConfirm(page, toggle, async () => (await toggle.getAttribute('data-state')) === 'off', 'local sign-in is off')
    if ((await apiGet(op, '/api/auth/providers')).local_login !== false) throw new Error('the server still offers local sign-in')
    await shot(page, 'admin-sign-in-off.png')
    await clickAndConfirm(page, toggle, async () => (await toggle.getAttribute('data-state')) === 'on', 'local sign-in is on again')
    if ((await apiGet(op, '/api/auth/providers')).local_login !== true) throw new Error('the server does not offer local sign-in again')
  })

  await step('the operator reads the audit trail by name and checks its chain', async () => {
    const { page } = op
    await page.goto(`${env.url}/admin/audit`)
    await visible(byTestId(page, 'audit-row'), 'the audit rows')
    await visible(byTestId(page, 'audit-row').filter({ hasText: '批量导入' }).filter({ hasText: '系统管理员' }), 'the import, by the operator, by name')
    await visible(byTestId(page, 'audit-row').filter({ hasText: '新增单位' }).filter({ hasText: ORG_NAME }), `the body ${ORG_NAME} named in its row`)
    const href = await byTestId(page, 'audit-csv').getAttribute('href')
    if (href !== '/api/audit.csv') throw new Error(`the CSV link is ${href}`)
    const csv = await op.context.request.get(env.url + href)
    if (!csv.ok() || !(await csv.text()).startsWith('seq,at,')) throw new Error(`the CSV export answered ${csv.status()}`)
    await byTestId(page, 'audit-verify').click()
    const verdict = await visible(byTestId(page, 'audit-verdict'), 'the verdict of the chain check', 30_000)
    const text = await verdict.innerText()
    if ((await verdict.getAttribute('data-intact')) !== 'true' || !text.includes('审计日志完整')) throw new Error(`the check says "${text}"`)
    log(`  the check says: ${text.trim()}`)
    await shot(page, 'admin-audit.png')
  })

  /** Opens the 时限设置 panel of the region whose row shows `code`, on the regions page. */
  async function openLimits(page, code) {
    await page.goto(`${env.url}/admin/regions`)
    // The code alone, not a township's code that begins with it (330102 vs 330102001).
    const row = byTestId(page, 'region-row').filter({ hasText: new RegExp(`${code}(?!\\d)`) })
    await visible(row, `the row of region ${code}`)
    await byTestId(row, 'region-limits-open').click()
    await visible(byTestId(page, 'region-limits'), `the time limits of ${code}`)
  }
  /** The row of `kind` in the open 时限设置 panel. */
  const limitRow = (page, kind) => page.locator(`[data-testid="limit-row"][data-kind="${kind}"]`)
  /** Sets `kind` to `amount` in the open panel and waits for 本区划设置. */
  async function setLimit(page, kind, amount) {
    const row = limitRow(page, kind)
    await byTestId(row, 'limit-edit').click()
    const input = byTestId(row, 'limit-amount').locator('input')
    await input.fill(String(amount))
    await input.press('Tab')
    await byTestId(row, 'limit-save').click()
    await waitFor(
      async () => (await byTestId(row, 'limit-source').innerText()).trim() === '本区划设置' && (await row.innerText()).includes(String(amount)),
      `${kind} is ${amount}, set here`,
    )
  }

  await step('time limits: the operator sets 杭州市, 上城区 inherits; its bureau admin sets and resets its own', async () => {
    await openLimits(op.page, '330100')
    await setLimit(op.page, 'dispute_negotiation', 12)
    if ((await apiGet(op, '/api/regions/330100/limits')).limits.find((l) => l.kind === 'dispute_negotiation').amount !== 12) {
      throw new Error('the server does not hold 12 for 杭州市')
    }

    await signIn(bureauAdmin, 'bureau', '张明')
    const { page } = bureauAdmin
    await page.goto(`${env.url}/admin`)
    await byTestId(page, 'admin-tile-limits').click()
    await openLimits(page, '330102')
    const negotiation = limitRow(page, 'dispute_negotiation')
    await waitFor(async () => (await byTestId(negotiation, 'limit-source').innerText()).trim() === '继承自杭州市', '上城区 inherits 杭州市\'s negotiation limit')
    await setLimit(page, 'notice_remind', 2)
    await shot(page, 'admin-limits.png')
    const stored = (await apiGet(bureauAdmin, '/api/regions/330102/limits')).limits.find((l) => l.kind === 'notice_remind')
    if (stored.amount !== 2 || !stored.own) throw new Error(`the server holds ${JSON.stringify(stored)}`)
    const remind = limitRow(page, 'notice_remind')
    await byTestId(remind, 'limit-reset').click()
    await waitFor(async () => (await byTestId(remind, 'limit-source').innerText()).trim() === '默认', 'notice_remind is back to 默认')

    await openLimits(page, '330100')
    await visible(byTestId(page, 'limits-read-only'), '杭州市\'s limits are read-only to 上城区\'s bureau admin')
    if (await byTestId(page, 'limit-edit').count()) throw new Error('上城区\'s bureau admin is offered to change 杭州市\'s limits')

    await openLimits(bodyAdmin.page, '330102')
    await visible(byTestId(bodyAdmin.page, 'limits-read-only'), '上城区\'s limits are read-only to 李华')

    // Back as it was, for a rerun on the same data.
    await openLimits(op.page, '330100')
    await byTestId(limitRow(op.page, 'dispute_negotiation'), 'limit-reset').click()
    await waitFor(async () => (await byTestId(limitRow(op.page, 'dispute_negotiation'), 'limit-source').innerText()).trim() === '默认', '杭州市 is back to 默认')
  })
})
