// End to end, in real headless Chromium, through the pages only: two bodies hold a meeting.
//
// 上城区司法局 (张明, `bureau`, the convener) and 上城区市场监督管理局 (李华, `market`) each in
// their own browser context: the convener creates a case consultation inviting the market
// bureau, issues the notice and starts it; both open the room and type into the minutes at the
// same time, each seeing the other's text and caret; the market bureau drops offline, both type,
// it comes back and both converge, saved; the convener adds an agreed item (议定事项), ends the
// meeting, freezes the minutes and opens signing; both sign in the browser (an Ed25519 key made
// and enrolled on first use), the market bureau first; the convener archives, downloads the
// bundle from the archive page and runs its check there; the market bureau acknowledges (签收)
// the signed-minutes notice while the convener watches its receipts change without a reload.
//
// Leaves in $E2E_ARTIFACTS: bundle.zip and log-vkey.txt (the harness runs
// `concord verify bundle.zip --trust "$(cat log-vkey.txt)"`), and the screenshots
// meeting-room-A.png, meeting-room-B.png, signing-panel.png, archive.png, dashboard-A.png,
// dashboard-B.png, notice-sender-view.png.
import { readFileSync, writeFileSync } from 'node:fs'
import {
  apiGet,
  artifact,
  attrIs,
  byTestId,
  clickAndConfirm,
  confirmIfAsked,
  env,
  field,
  log,
  newBody,
  officeText,
  officeTime,
  orgsByName,
  pickOption,
  run,
  shot,
  signIn,
  step,
  textWithValues,
  toastText,
  track,
  typeDate,
  uniqueTag,
  visible,
  waitFor,
} from './lib.mjs'

const CONVENER_ORG = '上城区司法局'
const MARKET_ORG = '上城区市场监督管理局'

const tag = uniqueTag()
const title = `食品安全案件会商${tag}`
// What each body writes; every sentence is unique to this run.
const A_HEAD = '一、司法局意见：'
const B_HEAD = '二、市场监管局意见：'
const A1 = `张明提出依法从严查处第${tag}号案件。`
const B1 = `李华表示已完成现场检查并固定证据。`
const B2 = `李华在断网期间补充：涉案产品已全部封存。`
const A2 = `张明同时补充：请公安分局协助调查。`
// The server's title of the notice that completes the signing (work/minutes.rs).
const SIGNED_NOTICE = '会议纪要已签署'
const AGREED = `市场监管局于月底前提交案件调查报告（${tag}）`

/** The minutes editor's contenteditable. */
function editor(page) {
  return page.locator('[data-testid="minutes-editor"] .ProseMirror')
}

/** The text of the minutes without the remote carets' name labels (widgets inside the text). */
async function editorText(page) {
  return editor(page).evaluate((el) => {
    const copy = el.cloneNode(true)
    copy.querySelectorAll('.collaboration-carets__caret').forEach((c) => c.remove())
    return [...copy.children].map((block) => block.textContent).join('\n')
  })
}

/** The text of each paragraph of the minutes, carets left out. */
async function paragraphs(page) {
  return editor(page).evaluate((el) =>
    [...el.querySelectorAll('p')].map((p) => {
      const copy = p.cloneNode(true)
      copy.querySelectorAll('.collaboration-carets__caret').forEach((c) => c.remove())
      return copy.textContent
    }),
  )
}

/** Puts the caret at the end of the n-th paragraph of the minutes and types, like a person. */
async function typeInParagraph(page, n, text, delay = 25) {
  const paragraph = editor(page).locator('p').nth(n)
  // ProseMirror reads a click's caret from the page's selection a moment after the click; an
  // edit from the other person arriving in between redraws the text with the caret where it
  // was (y-prosemirror), as a person would see and click again. So: click, and type only once
  // the caret is at the end of that paragraph.
  await waitFor(
    async () => {
      await paragraph.click()
      await page.keyboard.press('End')
      return paragraph.evaluate((p) => {
        const s = window.getSelection()
        return !!s && s.isCollapsed && s.rangeCount > 0 && p.contains(s.anchorNode)
      })
    },
    `the caret is in paragraph ${n + 1} of the minutes`,
  )
  await page.keyboard.type(text, { delay })
}

async function syncState(page) {
  return byTestId(page, 'sync-status').first().getAttribute('data-state', { timeout: 1000 })
}

async function meetingState(page) {
  return byTestId(page, 'meeting-state').first().getAttribute('data-state', { timeout: 1000 })
}

/** Presses a meeting command button of the room, confirms if asked, waits for the new state. */
async function meetingCommand(page, command, expectState) {
  const button = byTestId(page, `meeting-action-${command}`)
  await visible(button, `the button meeting-action-${command}`)
  let seen
  await clickAndConfirm(
    page,
    button,
    async () => (seen = await meetingState(page)) === expectState,
    () => `the meeting's state (meeting-state data-state) is ${expectState} after ${command} (seen ${seen})`,
  )
}

/** Waits until no Element Plus loading mask is visible. */
async function loaded(page, what) {
  await waitFor(
    async () => (await page.locator('.el-loading-mask:visible, .el-skeleton:visible').count()) === 0,
    `${what} has finished loading`,
  )
}

await run('meeting.e2e', async (browser) => {
  const A = await newBody(browser, 'A')
  const B = await newBody(browser, 'B')
  track(A, B)
  let meetingId
  let orgs

  await step('1. A signs in as bureau (张明), B as market (李华), on /login', async () => {
    await Promise.all([signIn(A, 'bureau', '张明'), signIn(B, 'market', '李华')])
    orgs = await orgsByName(A)
    if (!orgs[MARKET_ORG] || !orgs[CONVENER_ORG]) throw new Error(`the directory lacks ${MARKET_ORG} or ${CONVENER_ORG}`)
  })
  const marketId = orgs[MARKET_ORG].id
  const convenerId = orgs[CONVENER_ORG].id

  await step('2a. A creates a case consultation inviting 上城区市场监督管理局 on /meetings/new', async () => {
    const { page } = A
    await page.goto(`${env.url}/meetings`)
    await visible(byTestId(page, 'meeting-new'), 'the button meeting-new on /meetings')
    await byTestId(page, 'meeting-new').first().click()
    await waitFor(() => new URL(page.url()).pathname === '/meetings/new', 'meeting-new leads to /meetings/new')
    await visible(byTestId(page, 'meeting-title'), 'the form field meeting-title')
    await pickOption(page, 'meeting-kind', '案件会商')
    await field(page, 'meeting-title').fill(title)
    // Tomorrow 09:30–11:00 (office time), answers due tomorrow 08:00: all ahead, as the server
    // requires; starting does not depend on the clock, only on the notice having been issued.
    await typeDate(page, 'meeting-starts', officeText(officeTime(1, 9, 30)))
    await typeDate(page, 'meeting-ends', officeText(officeTime(1, 11, 0)))
    if (await byTestId(page, 'meeting-reply-due').count()) {
      await typeDate(page, 'meeting-reply-due', officeText(officeTime(1, 8, 0)))
    }
    await field(page, 'meeting-place').fill('区司法局三楼会议室')
    await pickOption(page, 'meeting-invite', MARKET_ORG, { close: true })
    await byTestId(page, 'meeting-create-submit').first().click()
    await waitFor(
      () => /^\/meetings\/(?!new$)[^/]+$/.test(new URL(page.url()).pathname),
      async () => `the page goes to the new meeting's room /meetings/:id (at ${page.url()}; toasts: ${await toastText(page)})`,
    )
    meetingId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2])
    log(`  meeting ${meetingId}: ${title}`)
    await waitFor(async () => (await meetingState(page)) === 'draft', 'the new meeting is shown as draft (meeting-state data-state)')
    const shown = await apiGet(A, `/api/meetings/${encodeURIComponent(meetingId)}`)
    const json = JSON.stringify(shown)
    if (!json.includes(title) || !json.includes(marketId) || !json.includes('case_consultation')) {
      throw new Error(`the created meeting is not what the form said: ${json.slice(0, 400)}`)
    }
  })

  await step('2b. A issues the notice in the room (meeting-action-issue_notice)', async () => {
    await meetingCommand(A.page, 'issue_notice', 'scheduled')
  })

  await step('2c. B finds the meeting in its list, opens it and confirms the invitation', async () => {
    const { page } = B
    await page.goto(`${env.url}/meetings`)
    const row = byTestId(page, 'meeting-row').filter({ hasText: title })
    await visible(row, `B's meeting list shows a meeting-row titled ${title}`)
    const rowId = await row.first().getAttribute('data-meeting-id')
    if (rowId !== meetingId) throw new Error(`the row's data-meeting-id is ${rowId}, expected ${meetingId}`)
    // The row's link (its title) when it has one, else the row itself.
    const link = row.first().locator('a').first()
    await ((await link.count()) ? link : row.first()).click()
    await waitFor(
      () => new URL(page.url()).pathname === `/meetings/${meetingId}`,
      () => `clicking the row opens /meetings/${meetingId} (at ${page.url()})`,
    )
    await waitFor(async () => (await meetingState(page)) === 'scheduled', 'B sees the meeting as scheduled')
    const confirm = byTestId(page, 'invitation-confirm')
    if (await confirm.first().isVisible()) {
      // The answer names who attends (prefilled or not): 李华 if it is empty.
      const attendee = field(page, 'invitation-attendee')
      if ((await attendee.count()) && !(await attendee.inputValue())) await attendee.fill('李华')
      await clickAndConfirm(
        page,
        confirm,
        async () => {
          const dialog = page.locator('.el-dialog:visible, .el-message-box:visible').first()
          if (await dialog.isVisible()) {
            const input = dialog.locator('input:visible, textarea:visible').first()
            if ((await input.count()) && !(await input.inputValue())) await input.fill('李华')
            return false
          }
          // Answered: the body's invitation row says confirmed (the answer form may stay, to
          // change the answer until the start).
          const row = byTestId(page, 'invitation-row').and(page.locator(`[data-org-id="${marketId}"]`))
          if (await row.count()) return (await row.first().getAttribute('data-state')) === 'confirmed'
          return !(await confirm.first().isVisible())
        },
        'the invitation is answered (invitation-row data-state=confirmed, or invitation-confirm gone)',
      )
      const shown = await apiGet(B, `/api/meetings/${encodeURIComponent(meetingId)}`)
      if (!JSON.stringify(shown).includes('confirmed')) throw new Error(`the invitation is not confirmed on the server: ${JSON.stringify(shown).slice(0, 600)}`)
      // One notice, one answer: confirming acknowledged (签收) the meeting's notice to B's body.
      const box = await apiGet(B, '/api/notices?box=received')
      const notice = (box.notices ?? []).find((n) => n.about?.meeting_id === meetingId && n.about?.minutes_version == null)
      if (!notice) throw new Error(`B received no notice about the meeting: ${JSON.stringify(box).slice(0, 600)}`)
      if (notice.receipts?.[0]?.state !== 'acknowledged') {
        throw new Error(`B's meeting notice is ${notice.receipts?.[0]?.state} after confirming, not acknowledged`)
      }
    } else {
      log('  (no invitation-confirm button shown to B; going on)')
    }
  })

  await step('2d. A starts the meeting (meeting-action-start)', async () => {
    await meetingCommand(A.page, 'start', 'in_progress')
    await waitFor(async () => (await meetingState(B.page)) === 'in_progress', 'B\'s room shows the meeting in progress without a reload')
  })

  await step('3a. both rooms are connected and saved; the presence list shows 张明 and 李华', async () => {
    for (const b of [A, B]) {
      await visible(editor(b.page), `${b.label}'s minutes editor ([data-testid=minutes-editor] .ProseMirror)`)
      await waitFor(
        async () => (await editor(b.page).getAttribute('contenteditable')) === 'true',
        `${b.label}'s minutes editor is editable`,
      )
      let seen
      await waitFor(async () => (seen = await syncState(b.page)) === 'saved', () => `${b.label}'s sync-status is saved (seen ${seen})`)
    }
    for (const b of [A, B]) {
      let seen = ''
      await waitFor(
        async () => {
          seen = (await byTestId(b.page, 'presence-item').allInnerTexts()).join(' / ')
          return seen.includes('张明') && seen.includes('李华')
        },
        () => `${b.label}'s presence list (presence-item) names 张明 and 李华 (seen: ${seen || 'nothing'})`,
      )
      const list = (await byTestId(b.page, 'presence-list').first().innerText())
      if (!list.includes(MARKET_ORG) || !list.includes(CONVENER_ORG)) {
        throw new Error(`${b.label}'s presence list does not name both bodies: ${list}`)
      }
    }
  })

  await step('3b. A lays out two paragraphs; B sees them', async () => {
    const { page } = A
    await editor(page).click()
    await page.keyboard.press('Control+End')
    await page.keyboard.type(A_HEAD, { delay: 10 })
    await page.keyboard.press('Enter')
    await page.keyboard.type(B_HEAD, { delay: 10 })
    let seen = ''
    await waitFor(
      async () => {
        seen = await editorText(B.page)
        return seen.includes(A_HEAD) && seen.includes(B_HEAD)
      },
      () => `B's editor shows both headings A typed (B sees: ${JSON.stringify(seen)})`,
    )
  })

  await step('3c. A and B type at the same time; each sees the other\'s text and caret', async () => {
    const indexOf = async (page, head) => (await paragraphs(page)).findIndex((t) => t.startsWith(head))
    const ia = await indexOf(A.page, A_HEAD)
    const ib = await indexOf(B.page, B_HEAD)
    if (ia < 0 || ib < 0) throw new Error(`cannot find the paragraphs to type in (A: ${ia}, B: ${ib})`)
    await Promise.all([typeInParagraph(A.page, ia, A1, 40), typeInParagraph(B.page, ib, B1, 40)])
    for (const [me, other, text, name] of [
      [A, B, B1, '李华'],
      [B, A, A1, '张明'],
    ]) {
      let seen = ''
      await waitFor(
        async () => {
          seen = await editorText(me.page)
          return seen.includes(text)
        },
        () => `${me.label} sees ${other.label}'s sentence "${text}" (sees: ${JSON.stringify(seen)})`,
      )
      let labels = []
      await waitFor(
        async () => {
          const carets = me.page.locator('[data-testid="minutes-editor"] .collaboration-carets__caret')
          labels = await carets.locator('.collaboration-carets__label').allInnerTexts()
          return labels.some((l) => l.includes(name)) && (await carets.first().isVisible())
        },
        () => `${me.label} sees ${other.label}'s caret (.collaboration-carets__caret labelled ${name}; labels seen: ${JSON.stringify(labels)})`,
      )
    }
    // Each body's own text stayed in its own paragraph, whole.
    for (const b of [A, B]) {
      const ps = await paragraphs(b.page)
      if (!ps.some((t) => t === A_HEAD + A1) || !ps.some((t) => t === B_HEAD + B1)) {
        throw new Error(`${b.label}'s paragraphs are not the two sentences typed: ${JSON.stringify(ps)}`)
      }
    }
    await shot(A.page, 'meeting-room-A.png')
    await shot(B.page, 'meeting-room-B.png')
  })

  await step('4a. B goes offline: its sync-status says offline', async () => {
    await B.context.setOffline(true)
    const dropped = await B.page.evaluate(() => window.__e2eGoOffline())
    if (dropped < 1) throw new Error('B had no open WebSocket to drop')
    let seen
    await waitFor(async () => (seen = await syncState(B.page)) === 'offline', () => `B's sync-status data-state is offline (seen ${seen})`)
  })

  await step('4b. while B is offline both type; A does not see B\'s new text', async () => {
    const ib = (await paragraphs(B.page)).findIndex((t) => t.startsWith(B_HEAD))
    const ia = (await paragraphs(A.page)).findIndex((t) => t.startsWith(A_HEAD))
    await Promise.all([typeInParagraph(B.page, ib, B2, 20), typeInParagraph(A.page, ia, A2, 20)])
    let seen
    await waitFor(async () => (seen = await syncState(A.page)) === 'saved', () => `A's sync-status is saved after typing (seen ${seen})`)
    if ((await editorText(A.page)).includes(B2)) throw new Error('A already sees what B typed offline: B was not offline')
    if ((await editorText(B.page)).includes(A2)) throw new Error('B already sees what A typed while B was offline')
    const state = await syncState(B.page)
    if (state === 'saved') throw new Error('B\'s sync-status says saved while its edits cannot have reached the server')
  })

  await step('4c. B comes back online; both converge to the same text and are saved', async () => {
    await B.context.setOffline(false)
    await B.page.evaluate(() => window.__e2eGoOnline())
    let a = ''
    let b = ''
    await waitFor(
      async () => {
        a = await editorText(A.page)
        b = await editorText(B.page)
        return a === b && [A_HEAD, B_HEAD, A1, A2, B1, B2].every((s) => a.includes(s))
      },
      () => `both editors hold the same text with all six pieces (A: ${JSON.stringify(a)}; B: ${JSON.stringify(b)})`,
      { timeout: 20_000 },
    )
    for (const body of [A, B]) {
      let seen
      await waitFor(async () => (seen = await syncState(body.page)) === 'saved', () => `${body.label}'s sync-status is saved (seen ${seen})`, { timeout: 20_000 })
    }
  })

  await step('5. A adds an agreed item (议定事项) for 上城区市场监督管理局; B sees it', async () => {
    const { page } = A
    const deadline = officeText(officeTime(30, 12), true)
    const rowsBefore = await byTestId(page, 'agreed-row').count()
    const formFirst = rowsBefore === 0 && (await field(page, 'agreed-text').isVisible().catch(() => false))
    if (!formFirst) {
      await visible(byTestId(page, 'agreed-add'), 'the button agreed-add')
      await byTestId(page, 'agreed-add').first().click()
    }
    // The new item: the last row, or a dialog/form holding the inputs.
    const dialog = page.locator('.el-dialog:visible')
    const scope = formFirst
      ? page
      : (await dialog.count())
        ? dialog.first()
        : (await byTestId(page, 'agreed-row').count()) > rowsBefore
          ? byTestId(page, 'agreed-row').last()
          : page
    await visible(field(scope, 'agreed-text'), 'the input agreed-text of the new item')
    await field(scope, 'agreed-text').fill(AGREED)
    await field(scope, 'agreed-text').press('Tab')
    await pickOption(page, 'agreed-org', MARKET_ORG, { scope })
    if (await field(scope, 'agreed-deadline').count()) await typeDate(scope, 'agreed-deadline', deadline)
    else {
      // el-date-picker drops data-testid (see lib.mjs field); the row's only date input.
      log('  (agreed-deadline testid not in the DOM; using the row\'s date input)')
      const input = scope.locator('.el-date-editor input').first()
      await input.click()
      await input.fill(deadline)
      await input.press('Enter')
    }
    if (formFirst) await byTestId(page, 'agreed-add').first().click()
    else if (await dialog.count()) await confirmIfAsked(page, 1000)
    await page.keyboard.press('Tab')
    for (const b of [A, B]) {
      let seen = []
      await waitFor(
        async () => {
          const rows = byTestId(b.page, 'agreed-row')
          seen = []
          for (let i = 0; i < (await rows.count()); i++) seen.push(await textWithValues(rows.nth(i)))
          return seen.some((t) => t.includes(AGREED) && t.includes(MARKET_ORG) && t.includes(deadline))
        },
        () => `${b.label} sees an agreed-row with the text, ${MARKET_ORG} and ${deadline} (rows seen: ${JSON.stringify(seen)})`,
      )
    }
    let seen
    await waitFor(async () => (seen = await syncState(A.page)) === 'saved', () => `A's sync-status is saved (seen ${seen})`)
  })

  await step('6a. A ends the meeting, freezes the minutes and opens signing; both editors turn read-only', async () => {
    const { page } = A
    if (await byTestId(page, 'meeting-action-end').first().isVisible()) await meetingCommand(page, 'end', 'ended')
    await visible(byTestId(page, 'minutes-freeze'), 'the button minutes-freeze')
    await clickAndConfirm(
      page,
      byTestId(page, 'minutes-freeze'),
      async () => (await editor(page).getAttribute('contenteditable')) === 'false',
      'A\'s editor is read-only after minutes-freeze',
    )
    for (const b of [A, B]) {
      await waitFor(
        async () => (await editor(b.page).getAttribute('contenteditable')) === 'false',
        async () => `${b.label}'s editor is read-only after the freeze (toasts: ${await toastText(b.page)})`,
      )
    }
    await visible(byTestId(page, 'open-signing'), 'the button open-signing')
    await clickAndConfirm(
      page,
      byTestId(page, 'open-signing'),
      async () => (await byTestId(page, 'minutes-state').first().getAttribute('data-state')) === 'signing',
      'the minutes are being signed (minutes-state data-state=signing) after open-signing',
    )
    for (const b of [A, B]) {
      await visible(byTestId(b.page, 'signing-panel'), `${b.label}'s signing panel`)
      await waitFor(
        async () => (await byTestId(b.page, 'signer-status').count()) >= 2,
        `${b.label}'s signing panel lists both signers (signer-status)`,
      )
    }
    // Typing into a frozen editor changes nothing.
    const before = await editorText(B.page)
    await editor(B.page).click()
    await B.page.keyboard.type('冻结后不应出现')
    if ((await editorText(B.page)) !== before) throw new Error('B could still type into the frozen minutes')
  })

  let manifest
  await step('6b. both see the same full manifest hash', async () => {
    const hashes = []
    for (const b of [A, B]) {
      let text = ''
      await waitFor(
        async () => /[0-9a-f]{64}/.test((text = await byTestId(b.page, 'manifest-hash').first().innerText())),
        () => `${b.label}'s manifest-hash shows a full SHA-256 hex (seen ${JSON.stringify(text)})`,
      )
      hashes.push(text.match(/[0-9a-f]{64}/)[0])
    }
    if (hashes[0] !== hashes[1]) throw new Error(`the manifest hashes differ: A ${hashes[0]}, B ${hashes[1]}`)
    const minutes = await apiGet(A, `/api/meetings/${encodeURIComponent(meetingId)}/minutes`)
    if (!JSON.stringify(minutes).includes(hashes[0])) throw new Error(`the hash shown is not the server's manifest hash: ${JSON.stringify(minutes).slice(0, 500)}`)
    manifest = hashes[0]
    log(`  manifest ${manifest}`)
  })

  const signer = (page, orgId) => byTestId(page, 'signer-status').and(page.locator(`[data-org-id="${orgId}"]`))

  /** One body signs: the button, the confirmation, then its signer-status turns true everywhere. */
  async function sign(me, orgId) {
    const button = byTestId(me.page, 'sign-button')
    await visible(button, `${me.label}'s sign-button`)
    await waitFor(() => button.first().isEnabled(), `${me.label}'s sign-button is enabled`)
    // The confirmation shows the exact hash being signed: it must be the panel's.
    await button.first().click()
    const confirmHash = byTestId(me.page, 'sign-confirm-hash')
    await visible(confirmHash, `${me.label}'s signing confirmation (sign-confirm-hash)`)
    const shown = (await confirmHash.first().innerText()).replace(/\s+/g, '')
    if (shown !== manifest) throw new Error(`the confirmation shows ${shown}, the manifest hash is ${manifest}`)
    await clickAndConfirm(
      me.page,
      byTestId(me.page, 'sign-confirm'),
      async () => (await signer(me.page, orgId).first().getAttribute('data-signed')) === 'true',
      `${me.label}'s own signer-status turns signed after sign-button`,
      { timeout: 30_000 },
    )
    for (const b of [A, B]) {
      await attrIs(signer(b.page, orgId), 'data-signed', 'true', `${b.label}'s signer-status of ${me.label}'s body (live)`, 30_000)
    }
  }

  await step('6c. B (a participating body, step 1) signs in the browser; A sees it live', async () => {
    await attrIs(signer(A.page, marketId), 'data-signed', 'false', 'A\'s signer-status of 上城区市场监督管理局 before signing')
    await attrIs(signer(A.page, convenerId), 'data-signed', 'false', 'A\'s signer-status of 上城区司法局 before signing')
    await sign(B, marketId)
    const keys = await apiGet(B, '/api/keys')
    if (!JSON.stringify(keys).includes('BEGIN PUBLIC KEY') && !JSON.stringify(keys).includes('key_id')) {
      throw new Error(`B's browser enrolled no key: ${JSON.stringify(keys).slice(0, 300)}`)
    }
  })

  await step('6d. A (the convener, step 2) signs; both see every signer signed', async () => {
    await sign(A, convenerId)
    await shot(A.page, 'signing-panel.png')
  })

  await step('7a. A archives the minutes and opens the archive page', async () => {
    const { page } = A
    await visible(byTestId(page, 'archive-button'), 'A\'s archive-button after the signatures completed', 20_000)
    const link = byTestId(page, 'archive-link')
    await clickAndConfirm(
      page,
      byTestId(page, 'archive-button'),
      async () => (await byTestId(page, 'minutes-state').first().getAttribute('data-state')) === 'archived' && (await link.first().isVisible()),
      'the minutes are archived (minutes-state data-state=archived) and the archive-link shows after archive-button',
    )
    await link.first().click()
    await waitFor(
      () => new URL(page.url()).pathname === `/meetings/${meetingId}/archive`,
      () => `archive-link opens /meetings/${meetingId}/archive (at ${page.url()})`,
    )
  })

  await step('7b. A downloads the bundle from the page and checks it there', async () => {
    const { page } = A
    const link = byTestId(page, 'bundle-download')
    await visible(link, 'the bundle-download link')
    const href = await link.first().getAttribute('href')
    if (!/^\/api\/meetings\/[^/]+\/minutes\/versions\/\d+\/bundle\.zip$/.test(href ?? '')) {
      throw new Error(`bundle-download's href is ${href}`)
    }
    const [download] = await Promise.all([page.waitForEvent('download'), link.first().click()])
    await download.saveAs(artifact('bundle.zip'))
    const bytes = readFileSync(artifact('bundle.zip'))
    if (bytes.length < 100 || bytes.subarray(0, 2).toString() !== 'PK') throw new Error(`bundle.zip is not a zip (${bytes.length} bytes)`)
    log(`  bundle.zip: ${bytes.length} bytes`)
    await byTestId(page, 'verify-run').first().click()
    await attrIs(byTestId(page, 'verify-result'), 'data-verified', 'true', 'the archive page\'s verify-result', 30_000)
    const failed = await page.locator('[data-testid="verify-check"][data-ok="false"]').count()
    if (failed) throw new Error(`${failed} verify-check item(s) have data-ok=false`)
    // The signed text in office form, shown on the page and printable from there.
    const text = page.frameLocator('[data-testid="minutes-text"]')
    const number = text.locator('.number')
    await visible(number, 'the document number in the archive page\'s minutes-text')
    const written = await number.first().innerText()
    if (!/^上司纪〔\d{4}〕\d+号$/.test(written.trim())) throw new Error(`the document number reads ${JSON.stringify(written)}`)
    await visible(byTestId(page, 'minutes-print'), 'the minutes-print button')
    // The printable PDF the server typeset at freeze, opened from the page, and the signature
    // page naming the signers.
    for (const id of ['minutes-pdf', 'signature-page']) {
      await visible(byTestId(page, id), `the ${id} link`)
      const pdfHref = await byTestId(page, id).first().getAttribute('href')
      const response = await page.request.get(new URL(pdfHref, page.url()).toString())
      const head = (await response.body()).subarray(0, 5).toString()
      if (!response.ok() || head !== '%PDF-') throw new Error(`${id} (${pdfHref}) answers ${response.status()} ${JSON.stringify(head)}, not a PDF`)
    }
    await shot(page, 'archive.png')
    const key = await apiGet(A, '/api/log/key')
    if (!key.vkey) throw new Error(`GET /api/log/key gave no vkey: ${JSON.stringify(key)}`)
    writeFileSync(artifact('log-vkey.txt'), `${key.vkey}\n`)
  })

  let noticeId
  await step('8a. B finds the signed-minutes notice in its inbox; A opens its sender view', async () => {
    await B.page.goto(`${env.url}/inbox`)
    const item = byTestId(B.page, 'inbox-item').filter({ hasText: title }).filter({ hasText: SIGNED_NOTICE })
    await visible(item, `B's inbox shows an inbox-item about "${title}"`)
    noticeId = await item.first().getAttribute('data-notice-id')
    if (!noticeId) throw new Error('the inbox-item has no data-notice-id')
    // A, the sender: the inbox's sent tab lists it; its row opens the sender's view.
    await A.page.goto(`${env.url}/inbox`)
    await visible(byTestId(A.page, 'inbox-tab-sent'), 'A\'s inbox tab inbox-tab-sent')
    await byTestId(A.page, 'inbox-tab-sent').first().click()
    const sent = byTestId(A.page, 'sent-item').filter({ hasText: title }).filter({ hasText: SIGNED_NOTICE })
    await visible(sent, `A's sent tab shows a sent-item about "${title}"`)
    const sentId = await sent.first().getAttribute('data-notice-id')
    if (sentId !== noticeId) throw new Error(`A's sent-item is notice ${sentId}, B received ${noticeId}`)
    await sent.first().click()
    await waitFor(
      () => new URL(A.page.url()).pathname === `/notices/${noticeId}`,
      () => `the sent-item opens /notices/${noticeId} (at ${A.page.url()})`,
    )
    await visible(byTestId(A.page, 'notice-receipts'), 'A\'s sender view (notice-receipts)')
    await attrIs(
      byTestId(A.page, 'receipt-row').and(A.page.locator(`[data-org-id="${marketId}"]`)),
      'data-acknowledged', 'false', `A's receipt-row of ${MARKET_ORG} before B acknowledges`,
    )
    await A.page.evaluate(() => { window.__e2eNoReload = true })
  })

  await step('8b. B acknowledges (签收); A sees it live without a reload', async () => {
    const item = byTestId(B.page, 'inbox-item').filter({ hasText: title }).filter({ hasText: SIGNED_NOTICE })
    await item.first().click()
    await waitFor(
      () => new URL(B.page.url()).pathname === `/notices/${noticeId}`,
      () => `the inbox-item opens /notices/${noticeId} (at ${B.page.url()})`,
    )
    // The notice links to the signed minutes (the archive page), not to a hash.
    const about = byTestId(B.page, 'notice-about')
    await visible(about, 'B\'s notice-about link')
    const to = await about.first().getAttribute('href')
    if (to !== `/meetings/${meetingId}/archive`) throw new Error(`notice-about links to ${to}`)
    const body = await byTestId(B.page, 'notice-body').first().innerText()
    if (/SHA-256|[0-9a-f]{64}/.test(body)) throw new Error(`the notice body shows a hash: ${body}`)
    const ack = byTestId(B.page, 'notice-ack')
    await visible(ack, 'B\'s notice-ack button')
    await clickAndConfirm(
      B.page,
      ack,
      () => byTestId(B.page, 'notice-acked').first().isVisible(),
      'B\'s notice-acked mark shows after notice-ack',
    )
    await attrIs(
      byTestId(A.page, 'receipt-row').and(A.page.locator(`[data-org-id="${marketId}"]`)),
      'data-acknowledged', 'true', `A's receipt-row of ${MARKET_ORG} (live, through the event stream)`,
    )
    if (!(await A.page.evaluate(() => window.__e2eNoReload === true))) throw new Error('A\'s page was reloaded')
    await shot(A.page, 'notice-sender-view.png')
  })

  await step('9. both dashboards show their work (B: the agreed item as a task)', async () => {
    await Promise.all([A.page.goto(`${env.url}/`), B.page.goto(`${env.url}/`)])
    for (const b of [A, B]) {
      for (const section of ['dash-tasks', 'dash-notices', 'dash-meetings']) {
        await visible(byTestId(b.page, section), `${b.label}'s dashboard section ${section}`)
      }
      await loaded(b.page, `${b.label}'s dashboard`)
    }
    await visible(byTestId(A.page, 'dash-annual'), 'the bureau\'s annual-meeting section dash-annual')
    let seen = ''
    await waitFor(
      async () => (seen = await byTestId(B.page, 'dash-tasks').first().innerText()).includes(AGREED.slice(0, 12)),
      () => `B's dash-tasks lists the task made from the agreed item (seen: ${JSON.stringify(seen.slice(0, 300))})`,
    )
    await shot(A.page, 'dashboard-A.png')
    await shot(B.page, 'dashboard-B.png')
  })
})
