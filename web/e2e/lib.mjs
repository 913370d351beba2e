// Shared helpers of the browser end-to-end scripts (meeting.e2e.mjs, zh-cn.e2e.mjs).
//
// The Rust harness (tests/it/web.rs) seeds a data directory, starts `concord serve` with the
// built client on loopback and runs `node e2e/<script>` in web/ with these variables:
//   CONCORD_URL     the server, e.g. http://127.0.0.1:41234
//   E2E_PASSWORD    every seeded person's password
//   CHROMIUM_PATH   the Chromium executable (Debian's /usr/bin/chromium)
//   E2E_ARTIFACTS   where screenshots and downloaded files go (created when missing)
// A script prints `step: …` lines, exits 0 on success and 1 naming the failed step otherwise,
// with a screenshot of every open page taken at the failure.
//
// Waiting is always explicit: `waitFor` polls a condition until a deadline (15 s by default)
// and fails with a sentence saying what was awaited; no script sleeps for a fixed long time.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

export const TIMEOUT = 15_000

function required(name) {
  const value = process.env[name]
  if (!value) {
    console.error(`e2e: the environment variable ${name} is not set`)
    process.exit(2)
  }
  return value
}

export const env = {
  url: required('CONCORD_URL').replace(/\/+$/, ''),
  password: required('E2E_PASSWORD'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  artifacts: required('E2E_ARTIFACTS'),
}
mkdirSync(env.artifacts, { recursive: true })

export function artifact(name) {
  return join(env.artifacts, name)
}

export function log(message) {
  console.log(message)
}

// ---------------------------------------------------------------------------------------------
// The browser, contexts (one per body), sign-in.

/** Chromium as the issue demands it. */
export async function launch() {
  return chromium.launch({
    executablePath: env.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
}

/**
 * Installed in every page before its scripts: keeps a handle on each WebSocket so a test can
 * drop them like a lost connection. `context.setOffline(true)` alone does not close open
 * WebSockets in Chromium (playwright issue #4910), so going offline closes them, and while
 * offline a new WebSocket is pointed at a path of the same server that is no socket (its
 * handshake fails, as it would without a network; same origin, so the page's CSP allows it).
 */
const SOCKET_TAP = `(() => {
  const Native = window.WebSocket;
  if (!Native || Native.__e2eTapped) return;
  const open = new Set();
  let offline = false;
  class TappedWebSocket extends Native {
    constructor(url, protocols) {
      super(offline ? String(url).replace(/^(wss?:\\/\\/[^/]+).*$/, '$1/e2e-offline-no-such-socket') : url, protocols);
      open.add(this);
      this.addEventListener('close', () => open.delete(this));
    }
  }
  TappedWebSocket.__e2eTapped = true;
  window.WebSocket = TappedWebSocket;
  window.__e2eGoOffline = () => {
    offline = true;
    let n = 0;
    for (const s of open) { n++; try { s.close(4000, 'e2e offline'); } catch (e) {} }
    return n;
  };
  window.__e2eGoOnline = () => { offline = false; };
})();`

/**
 * A browser context for one body: its own cookies and storage, Chinese locale and the
 * office time zone, 1280×800, downloads accepted, every page with the socket tap above.
 */
export async function newBody(browser, label, options = {}) {
  const context = await browser.newContext({
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    ...options,
  })
  context.setDefaultTimeout(TIMEOUT)
  await context.addInitScript(SOCKET_TAP)
  const page = await context.newPage()
  const body = { label, context, page, errors: [] }
  page.on('pageerror', (e) => body.errors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error') body.errors.push(m.text())
  })
  return body
}

/**
 * The inner input (or textarea) of an element with this data-testid, or the element itself.
 * Element Plus's el-date-picker drops data-* attributes (its input gets only id and aria-*), so
 * a picker's testid is looked for on a wrapper, and failing that, as the input's id.
 */
export function field(scope, testid) {
  const t = `[data-testid="${testid}"]`
  return scope
    .locator(`input${t}, textarea${t}, ${t} input:not([type=hidden]), ${t} textarea, input#${testid}, textarea#${testid}`)
    .first()
}

export function byTestId(scope, testid) {
  return scope.locator(`[data-testid="${testid}"]`)
}

/** Signs in through /login the way a person does, and waits for the frame to name them. */
export async function signIn(body, username, expectedName) {
  const { page } = body
  await page.goto(`${env.url}/login`)
  await field(page, 'login-username').fill(username)
  await field(page, 'login-password').fill(env.password)
  await byTestId(page, 'login-submit').click()
  await waitFor(
    async () => !new URL(page.url()).pathname.startsWith('/login'),
    `${username} leaves /login after signing in (still at ${page.url()}; page says: ${await toastText(page)})`,
  )
  const who = byTestId(page, 'who')
  await waitFor(
    async () => (await who.isVisible()) && (await who.innerText()).includes(expectedName),
    `the header (data-testid=who) names ${expectedName}`,
  )
}

/** The text of visible Element Plus toasts, for error messages. */
export async function toastText(page) {
  try {
    return (await page.locator('.el-message, .el-notification').allInnerTexts()).join(' | ') || '(no toast)'
  } catch {
    return '(page gone)'
  }
}

// ---------------------------------------------------------------------------------------------
// Waiting.

/**
 * Polls `condition` (sync or async, truthy = done) every `interval` ms until `timeout` ms have
 * passed, then fails with "timed out waiting until <what>". `what` may be a function giving
 * the sentence at the failure (to include the state seen last).
 */
export async function waitFor(condition, what, { timeout = TIMEOUT, interval = 150 } = {}) {
  const deadline = Date.now() + timeout
  let lastError
  for (;;) {
    try {
      const value = await condition()
      if (value) return value
      lastError = undefined
    } catch (e) {
      lastError = e
    }
    if (Date.now() > deadline) {
      const sentence = typeof what === 'function' ? await what() : what
      const cause = lastError ? ` (last error: ${String(lastError.message ?? lastError).split('\n')[0]})` : ''
      throw new Error(`timed out after ${timeout / 1000} s waiting until ${sentence}${cause}`)
    }
    await new Promise((r) => setTimeout(r, interval))
  }
}

/** Waits until the element is visible. */
export async function visible(locator, what, timeout = TIMEOUT) {
  await waitFor(() => locator.first().isVisible(), `${what} is visible`, { timeout })
  return locator.first()
}

/** Waits until an attribute of the (first) element has the value. */
export async function attrIs(locator, name, value, what, timeout = TIMEOUT) {
  let seen
  await waitFor(
    async () => {
      seen = await locator.first().getAttribute(name, { timeout: 1000 })
      return seen === value
    },
    () => `${what} has ${name}="${value}" (last seen: ${JSON.stringify(seen)})`,
    { timeout },
  )
}

/** Text of an element including the values of its inputs (an el-input row shows its text there). */
export async function textWithValues(locator) {
  return locator.evaluate((el) => {
    const values = [...el.querySelectorAll('input, textarea')].map((i) => i.value)
    return [el.innerText, ...values].join('\n')
  })
}

const CONFIRM_BUTTON =
  '.el-message-box__btns .el-button--primary:visible, .el-dialog:visible .el-button--primary:visible'

/**
 * If an Element Plus confirmation (message box or dialog) opens within `timeout`, presses its
 * primary button. Returns whether one was confirmed.
 */
export async function confirmIfAsked(page, timeout = 2500) {
  const button = page.locator(CONFIRM_BUTTON).first()
  try {
    await button.waitFor({ state: 'visible', timeout })
  } catch {
    return false
  }
  await button.click()
  return true
}

/**
 * Clicks, then waits until `done()` holds, pressing the primary button of any confirmation
 * (message box or dialog) that opens meanwhile, the way a person confirms "are you sure?".
 */
export async function clickAndConfirm(page, locator, done, what, { timeout = TIMEOUT } = {}) {
  await locator.first().click()
  let confirmed = 0
  await waitFor(
    async () => {
      if (await done()) return true
      const button = page.locator(CONFIRM_BUTTON).first()
      if (confirmed < 3 && (await button.isVisible())) {
        confirmed++
        await button.click({ timeout: 2000 }).catch(() => {})
      }
      return false
    },
    async () => `${typeof what === 'function' ? await what() : what} (toasts: ${await toastText(page)})`,
    { timeout },
  )
}

/** The state a task page shows (`task-state`'s `data-state`). */
export async function taskState(page) {
  return byTestId(page, 'task-state').first().getAttribute('data-state', { timeout: 1000 })
}

/** Presses a task command button on the task page, fills its dialog if it asks for words
 * (`words`, or the command's name), confirms it once, and waits for the new state. (Once: the
 * dialog stays open, its button loading, while the command is under way; a second press would
 * wait on a button that then closes with its dialog.) */
export async function taskCommand(body, command, expectState, words = '') {
  const { page } = body
  const button = byTestId(page, `task-action-${command}`)
  await visible(button, `${body.label}'s task-action-${command} button`)
  await button.first().click()
  let seen
  let confirmed = false
  await waitFor(
    async () => {
      if ((seen = await taskState(page)) === expectState) return true
      if (confirmed) return false
      const text = field(page, 'task-dialog-text')
      if (await text.isVisible()) {
        if (!(await text.inputValue())) await text.fill(words || command)
        await byTestId(page, 'task-dialog-confirm').first().click({ timeout: 2000 })
        confirmed = true
        return false
      }
      const confirm = page.locator('.el-message-box__btns .el-button--primary:visible').first()
      if (await confirm.isVisible()) {
        await confirm.click({ timeout: 2000 })
        confirmed = true
      }
      return false
    },
    async () => `${body.label}'s task is ${expectState} after ${command} (seen ${seen}; toasts: ${await toastText(page)})`,
  )
}

/** Opens an el-select (by testid) and picks the option whose text contains `text`. */
export async function pickOption(page, testid, text, { close = false, scope = page } = {}) {
  const select = byTestId(scope, testid).first()
  await select.click()
  const option = page.locator('.el-select-dropdown:visible .el-select-dropdown__item, .el-popper:visible [role=option]').filter({ hasText: text }).first()
  await visible(option, `the option "${text}" of ${testid}`)
  await option.click()
  if (close) {
    await page.keyboard.press('Escape')
    // Until its dropdown has faded out, its options are still "visible" to the next pick.
    await waitFor(async () => (await page.locator('.el-select-dropdown:visible').count()) === 0, `the options of ${testid} closed`)
  }
}

/** Types a value into a date(-time) picker's input and presses Enter. */
export async function typeDate(scope, testid, value) {
  const input = field(scope, testid)
  await input.click()
  await input.fill(value)
  await input.press('Enter')
}

// ---------------------------------------------------------------------------------------------
// The API, with the page's session cookie (for set-up the page is not under test for, and for
// reading ids the page keeps in attributes).

export async function apiGet(body, path) {
  const res = await body.context.request.get(env.url + path)
  if (!res.ok()) throw new Error(`GET ${path} answered ${res.status()}: ${await res.text()}`)
  return res.json()
}

export async function apiPost(body, path, data) {
  const res = await body.context.request.post(env.url + path, {
    data,
    headers: { Origin: env.url, 'Content-Type': 'application/json' },
  })
  if (!res.ok()) throw new Error(`POST ${path} answered ${res.status()}: ${await res.text()}`)
  const text = await res.text()
  return text ? JSON.parse(text) : null
}

/** The directory's organizations by Chinese name. */
export async function orgsByName(body) {
  const { orgs } = await apiGet(body, '/api/orgs')
  return Object.fromEntries(orgs.map((o) => [o.name_zh, o]))
}

// ---------------------------------------------------------------------------------------------
// Steps and the run.

const bodies = []
let current = '(setup)'
let failShots = 0

/** Registers a body whose page is photographed when a step fails. */
export function track(...list) {
  bodies.push(...list)
}

export async function shot(page, name) {
  await page.screenshot({ path: artifact(name), fullPage: true })
}

/** Runs one named step; on failure photographs every tracked page and rethrows, naming the step. */
export async function step(name, fn) {
  current = name
  log(`step: ${name}`)
  const started = Date.now()
  try {
    const value = await fn()
    log(`  ok (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    return value
  } catch (e) {
    failShots++
    for (const b of bodies) {
      try {
        await shot(b.page, `failed-${failShots}-${b.label}.png`)
        log(`  screenshot of ${b.label}: ${artifact(`failed-${failShots}-${b.label}.png`)} (at ${b.page.url()})`)
      } catch {}
    }
    const err = e instanceof Error ? e : new Error(String(e))
    err.step = name
    throw err
  }
}

/**
 * Runs a whole script: a browser, `main(browser)`, exit 0 on success, 1 naming the step that
 * failed (with the page errors seen) otherwise; a hard limit stops a stuck run.
 */
export async function run(title, main, { limitMs = 270_000 } = {}) {
  const started = Date.now()
  let browser
  const timer = setTimeout(() => {
    console.error(`FAIL ${title}: still running after ${limitMs / 1000} s, in step "${current}"`)
    process.exit(1)
  }, limitMs)
  try {
    browser = await launch()
    await main(browser)
    log(`PASS ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`)
    await browser.close()
    clearTimeout(timer)
    process.exit(0)
  } catch (e) {
    console.error(`FAIL ${title}: step "${e.step ?? current}": ${e.message ?? e}`)
    for (const b of bodies) {
      if (b.errors.length) console.error(`  errors in ${b.label}'s page:\n    ${b.errors.slice(-10).join('\n    ')}`)
    }
    try {
      writeFileSync(artifact('failure.txt'), `${title}\nstep: ${e.step ?? current}\n${e.stack ?? e}\n`)
    } catch {}
    try {
      await browser?.close()
    } catch {}
    clearTimeout(timer)
    process.exit(1)
  }
}

/** Unix ms of a wall-clock time in the office zone (+08:00) `days` from today, at hh:mm. */
export function officeTime(days, hh, mm = 0) {
  const shifted = new Date(Date.now() + 8 * 3_600_000)
  const y = shifted.getUTCFullYear()
  const m = shifted.getUTCMonth()
  const d = shifted.getUTCDate() + days
  return Date.UTC(y, m, d, hh - 8, mm)
}

/** `YYYY-MM-DD HH:mm` (or with `dateOnly`, `YYYY-MM-DD`) of Unix ms in the office zone. */
export function officeText(ms, dateOnly = false) {
  const s = new Date(ms + 8 * 3_600_000).toISOString()
  return dateOnly ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 16)}`
}

/** A short unique Chinese tag (digits only besides Chinese), so reruns do not collide. */
export function uniqueTag() {
  return String(Date.now()).slice(-6)
}

// ---------------------------------------------------------------------------------------------
// Set-up through the API, for scenarios about pages other than the ones that do it.

/** Moves a meeting with a convener command (`issue_notice`, `start`, `end`…), reading its revision first. */
export async function meetingAction(body, meetingId, command) {
  const { revision } = await apiGet(body, `/api/meetings/${meetingId}`)
  await apiPost(body, `/api/meetings/${meetingId}/actions`, { command, revision })
}

/**
 * Signs version 1 of a meeting's minutes for the caller's body the way `concord admin sign`
 * does: a fresh Ed25519 key enrolled, the statement fetched, its PAE signed.
 */
export async function signMinutesThroughApi(body, meetingId) {
  const { generateKeyPairSync, sign } = await import('node:crypto')
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const key = await apiPost(body, '/api/keys', { public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }) })
  const toSign = await apiPost(body, `/api/meetings/${meetingId}/minutes/statement`, { version: 1, key_id: key.key_id })
  const signature = sign(null, Buffer.from(toSign.pae, 'base64'), privateKey).toString('base64')
  await apiPost(body, `/api/meetings/${meetingId}/minutes/signatures`, { version: 1, statement: toSign.statement, signature })
}

/** PUT with the page's session cookie. */
export async function apiPut(body, path, data) {
  const res = await body.context.request.put(env.url + path, {
    data,
    headers: { Origin: env.url, 'Content-Type': 'application/json' },
  })
  if (!res.ok()) throw new Error(`PUT ${path} answered ${res.status()}: ${await res.text()}`)
  return res.json()
}

/** A dispute command at the revision the caller reads now (`negotiate`, `escalate`…). */
export async function disputeAction(body, disputeId, command, extra = {}) {
  const { revision } = await apiGet(body, `/api/disputes/${disputeId}`)
  return apiPost(body, `/api/disputes/${disputeId}/actions`, { command, revision, ...extra })
}

/**
 * A jurisdiction dispute raised by `raiser` against `other` (each a signed-in body) and taken
 * through the API as far as the bureau's acceptance when `bureau` is given: negotiation taken
 * up, positions stated, both say negotiation failed, escalated, accepted. Written in Chinese.
 */
export async function disputeThroughApi(raiser, other, otherOrgId, bureau, title) {
  const dispute = await apiPost(raiser, '/api/disputes', {
    kind: 'negative',
    title,
    description: '群众举报某小区地下车库违规设置经营性停车场，双方均认为不属于本单位查处范围。',
    place: '上城区近江路',
    reference: '330102-2026-0107',
    tried: '双方已电话沟通两次，未达成一致。',
    parties: [otherOrgId],
    position: '该事项属于公安交通管理职责，不属本单位管辖。',
    legal_basis: '《道路交通安全法》第三十三条',
  })
  const id = dispute.id
  await disputeAction(other, id, 'negotiate')
  await apiPut(other, `/api/disputes/${id}/position`, { position: '该事项属于经营行为监管，应由市场监管部门查处。', legal_basis: '《价格法》第十二条' })
  if (bureau) {
    await apiPost(raiser, `/api/disputes/${id}/negotiation-failed`, {})
    await apiPost(other, `/api/disputes/${id}/negotiation-failed`, {})
    await disputeAction(raiser, id, 'escalate', { reason: '双方协商不成，提请区司法局协调。' })
    await disputeAction(bureau, id, 'accept')
  }
  return id
}
