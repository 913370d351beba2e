// End to end, in real headless Chromium: 争议统计 on the disputes page.
//
// 湖滨街道办事处 (`township`) raises a dispute against 上城区市场监督管理局 (through the API: the
// form is dispute.e2e's). 上城区司法局 (张明, `bureau`) opens 争议, presses 统计 and finds its
// region's table for this year: 本级 counts the dispute, and so does 合计; the 导出 CSV link
// downloads the same table, UTF-8 with a BOM and a Chinese header row. The market department,
// not a bureau, has no 统计 button.
//
// Leaves in $E2E_ARTIFACTS the screenshot dispute-stats.png.
import { apiGet, apiPost, byTestId, env, newBody, orgsByName, run, shot, signIn, step, track, uniqueTag, visible, waitFor } from './lib.mjs'

const tag = uniqueTag()

await run('dispute-stats.e2e', async (browser) => {
  const T = await newBody(browser, 'township')
  const M = await newBody(browser, 'market')
  const B = await newBody(browser, 'bureau')
  track(T, M, B)

  await step('everyone signs in', async () => {
    await Promise.all([signIn(T, 'township', '刘芳'), signIn(M, 'market', '李华'), signIn(B, 'bureau', '张明')])
  })

  const before = await step('the bureau reads its table through the API first', () => apiGet(B, '/api/disputes/stats'))
  const ownBefore = before.rows.find((r) => r.scope === 'own').raised

  await step('the township raises a dispute', async () => {
    const orgs = await orgsByName(T)
    await apiPost(T, '/api/disputes', {
      kind: 'negative',
      title: `统计用争议${tag}`,
      description: '占道经营执法职责争议',
      parties: [orgs['上城区市场监督管理局'].id],
      position: '不属本街道管辖。',
    })
  })

  await step('the market department has no 统计 button', async () => {
    await M.page.goto(`${env.url}/disputes`)
    await visible(byTestId(M.page, 'dispute-row').first(), 'the market department lists the dispute')
    if (await byTestId(M.page, 'dispute-stats-open').count()) throw new Error('a department was offered 统计')
  })

  await step('the bureau opens 统计 and finds the dispute counted', async () => {
    const { page } = B
    await page.goto(`${env.url}/disputes`)
    await byTestId(page, 'dispute-stats-open').click()
    const panel = byTestId(page, 'dispute-stats')
    await visible(panel, 'the statistics panel')
    await waitFor(async () => (await panel.innerText()).includes('上城区争议统计'), 'the panel names 上城区')
    const cell = (scope) => panel.locator(`[data-testid="stats-row"][data-scope="${scope}"] td`)
    await waitFor(async () => (await cell('own').nth(1).innerText()) === String(ownBefore + 1), '本级 counts the new dispute')
    const totalName = await cell('total').first().innerText()
    if (totalName !== '合计') throw new Error(`the total row is named ${totalName}`)
    await shot(page, 'dispute-stats.png')
  })

  await step('导出 CSV downloads the table for Excel', async () => {
    const link = byTestId(B.page, 'stats-csv')
    const href = await link.getAttribute('href')
    if ((await link.innerText()).trim() !== '导出 CSV') throw new Error('the link is not 导出 CSV')
    const res = await B.context.request.get(env.url + href)
    if (!res.ok()) throw new Error(`${href} answered ${res.status()}`)
    const bytes = await res.body()
    if (!(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) throw new Error('no BOM')
    const text = bytes.subarray(3).toString('utf8')
    if (!text.startsWith('区划代码,区划名称,范围,提出数')) throw new Error(`header: ${text.slice(0, 80)}`)
    if (!text.includes('上城区,合计,')) throw new Error(`no total row: ${text}`)
  })
})
