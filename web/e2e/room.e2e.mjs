// The live room, in real headless Chromium: what a participant meets besides typing.
//
// 上城区司法局 (张明, `bureau`, the convener) has issued a meeting notice to 上城区市场监督管理局
// (李华, `market`) through the API. Then, through the pages only:
//
// 1. 李华 opens the meeting: the invitation answer is the first thing on the page (in the first
//    screen, above the minutes), and 李华 answers there;
// 2. the meeting starts; both are in the room and each lists the other as present;
// 3. 李华's connection drops (the context goes offline and its sockets close): the header's
//    connection indicator says offline; the connection comes back, and the old socket's last
//    frames reach the server after the new socket opened (its removal of 李华's presence
//    included): within 2 s of 李华's socket being open again 张明 lists 李华, and still does
//    for the next 10 s; the indicator says online;
// 4. 张明 writes an agreed item over several lines; 李华 sees the same lines;
// 5. 张明 presses 定稿 (freeze): a confirmation names what follows (everyone's editor becomes
//    read-only, the signatories sign); cancelling changes nothing; confirming freezes, and the
//    frozen agreed item shows its line breaks.
//
// Leaves in $E2E_ARTIFACTS: room-invitation-B.png, room-reconnected-A.png,
// room-freeze-confirm-A.png, room-frozen-B.png.
import {
  apiGet,
  apiPost,
  attrIs,
  byTestId,
  clickAndConfirm,
  env,
  log,
  meetingAction,
  newBody,
  officeTime,
  orgsByName,
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

const MARKET_ORG = '上城区市场监督管理局'
const tag = uniqueTag()
const TITLE = `联合执法会商${tag}`
const AGREED_LINES = [`一、市场监管局牵头核查第${tag}号线索；`, '二、公安分局配合调取监控；', '三、月底前报送书面结果。']

function editor(page) {
  return page.locator('[data-testid="minutes-editor"] .ProseMirror')
}

async function presenceNames(page) {
  return (await byTestId(page, 'presence-item').allInnerTexts()).join(' / ')
}

async function connectionState(page) {
  return byTestId(page, 'connection').first().getAttribute('data-state', { timeout: 1000 })
}

async function syncState(page) {
  return byTestId(page, 'sync-status').first().getAttribute('data-state', { timeout: 1000 })
}

await run('room.e2e', async (browser) => {
  const A = await newBody(browser, 'A')
  const B = await newBody(browser, 'B')
  track(A, B)
  let meetingId

  await step('set-up: 张明 and 李华 sign in; 张明 issues a meeting notice to 上城区市场监督管理局 (API)', async () => {
    await Promise.all([signIn(A, 'bureau', '张明'), signIn(B, 'market', '李华')])
    const orgs = await orgsByName(A)
    const meeting = await apiPost(A, '/api/meetings', {
      kind: 'case_consultation',
      title: TITLE,
      starts_at: officeTime(1, 9, 30),
      ends_at: officeTime(1, 11, 0),
      place: '区司法局三楼会议室',
      invited: [{ org_id: orgs[MARKET_ORG].id, role: 'member' }],
    })
    meetingId = meeting.id
    await meetingAction(A, meetingId, 'issue_notice')
    log(`  meeting ${meetingId}`)
  })

  await step('1. 李华 opens the meeting: the invitation answer is at the top, in the first screen; 李华 confirms there', async () => {
    const { page } = B
    await page.goto(`${env.url}/meetings/${meetingId}`)
    const answer = await visible(byTestId(page, 'invitation-prompt'), 'the invitation answer at the top (invitation-prompt)')
    const box = await answer.boundingBox()
    const height = page.viewportSize().height
    if (!box || box.y < 0 || box.y + Math.min(box.height, 200) > height) {
      throw new Error(`the invitation answer is not in the first screen: top ${box?.y}, viewport height ${height}`)
    }
    // Above everything else of the meeting: the header card and the minutes come after it.
    for (const other of ['meeting-state', 'minutes-card']) {
      const o = await byTestId(page, other).first().boundingBox()
      if (o && o.y < box.y) throw new Error(`${other} (top ${o.y}) is above the invitation answer (top ${box.y})`)
    }
    await shot(page, 'room-invitation-B.png')
    await answer.locator('[data-testid="invitation-confirm"]').click()
    await waitFor(
      async () => (await byTestId(page, 'invitation-prompt').count()) === 0,
      'the answer leaves the top of the page once given',
    )
    const shown = await apiGet(B, `/api/meetings/${meetingId}`)
    if (!shown.invitations.some((i) => i.state === 'confirmed')) throw new Error('the invitation is not confirmed on the server')
  })

  await step('2. the meeting starts; both are in the room and list each other as present', async () => {
    await meetingAction(A, meetingId, 'start')
    await A.page.goto(`${env.url}/meetings/${meetingId}`)
    for (const b of [A, B]) {
      await visible(editor(b.page), `${b.label}'s minutes editor`)
      let seen = ''
      await waitFor(
        async () => ((seen = await presenceNames(b.page)).includes('张明') && seen.includes('李华')),
        () => `${b.label}'s presence list names 张明 and 李华 (seen: ${seen || 'nothing'})`,
      )
      let state
      await waitFor(async () => (state = await connectionState(b.page)) === 'online', () => `${b.label}'s header says online (seen ${state})`)
    }
  })

  await step('3a. 李华\'s connection drops: the header says offline', async () => {
    await B.context.setOffline(true)
    await B.page.evaluate(() => window.__e2eGoOffline())
    let state
    await waitFor(async () => (state = await connectionState(B.page)) === 'offline', () => `B's header connection indicator says offline (seen ${state})`, { timeout: 5000 })
    // The server learns of it only when the old socket's last frames (its removal and its
    // close, held back by the emulated outage) arrive, after the reconnect: the case of a
    // real network drop, where the old connection ends after the new one began.
    await new Promise((r) => setTimeout(r, 3000))
  })

  await step('3b. the connection comes back: within 2 s 张明 lists 李华 again, and still 10 s later', async () => {
    await B.context.setOffline(false)
    await B.page.evaluate(() => window.__e2eGoOnline())
    // From the moment 李华's document socket is open again (the sync indicator leaves offline).
    let state
    await waitFor(async () => ['saved', 'saving'].includes((state = await syncState(B.page))), () => `B's document socket is connected again (sync-status ${state})`)
    const back = Date.now()
    let seen = ''
    await waitFor(
      async () => (seen = await presenceNames(A.page)).includes('李华'),
      () => `A lists 李华 again within 2 s of B reconnecting (seen: ${seen})`,
      { timeout: 2000, interval: 100 },
    )
    log(`  A listed 李华 again ${Date.now() - back} ms after B's socket reopened`)
    await waitFor(async () => (state = await connectionState(B.page)) === 'online', () => `B's header says online again (seen ${state})`, { timeout: 5000 })
    await shot(A.page, 'room-reconnected-A.png')
    const until = back + 10_000
    while (Date.now() < until) {
      if (!(seen = await presenceNames(A.page)).includes('李华')) {
        throw new Error(`A's presence list lost 李华 again ${Date.now() - back} ms after the reconnect (seen: ${seen})`)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  })

  await step('4. 张明 writes an agreed item over three lines; 李华 sees the same three lines', async () => {
    const { page } = A
    await byTestId(page, 'agreed-add').first().click()
    const row = byTestId(page, 'agreed-row').last()
    const text = row.locator('textarea').first()
    await visible(text, 'a multi-line text box (textarea) for the agreed item')
    await text.click()
    for (const [i, line] of AGREED_LINES.entries()) {
      if (i > 0) await page.keyboard.press('Enter')
      await page.keyboard.type(line, { delay: 5 })
    }
    // A pick a loaded browser dropped is made again, until the row is complete (text, body
    // and the default deadline): otherwise 定稿 rightly warns instead of asking (step 5).
    await waitFor(async () => {
      if ((await row.getAttribute('data-complete')) === 'true') return true
      await pickOption(page, 'agreed-org', MARKET_ORG, { scope: row, close: true }).catch(() => {})
      return (await row.getAttribute('data-complete')) === 'true'
    }, 'A\'s agreed item is complete once the body is picked', { interval: 1000 })
    const want = AGREED_LINES.join('\n')
    const rowB = byTestId(B.page, 'agreed-row').last()
    let seen = ''
    await waitFor(
      async () => (seen = await rowB.locator('textarea').first().inputValue()) === want,
      () => `B's agreed item holds the three lines (seen ${JSON.stringify(seen)})`,
    )
    await attrIs(rowB, 'data-complete', 'true', 'B\'s agreed item is complete (the picked body reached B)')
  })

  await step('5. 定稿 asks first, naming what follows; cancelling changes nothing; confirming freezes', async () => {
    const { page } = A
    const freeze = byTestId(page, 'minutes-freeze')
    await visible(freeze, 'the button minutes-freeze')
    const box = page.locator('.el-message-box:visible')
    // A click a loaded browser dropped is given again; one that opened the box is not.
    const warning = page.locator('.el-message--warning:visible')
    await waitFor(async () => {
      if (await box.count()) return true
      await freeze.first().click({ timeout: 1000 }).catch(() => {})
      if (await warning.count()) throw new Error(`定稿 warned instead of asking: ${await warning.first().innerText()}`)
      return (await box.count()) > 0
    }, 'a confirmation before freezing', { interval: 2000 })
    const said = await box.first().innerText()
    for (const words of ['只读', '签署']) {
      if (!said.includes(words)) throw new Error(`the confirmation does not say what follows (no “${words}”): ${said}`)
    }
    await shot(page, 'room-freeze-confirm-A.png')
    await box.locator('.el-message-box__btns .el-button:not(.el-button--primary)').first().click()
    await waitFor(async () => !(await box.count()), 'the confirmation closes on cancel')
    await new Promise((r) => setTimeout(r, 500))
    if ((await editor(page).getAttribute('contenteditable')) !== 'true') throw new Error('cancelling froze the minutes anyway')
    const minutes = await apiGet(A, `/api/meetings/${meetingId}/minutes`)
    if (minutes.state !== 'draft') throw new Error(`the minutes are ${minutes.state} after cancelling`)

    await clickAndConfirm(
      page,
      freeze,
      async () => (await editor(page).getAttribute('contenteditable')) === 'false',
      'A\'s editor is read-only after confirming the freeze',
    )
    await waitFor(async () => (await editor(B.page).getAttribute('contenteditable')) === 'false', 'B\'s editor is read-only after the freeze')
    const shownText = byTestId(B.page, 'agreed-text').last()
    let lines = ''
    await waitFor(
      async () => (lines = await shownText.innerText()) === AGREED_LINES.join('\n'),
      () => `the frozen agreed item shows its three lines (seen ${JSON.stringify(lines)})`,
    )
    await shot(B.page, 'room-frozen-B.png')
  })
})
