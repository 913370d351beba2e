// One's own account and a body's own administration, in real headless Chromium: each page's
// main action as a person does it, and who is kept out.
//
// 张明 (`bureau`, admin of 上城区司法局) is signed in twice (a desk and a laptop). On 我的账户
// he signs the laptop out (its next request is refused), revokes a signing key (with a reason),
// is told in Chinese that a wrong current password is wrong, then changes his password and
// signs in with the new one. On /admin/tokens he makes a token (its secret shown once), uses
// it once against the API, and revokes it (then it is refused); on /admin/webhooks he adds a
// webhook, sees its row and its (empty) delivery log and turns it off; on /admin/mailbox he
// sets the body's mailbox. In a meeting room he invites 上城区公安分局 after creation and removes
// it again (it loses access); on a notice's page he corrects it and then recalls it, and
// 李华 (`market`, the receiver) sees the old versions marked corrected and recalled, the recall
// with its reason. 王强 (`police`, a member, not an admin) finds 无权访问 on every /admin page,
// and the server refuses him too.
//
// Leaves in $E2E_ARTIFACTS: account.png, admin-tokens-secret.png, admin-webhooks.png,
// admin-no-access.png, notice-recalled-market.png.
import {
  apiGet,
  apiPost,
  artifact,
  byTestId,
  clickAndConfirm,
  env,
  field,
  log,
  meetingAction,
  newBody,
  officeTime,
  orgsByName,
  pickOption,
  run,
  signIn,
  step,
  toastText,
  track,
  uniqueTag,
  visible,
  waitFor,
} from './lib.mjs'

const tag = uniqueTag()
const NEW_PASSWORD = `一个新的密码 ${tag} long enough`

/** Rows with this testid whose attribute has this value. */
const rowWith = (page, testid, attr, value) => page.locator(`[data-testid="${testid}"][${attr}="${value}"]`)

/** The HTTP status of a GET with the body's cookies (no throw). */
async function statusOf(body, path) {
  const res = await body.context.request.get(env.url + path)
  return res.status()
}

/** The page's path once it has moved away from `from`. */
async function movedFrom(page, from) {
  let path
  await waitFor(() => (path = new URL(page.url()).pathname) !== from, () => `the page moves on from ${from} (at ${page.url()})`)
  return path
}

await run('account.e2e', async (browser) => {
  const desk = await newBody(browser, 'bureau-desk')
  const laptop = await newBody(browser, 'bureau-laptop')
  const market = await newBody(browser, 'market')
  const police = await newBody(browser, 'police')
  track(desk, laptop, market, police)
  let orgs

  await step('张明 signs in on two devices, 李华 and 王强 on theirs', async () => {
    await signIn(desk, 'bureau', '张明')
    await signIn(laptop, 'bureau', '张明')
    await signIn(market, 'market', '李华')
    await signIn(police, 'police', '王强')
    orgs = await orgsByName(desk)
  })

  await step('the header leads to 我的账户, which marks this device and lists the other', async () => {
    const { page } = desk
    await byTestId(page, 'who').first().click()
    await waitFor(() => new URL(page.url()).pathname === '/account', () => `the name in the header leads to /account (at ${page.url()})`)
    await visible(rowWith(page, 'session-row', 'data-current', 'true'), 'this device\'s session row')
    await visible(byTestId(page, 'session-this-device'), 'the 本设备 mark')
    await waitFor(async () => (await rowWith(page, 'session-row', 'data-current', 'false').count()) >= 1, 'the laptop\'s session is listed')
    await page.screenshot({ path: artifact('account.png'), fullPage: true })
  })

  await step('signing the laptop out ends its session', async () => {
    const { page } = desk
    if ((await statusOf(laptop, '/api/auth/me')) !== 200) throw new Error('the laptop is not signed in to begin with')
    const others = rowWith(page, 'session-row', 'data-current', 'false')
    const before = await others.count()
    await clickAndConfirm(
      page,
      others.first().locator('[data-testid="session-revoke"]'),
      async () => (await others.count()) === before - 1,
      'the signed-out session leaves the list',
    )
    await waitFor(async () => (await statusOf(laptop, '/api/auth/me')) === 401, 'the laptop\'s next request is refused (401)')
  })

  await step('a signing key is revoked with a reason', async () => {
    const { generateKeyPairSync } = await import('node:crypto')
    const { publicKey } = generateKeyPairSync('ed25519')
    const key = await apiPost(desk, '/api/keys', { public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }) })
    const { page } = desk
    await page.reload()
    const row = rowWith(page, 'key-row', 'data-key-id', key.key_id)
    await visible(row, 'the enrolled key\'s row')
    const text = await row.innerText()
    if (text.includes(key.key_id)) throw new Error(`the key row shows the whole fingerprint unasked: ${text}`)
    if (!text.includes(key.key_id.slice(0, 4))) throw new Error(`the key row does not show the fingerprint's start: ${text}`)
    await row.locator('[data-testid="key-revoke"]').click()
    await visible(byTestId(page, 'key-revoke-dialog'), 'the revocation dialog')
    await field(page, 'key-revoke-reason').fill('电脑丢失')
    await byTestId(page, 'key-revoke-confirm').click()
    await waitFor(async () => (await row.getAttribute('data-state')) === 'revoked', 'the key shows as revoked')
    const keys = (await apiGet(desk, '/api/keys')).keys
    if (!keys.find((k) => k.key_id === key.key_id)?.revoked_at) throw new Error('the server does not have the key revoked')
  })

  await step('a wrong current password is refused in Chinese', async () => {
    const { page } = desk
    await field(page, 'account-current').fill('not the password at all')
    await field(page, 'account-new').fill(NEW_PASSWORD)
    await field(page, 'account-repeat').fill(NEW_PASSWORD)
    await byTestId(page, 'account-password-submit').click()
    await waitFor(async () => (await toastText(page)).includes('当前密码不正确'), async () => `a toast says 当前密码不正确 (toasts: ${await toastText(page)})`)
  })

  await step('the password is changed and the new one signs in', async () => {
    const { page } = desk
    await field(page, 'account-current').fill(env.password)
    await byTestId(page, 'account-password-submit').click()
    await waitFor(async () => (await toastText(page)).includes('密码已修改'), async () => `a toast says 密码已修改 (toasts: ${await toastText(page)})`)
    await byTestId(page, 'sign-out').first().click()
    await waitFor(() => new URL(page.url()).pathname.startsWith('/login'), 'signing out leads to /login')
    await field(page, 'login-username').fill('bureau')
    await field(page, 'login-password').fill(NEW_PASSWORD)
    await byTestId(page, 'login-submit').click()
    await waitFor(async () => (await byTestId(page, 'who').first().innerText().catch(() => '')).includes('张明'), async () => `张明 is signed in with the new password (toasts: ${await toastText(page)})`)
    const old = await desk.context.request.post(`${env.url}/api/auth/login`, {
      data: { username: 'bureau', password: env.password },
      headers: { Origin: env.url },
    })
    if (old.status() !== 401) throw new Error(`the old password still signs in (${old.status()})`)
  })

  await step('an API token is made, its secret shown once, used once, then revoked', async () => {
    const { page } = desk
    await page.goto(`${env.url}/admin/tokens`)
    await field(page, 'token-name').fill(`执法办案系统${tag}`)
    await byTestId(page, 'token-create').click()
    const box = field(page, 'secret-value')
    await visible(box, 'the secret box')
    const secret = await box.inputValue()
    if (!secret.startsWith('cct_')) throw new Error(`the secret shown is not a token: ${secret}`)
    await visible(page.getByText('这是唯一一次显示'), 'the warning that the secret is shown once')
    await page.screenshot({ path: artifact('admin-tokens-secret.png'), fullPage: true })
    const used = await fetch(`${env.url}/api/orgs`, { headers: { Authorization: `Bearer ${secret}` } })
    if (used.status !== 200) throw new Error(`the new token is refused: ${used.status} ${await used.text()}`)
    const { orgs: listed } = await used.json()
    if (!listed.some((o) => o.name_zh === '上城区司法局')) throw new Error('the token read no directory')
    await byTestId(page, 'secret-close').click()
    await waitFor(async () => !(await byTestId(page, 'secret-dialog').isVisible()), 'the secret box closes')
    if (await page.locator(`text=${secret}`).count()) throw new Error('the secret is still on the page after closing')
    const row = rowWith(page, 'token-row', 'data-name', `执法办案系统${tag}`)
    await visible(row, 'the new token\'s row')
    await clickAndConfirm(page, row.locator('[data-testid="token-revoke"]'), async () => (await row.getAttribute('data-state')) === 'revoked', 'the token shows as revoked')
    const after = await fetch(`${env.url}/api/orgs`, { headers: { Authorization: `Bearer ${secret}` } })
    if (after.status !== 401) throw new Error(`the revoked token still works: ${after.status}`)
  })

  await step('a webhook is added, listed with its delivery log, and turned off', async () => {
    const { page } = desk
    const url = `https://hooks.example.invalid/concord/${tag}`
    await page.goto(`${env.url}/admin/webhooks`)
    await field(page, 'webhook-url').fill(url)
    await field(page, 'webhook-description').fill('推送到执法办案系统')
    await byTestId(page, 'webhook-create').click()
    const box = field(page, 'secret-value')
    await visible(box, 'the signing secret box')
    if (!(await box.inputValue()).startsWith('whsec_')) throw new Error('the webhook secret is not shown')
    await byTestId(page, 'secret-close').click()
    const row = rowWith(page, 'webhook-row', 'data-url', url)
    await visible(row, 'the webhook\'s row')
    await row.locator('[data-testid="webhook-deliveries"]').click()
    await visible(row.locator('[data-testid="delivery-log"]'), 'its delivery log')
    await row.locator('[data-testid="webhook-active"]').click()
    await waitFor(async () => (await row.getAttribute('data-active')) === 'false', 'the webhook shows as turned off')
    await page.screenshot({ path: artifact('admin-webhooks.png'), fullPage: true })
    const { webhooks } = await apiGet(desk, `/api/orgs/${orgs['上城区司法局'].id}/webhooks`)
    if (webhooks.find((w) => w.url === url)?.active !== false) throw new Error('the server does not have the webhook turned off')
  })

  await step('the body\'s mailbox is set', async () => {
    const { page } = desk
    await page.goto(`${env.url}/admin/mailbox`)
    await visible(byTestId(page, 'mailbox-current'), 'the current mailbox')
    await field(page, 'mailbox-email').fill('bangongshi@example.gov.cn')
    await byTestId(page, 'mailbox-save').click()
    await waitFor(async () => (await byTestId(page, 'mailbox-current').innerText()) === 'bangongshi@example.gov.cn', 'the mailbox shows the new address')
  })

  await step('in the meeting room the convener invites 上城区公安分局 and removes it again', async () => {
    const policeOrg = orgs['上城区公安分局'].id
    const meeting = await apiPost(desk, '/api/meetings', {
      kind: 'consultation',
      title: `关于邀请单位的会商${tag}`,
      starts_at: officeTime(2, 9, 30),
      ends_at: officeTime(2, 11, 0),
      place: '区司法局三楼会议室',
      invited: [{ org_id: orgs['上城区市场监督管理局'].id, role: 'member' }],
    })
    await meetingAction(desk, meeting.id, 'issue_notice')
    const { page } = desk
    await page.goto(`${env.url}/meetings/${meeting.id}`)
    await visible(byTestId(page, 'invite-bodies'), 'the invite form')
    if ((await statusOf(police, `/api/meetings/${meeting.id}`)) !== 404) throw new Error('the police sees the meeting before being invited')
    await pickOption(page, 'invite-org', '上城区公安分局')
    const row = rowWith(page, 'invitation-row', 'data-org-id', policeOrg)
    await clickAndConfirm(page, byTestId(page, 'invite-submit'), () => row.isVisible(), '上城区公安分局 is listed as invited')
    await waitFor(async () => (await statusOf(police, `/api/meetings/${meeting.id}`)) === 200, 'the invited police can open the meeting')
    await clickAndConfirm(page, row.locator('[data-testid="invitee-remove"]'), async () => !(await row.count()), '上城区公安分局 leaves the list')
    await waitFor(async () => (await statusOf(police, `/api/meetings/${meeting.id}`)) === 404, 'the removed police can no longer open the meeting')
  })

  await step('the sender corrects a notice, then recalls it; the receiver sees both', async () => {
    const sent = await apiPost(desk, '/api/notices', {
      kind: 'information',
      title: `关于开展安全生产检查的通知${tag}`,
      body: '请于本周五前报送自查情况。',
      recipients: [orgs['上城区市场监督管理局'].id],
      requires_ack: true,
    })
    const { page } = desk
    await page.goto(`${env.url}/notices/${sent.id}`)
    await byTestId(page, 'notice-correct').click()
    await visible(byTestId(page, 'notice-revise-dialog'), 'the correction dialog')
    await field(page, 'notice-revise-body').fill('请于下周一前报送自查情况（时间更正）。')
    await byTestId(page, 'notice-revise-submit').click()
    const corrected = (await movedFrom(page, `/notices/${sent.id}`)).split('/').pop()
    await visible(byTestId(page, 'notice-correction-banner'), 'the correction banner')

    await market.page.goto(`${env.url}/notices/${sent.id}`)
    await waitFor(async () => (await byTestId(market.page, 'notice-superseded').getAttribute('data-by').catch(() => null)) === 'corrected', 'the receiver sees the first version marked corrected')
    await market.page.goto(`${env.url}/notices/${corrected}`)
    await waitFor(async () => (await byTestId(market.page, 'notice-body').innerText()).includes('下周一'), 'the receiver reads the corrected text')

    await byTestId(page, 'notice-recall').click()
    await field(page, 'notice-revise-reason').fill('发送对象有误，另行通知')
    await byTestId(page, 'notice-revise-submit').click()
    await movedFrom(page, `/notices/${corrected}`)
    await visible(byTestId(page, 'notice-recall-banner'), 'the recall banner on the sender\'s page')

    await market.page.goto(`${env.url}/notices/${corrected}`)
    await waitFor(async () => (await byTestId(market.page, 'notice-superseded').getAttribute('data-by').catch(() => null)) === 'recalled', 'the receiver sees the corrected version marked recalled')
    await byTestId(market.page, 'notice-open-newest').click()
    const banner = byTestId(market.page, 'notice-recall-banner')
    await visible(banner, 'the recall banner on the receiver\'s page')
    if (!(await banner.innerText()).includes('发送对象有误')) throw new Error(`the recall does not say why: ${await banner.innerText()}`)
    await market.page.screenshot({ path: artifact('notice-recalled-market.png'), fullPage: true })
  })

  await step('王强, a member but no admin, finds 无权访问 on every /admin page and the server refuses him', async () => {
    const { page } = police
    for (const path of ['/admin/tokens', '/admin/webhooks', '/admin/mailbox']) {
      await page.goto(env.url + path)
      await visible(byTestId(page, 'no-access'), `无权访问 on ${path}`)
      if (!(await byTestId(page, 'no-access').innerText()).includes('无权访问')) throw new Error(`${path} does not say 无权访问`)
    }
    await page.screenshot({ path: artifact('admin-no-access.png'), fullPage: true })
    const own = orgs['上城区公安分局'].id
    for (const path of [`/api/orgs/${own}/tokens`, `/api/orgs/${own}/webhooks`, `/api/orgs/${own}/mailbox`]) {
      const status = await statusOf(police, path)
      if (status !== 403) throw new Error(`GET ${path} as a member answered ${status}, not 403`)
    }
    log('  the member is refused by the pages and by the server')
  })
})
