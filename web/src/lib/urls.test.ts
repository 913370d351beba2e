// Every REST URL of the client lives in `lib/<resource>.ts`: no page or component names one,
// and each request function asks exactly what the pages asked before they called it.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { logIn, logOut, signInOptions, whoAmI } from './auth'
import { listDisputesOfBody } from './disputes'
import { loadInbox } from './inbox'
import { enrollKey, listKeys } from './keys'
import {
  actOnMeeting, answerInvitation, annualStatus, bundleUrl, checkIn, createMeeting, decideAgendaItem,
  listMeetings, loadMeeting, loadMinutes, minutesDocument, proposeAgendaItem, setAgendaOutcome,
} from './meetings'
import { acknowledgeNotice, closeReceipt, listNotices, listNoticesOfBody, loadNotice, replyToNotice, sendNotice } from './notices'
import { listOrgs } from './orgs'
import {
  actOnReferral, addItem, checkItem, createReferral, editCase, itemFileUrl, listReferrals, loadReferral, removeItem, uploadItemFile,
} from './referrals'
import { loadReferralStats, referralStatsCsvUrl, suggestReferral } from './referralSupervision'
import {
  actOnSupervisionDoc, attachEvidence, createSupervisionDoc, listSupervisionDocs, listSupervisionDocsOfBody, loadSupervisionDoc, removeEvidence,
  textDocument,
} from './supervisionDocs'
import {
  actOnTask, commentOnTask, createTask, decideExtension, listTasks, listTasksOfBody, loadTask, requestExtension, uploadAttachment,
} from './tasks'
import { verifyBundle } from './verify'

// `src/`, from this file's own path (a string: jsdom's URL is not Node's).
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..')

function vueFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return vueFiles(path)
    return entry.name.endsWith('.vue') ? [path] : []
  })
}

describe('REST URLs', () => {
  it('appear in no .vue file, not even in a comment', () => {
    const files = vueFiles(SRC)
    expect(files.length).toBeGreaterThan(10)
    const offenders = files.filter((f) => readFileSync(f, 'utf8').includes('/api/')).map((f) => relative(SRC, f))
    // A page or component calls a function of lib/<resource>.ts instead (ARCHITECTURE.md).
    expect(offenders, `these .vue files name a /api/ URL: ${offenders.join(', ')}`).toEqual([])
  })
})

interface Call {
  method: string
  url: string
  body: unknown
}

/** Stubs `fetch`, answering `{}` (JSON) to everything, and records what was asked. */
function recordRequests(): Call[] {
  const calls: Call[] = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    let body: unknown = init.body
    if (typeof body === 'string') body = JSON.parse(body)
    else if (body instanceof Blob) body = { blob: body.type || (body as File).name || 'blob', size: body.size }
    calls.push({ method: init.method ?? 'GET', url, body })
    return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  return calls
}

describe('request functions', () => {
  afterEach(() => vi.unstubAllGlobals())

  const file = new File(['evidence'], '现场照片 1.jpg', { type: 'image/jpeg' })
  const cases: Array<[string, () => Promise<unknown>, Call]> = [
    ['whoAmI', () => whoAmI(), { method: 'GET', url: '/api/auth/me', body: undefined }],
    ['signInOptions', () => signInOptions(), { method: 'GET', url: '/api/auth/providers', body: undefined }],
    ['logIn', () => logIn('bureau', 'pw'), { method: 'POST', url: '/api/auth/login', body: { username: 'bureau', password: 'pw' } }],
    ['logOut', () => logOut(), { method: 'POST', url: '/api/auth/logout', body: {} }],
    ['listOrgs', () => listOrgs(), { method: 'GET', url: '/api/orgs', body: undefined }],
    ['loadInbox', () => loadInbox(8), { method: 'GET', url: '/api/inbox?limit=8', body: undefined }],
    ['loadInbox (older)', () => loadInbox(50, 1234), { method: 'GET', url: '/api/inbox?limit=50&before=1234', body: undefined }],
    ['enrollKey', () => enrollKey('PEM'), { method: 'POST', url: '/api/keys', body: { public_key_pem: 'PEM' } }],
    ['listKeys', () => listKeys(), { method: 'GET', url: '/api/keys', body: undefined }],
    ['listMeetings', () => listMeetings(), { method: 'GET', url: '/api/meetings', body: undefined }],
    ['loadMeeting', () => loadMeeting('m/1'), { method: 'GET', url: '/api/meetings/m%2F1', body: undefined }],
    ['createMeeting', () => createMeeting({ kind: 'joint' } as never), { method: 'POST', url: '/api/meetings', body: { kind: 'joint' } }],
    [
      'actOnMeeting',
      () => actOnMeeting('m1', 'cancel', 3, { reason: '改期' }),
      { method: 'POST', url: '/api/meetings/m1/actions', body: { command: 'cancel', revision: 3, reason: '改期' } },
    ],
    ['annualStatus', () => annualStatus(), { method: 'GET', url: '/api/meetings/annual-status', body: undefined }],
    [
      'proposeAgendaItem',
      () => proposeAgendaItem('m1', { title: '议题', note: null }),
      { method: 'POST', url: '/api/meetings/m1/agenda', body: { title: '议题', note: null } },
    ],
    ['decideAgendaItem', () => decideAgendaItem('m1', 'a1', true), { method: 'POST', url: '/api/meetings/m1/agenda/a1/decision', body: { accept: true } }],
    ['setAgendaOutcome', () => setAgendaOutcome('m1', 'a1', 'task'), { method: 'POST', url: '/api/meetings/m1/agenda/a1/outcome', body: { outcome: 'task' } }],
    [
      'answerInvitation',
      () => answerInvitation('m1', 'o1', { answer: 'confirm', attendee: '李华' }),
      { method: 'POST', url: '/api/meetings/m1/invitations/o1', body: { answer: 'confirm', attendee: '李华' } },
    ],
    ['checkIn', () => checkIn('m1', 'o1', 'attended'), { method: 'POST', url: '/api/meetings/m1/check-in', body: { org_id: 'o1', attendance: 'attended' } }],
    ['loadMinutes', () => loadMinutes('m1'), { method: 'GET', url: '/api/meetings/m1/minutes', body: undefined }],
    ['freezeMinutes', () => minutesDocument('m1').freeze(), { method: 'POST', url: '/api/meetings/m1/minutes/freeze', body: {} }],
    ['openSigning', () => minutesDocument('m1').openSigning(2), { method: 'POST', url: '/api/meetings/m1/minutes/open-signing', body: { version: 2 } }],
    ['archiveMinutes', () => minutesDocument('m1').archive(2), { method: 'POST', url: '/api/meetings/m1/minutes/archive', body: { version: 2 } }],
    ['reopenMinutes', () => minutesDocument('m1').reopen(2, '有误'), { method: 'POST', url: '/api/meetings/m1/minutes/reopen', body: { version: 2, reason: '有误' } }],
    ['minutesStatement', () => minutesDocument('m1').statement(2, 'k1'), { method: 'POST', url: '/api/meetings/m1/minutes/statement', body: { version: 2, key_id: 'k1' } }],
    [
      'submitMinutesSignature',
      () => minutesDocument('m1').submitSignature({ version: 2, statement: 's', signature: 'sig' }),
      { method: 'POST', url: '/api/meetings/m1/minutes/signatures', body: { version: 2, statement: 's', signature: 'sig' } },
    ],
    ['downloadBundle', () => minutesDocument('m1').downloadBundle(2), { method: 'GET', url: '/api/meetings/m1/minutes/versions/2/bundle.zip', body: undefined }],
    ['renditionHtml', () => minutesDocument('m1').renditionHtml(2, 'minutes.html'), { method: 'GET', url: '/api/meetings/m1/minutes/versions/2/minutes.html', body: undefined }],
    ['listNotices', () => listNotices('received', 100), { method: 'GET', url: '/api/notices?box=received&limit=100', body: undefined }],
    [
      'listNoticesOfBody',
      () => listNoticesOfBody({ org: 'o1', from: '2026-01-01', to: '2026-12-31' }, true),
      { method: 'GET', url: '/api/notices?box=received&org=o1&from=2026-01-01&to=2026-12-31&late=true&limit=200', body: undefined },
    ],
    ['loadNotice', () => loadNotice('n1'), { method: 'GET', url: '/api/notices/n1', body: undefined }],
    ['sendNotice', () => sendNotice({ title: '通报' }), { method: 'POST', url: '/api/notices', body: { title: '通报' } }],
    ['acknowledgeNotice', () => acknowledgeNotice('n1'), { method: 'POST', url: '/api/notices/n1/acknowledge', body: {} }],
    ['replyToNotice', () => replyToNotice('n1', '已阅'), { method: 'POST', url: '/api/notices/n1/reply', body: { body: '已阅' } }],
    ['closeReceipt', () => closeReceipt('n1', 'o1'), { method: 'POST', url: '/api/notices/n1/receipts/o1/close', body: {} }],
    ['listTasks', () => listTasks('overdue'), { method: 'GET', url: '/api/tasks?list=overdue&limit=200', body: undefined }],
    [
      'listTasksOfBody',
      () => listTasksOfBody({ org: 'o1', from: '2026-01-01', to: '2026-12-31' }, true),
      { method: 'GET', url: '/api/tasks?list=assigned&org=o1&from=2026-01-01&to=2026-12-31&overdue=true&limit=200', body: undefined },
    ],
    ['loadTask', () => loadTask('t1'), { method: 'GET', url: '/api/tasks/t1', body: undefined }],
    ['createTask', () => createTask({ title: '整改' }), { method: 'POST', url: '/api/tasks', body: { title: '整改' } }],
    ['actOnTask', () => actOnTask('t1', 'submit', { revision: 4, feedback: '已完成' }), { method: 'POST', url: '/api/tasks/t1/actions/submit', body: { revision: 4, feedback: '已完成' } }],
    [
      'uploadAttachment',
      () => uploadAttachment('t1', file),
      { method: 'POST', url: `/api/tasks/t1/attachments?name=${encodeURIComponent('现场照片 1.jpg')}`, body: { blob: 'image/jpeg', size: 8 } },
    ],
    [
      'requestExtension',
      () => requestExtension('t1', { new_due_at: 99, reason: '需要补充材料' }),
      { method: 'POST', url: '/api/tasks/t1/extensions', body: { new_due_at: 99, reason: '需要补充材料' } },
    ],
    ['decideExtension', () => decideExtension('t1', 'e1', { grant: false }), { method: 'POST', url: '/api/tasks/t1/extensions/e1/decision', body: { grant: false } }],
    ['commentOnTask', () => commentOnTask('t1', '请尽快'), { method: 'POST', url: '/api/tasks/t1/comments', body: { body: '请尽快' } }],
    ['verifyBundle', () => verifyBundle(new ArrayBuffer(4)), { method: 'POST', url: '/api/verify', body: { blob: 'application/zip', size: 4 } }],
    ['listReferrals', () => listReferrals(), { method: 'GET', url: '/api/referrals', body: undefined }],
    ['listReferrals (incoming)', () => listReferrals('incoming'), { method: 'GET', url: '/api/referrals?role=incoming', body: undefined }],
    ['createReferral', () => createReferral({ kind: 'criminal' } as never), { method: 'POST', url: '/api/referrals', body: { kind: 'criminal' } }],
    ['loadReferral', () => loadReferral('r/1'), { method: 'GET', url: '/api/referrals/r%2F1', body: undefined }],
    [
      'editCase',
      () => editCase('r1', { revision: 2, case_name: '案', case_number: null, facts: '事实', legal_basis: '依据' }),
      { method: 'PUT', url: '/api/referrals/r1', body: { revision: 2, case_name: '案', case_number: null, facts: '事实', legal_basis: '依据' } },
    ],
    ['addItem', () => addItem('r1', 3, ' 询问笔录 '), { method: 'POST', url: '/api/referrals/r1/items', body: { revision: 3, name: '询问笔录' } }],
    ['removeItem', () => removeItem('r1', 'i1', 4), { method: 'POST', url: '/api/referrals/r1/items/i1/remove', body: { revision: 4 } }],
    [
      'uploadItemFile',
      () => uploadItemFile('r1', 'i1', file),
      { method: 'PUT', url: `/api/referrals/r1/items/i1/file?name=${encodeURIComponent('现场照片 1.jpg')}`, body: { blob: 'image/jpeg', size: 8 } },
    ],
    ['checkItem (received)', () => checkItem('r1', 'i1', 'received'), { method: 'POST', url: '/api/referrals/r1/items/i1/check', body: { found: 'received', note: null } }],
    [
      'checkItem (missing)',
      () => checkItem('r1', 'i1', 'missing', ' 缺第3页 '),
      { method: 'POST', url: '/api/referrals/r1/items/i1/check', body: { found: 'missing', note: '缺第3页' } },
    ],
    [
      'actOnReferral',
      () => actOnReferral('r1', { command: 'receive', revision: 5, person: '王强' }),
      { method: 'POST', url: '/api/referrals/r1/actions', body: { command: 'receive', revision: 5, person: '王强' } },
    ],
    [
      'listDisputesOfBody',
      () => listDisputesOfBody({ org: 'o1', from: '2026-01-01', to: '2026-12-31' }, 'against'),
      { method: 'GET', url: '/api/disputes?org=o1&from=2026-01-01&to=2026-12-31&figure=against', body: undefined },
    ],
    ['listSupervisionDocs', () => listSupervisionDocs('received'), { method: 'GET', url: '/api/supervision-docs?role=received', body: undefined }],
    [
      'listSupervisionDocsOfBody',
      () => listSupervisionDocsOfBody({ org: 'o1', from: '2026-01-01', to: '2026-12-31' }, false),
      { method: 'GET', url: '/api/supervision-docs?org=o1&from=2026-01-01&to=2026-12-31', body: undefined },
    ],
    [
      'createSupervisionDoc',
      () => createSupervisionDoc({ kind: 'notice', body_org_id: 'o1', title: '关于' }),
      { method: 'POST', url: '/api/supervision-docs', body: { kind: 'notice', body_org_id: 'o1', title: '关于' } },
    ],
    ['loadSupervisionDoc', () => loadSupervisionDoc('s/1'), { method: 'GET', url: '/api/supervision-docs/s%2F1', body: undefined }],
    [
      'actOnSupervisionDoc',
      () => actOnSupervisionDoc('s1', { command: 'send_back', revision: 4, reason: '未附清单' }),
      { method: 'POST', url: '/api/supervision-docs/s1/actions', body: { command: 'send_back', revision: 4, reason: '未附清单' } },
    ],
    [
      'attachEvidence',
      () => attachEvidence('s1', file),
      { method: 'POST', url: `/api/supervision-docs/s1/evidence?name=${encodeURIComponent('现场照片 1.jpg')}`, body: { blob: 'image/jpeg', size: 8 } },
    ],
    ['removeEvidence', () => removeEvidence('s1', 'e1'), { method: 'DELETE', url: '/api/supervision-docs/s1/evidence/e1', body: undefined }],
    ['freezeSupervisionText', () => textDocument('s1').freeze(), { method: 'POST', url: '/api/supervision-docs/s1/text/actions', body: { act: 'freeze' } }],
    [
      'loadReferralStats',
      () => loadReferralStats('2026-01-01', '2026-12-31', '330102'),
      { method: 'GET', url: '/api/referrals/stats?from=2026-01-01&to=2026-12-31&region=330102', body: undefined },
    ],
    [
      'suggestReferral',
      () => suggestReferral({ org_id: 'o1', case_name: '案', reason: '理由' }),
      { method: 'POST', url: '/api/referrals/suggestions', body: { org_id: 'o1', case_name: '案', reason: '理由' } },
    ],
  ]

  it.each(cases)('%s asks what the page asked', async (_name, call, expected) => {
    const calls = recordRequests()
    await call()
    expect(calls).toEqual([expected])
  })

  it('links an archived bundle where the server serves it', () => {
    expect(bundleUrl('m 1', 3)).toBe('/api/meetings/m%201/minutes/versions/3/bundle.zip')
  })

  it('links the referral statistics\' CSV where the server serves it', () => {
    expect(referralStatsCsvUrl('2026-01-01', '2026-12-31')).toBe('/api/referrals/stats.csv?from=2026-01-01&to=2026-12-31')
  })

  it('links a referral item\'s file where the server serves it', () => {
    expect(itemFileUrl('r 1', 'i/2')).toBe('/api/referrals/r%201/items/i%2F2/file')
  })
})
