// The requests of one's own account, a body's administration, inviting or removing a body and
// correcting or recalling a notice ask what the server expects; and the small readings their
// pages show (a folded fingerprint, a device, a token's state, how a notice was replaced).
import { afterEach, describe, expect, it, vi } from 'vitest'
import { changePassword, deviceLabel, listSessions, revokeSession } from './auth'
import { foldFingerprint, revokeKey } from './keys'
import { inviteBody, mayChangeInvitees, removeInvitee } from './meetings'
import { canCorrect, canRecall, correctNotice, recallNotice, supersededBy } from './notices'
import { createToken, listTokens, revokeToken, tokenState } from './tokens'
import { createWebhook, listDeliveries, listWebhooks, loadMailbox, setMailbox, setWebhookActive } from './webhooks'

interface Call {
  method: string
  url: string
  body: unknown
}

function recordRequests(answer: unknown = {}): Call[] {
  const calls: Call[] = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ method: init.method ?? 'GET', url, body: typeof init.body === 'string' ? JSON.parse(init.body) : init.body })
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'Content-Type': 'application/json' } })
  })
  return calls
}

describe('account and administration requests', () => {
  afterEach(() => vi.unstubAllGlobals())

  const cases: Array<[string, () => Promise<unknown>, Call]> = [
    ['changePassword', () => changePassword('old one', 'a new password'), { method: 'POST', url: '/api/auth/password', body: { current: 'old one', new: 'a new password' } }],
    ['listSessions', () => listSessions(), { method: 'GET', url: '/api/auth/sessions', body: undefined }],
    ['revokeSession', () => revokeSession('s/1'), { method: 'DELETE', url: '/api/auth/sessions/s%2F1', body: undefined }],
    ['revokeKey', () => revokeKey('ab12', '电脑丢失'), { method: 'POST', url: '/api/keys/ab12/revoke', body: { reason: '电脑丢失' } }],
    ['listTokens', () => listTokens('o1'), { method: 'GET', url: '/api/orgs/o1/tokens', body: undefined }],
    [
      'createToken',
      () => createToken('o1', { name: '办案系统', permissions: ['orgs:read'], expires_in_days: 90 }),
      { method: 'POST', url: '/api/orgs/o1/tokens', body: { name: '办案系统', permissions: ['orgs:read'], expires_in_days: 90 } },
    ],
    ['revokeToken', () => revokeToken('o1', 't1'), { method: 'DELETE', url: '/api/orgs/o1/tokens/t1', body: undefined }],
    ['listWebhooks', () => listWebhooks('o1'), { method: 'GET', url: '/api/orgs/o1/webhooks', body: undefined }],
    [
      'createWebhook',
      () => createWebhook('o1', 'https://example.invalid/hook', '推送'),
      { method: 'POST', url: '/api/orgs/o1/webhooks', body: { url: 'https://example.invalid/hook', description: '推送' } },
    ],
    ['setWebhookActive', () => setWebhookActive('w1', false), { method: 'PUT', url: '/api/webhooks/w1/active', body: { active: false } }],
    ['listDeliveries', () => listDeliveries('w1'), { method: 'GET', url: '/api/webhooks/w1/deliveries?limit=50', body: undefined }],
    ['loadMailbox', () => loadMailbox('o1'), { method: 'GET', url: '/api/orgs/o1/mailbox', body: undefined }],
    ['setMailbox', () => setMailbox('o1', null), { method: 'PUT', url: '/api/orgs/o1/mailbox', body: { email: null } }],
    [
      'inviteBody',
      () => inviteBody('m1', 'o2', 'observer', 4),
      { method: 'POST', url: '/api/meetings/m1/invitees', body: { org_id: 'o2', role: 'observer', revision: 4 } },
    ],
    ['removeInvitee', () => removeInvitee('m1', 'o2', 5), { method: 'DELETE', url: '/api/meetings/m1/invitees/o2?revision=5', body: undefined }],
    ['correctNotice', () => correctNotice('n1', '标题', '正文'), { method: 'POST', url: '/api/notices/n1/correct', body: { title: '标题', body: '正文' } }],
    ['recallNotice', () => recallNotice('n1', '发错了'), { method: 'POST', url: '/api/notices/n1/recall', body: { reason: '发错了' } }],
  ]

  it.each(cases)('%s asks what the server expects', async (_name, call, expected) => {
    const calls = recordRequests({ sessions: [], tokens: [], webhooks: [], deliveries: [] })
    await call()
    expect(calls).toEqual([expected])
  })
})

describe('what the pages show', () => {
  it('folds a fingerprint to its first and last groups of four, or shows it whole when asked', () => {
    const id = '3f2a91c04b7de8f1a2b3c4d57be40d19'
    expect(foldFingerprint(id)).toBe('3f2a 91c0 … 7be4 0d19')
    expect(foldFingerprint(id, true)).toBe('3f2a 91c0 4b7d e8f1 a2b3 c4d5 7be4 0d19')
    expect(foldFingerprint('ABCD1234')).toBe('abcd 1234')
  })

  it('names a device by its browser and system, or not at all', () => {
    const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'
    expect(deviceLabel(chrome)).toBe('Chrome · Linux')
    expect(deviceLabel('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0')).toBe('Edge · Windows')
    expect(deviceLabel('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1')).toBe('Safari · iOS')
    expect(deviceLabel('reqwest')).toBeNull()
    expect(deviceLabel(null)).toBeNull()
  })

  it('tells a token revoked, expired or active', () => {
    expect(tokenState({ revoked_at: 5, expires_at: 100 }, 10)).toBe('revoked')
    expect(tokenState({ revoked_at: null, expires_at: 100 }, 100)).toBe('expired')
    expect(tokenState({ revoked_at: null, expires_at: 100 }, 99)).toBe('active')
  })

  it('says how a superseded notice was replaced, by the newest version', () => {
    const versions = [
      { id: 'a', version: 1, version_kind: 'original' as const, state: 'superseded' as const, sent_at: 1 },
      { id: 'b', version: 2, version_kind: 'correction' as const, state: 'superseded' as const, sent_at: 2 },
      { id: 'c', version: 3, version_kind: 'recall' as const, state: 'sent' as const, sent_at: 3 },
    ]
    expect(supersededBy({ state: 'superseded', versions, newest_id: 'c' })).toBe('recalled')
    expect(supersededBy({ state: 'superseded', versions: versions.slice(0, 2), newest_id: 'b' })).toBe('corrected')
    expect(supersededBy({ state: 'sent', versions, newest_id: 'c' })).toBeNull()
  })

  it('offers correcting and recalling only when the server does', () => {
    const offer = (command: string, allowed: boolean) => ({ command, label_zh: '', label_en: '', allowed, rule_zh: allowed ? null : '不可', rule_en: allowed ? null : 'no', rule_code: allowed ? null : 'x.no' })
    expect(canCorrect({ commands: [offer('correct', true)] })).toBe(true)
    expect(canRecall({ commands: [offer('recall', false)] })).toBe(false)
    expect(canCorrect({ commands: [] })).toBe(false)
  })

  it('lets the convener change the invited bodies only before the start', () => {
    expect(mayChangeInvitees({ my_role: 'convener', state: 'scheduled' })).toBe(true)
    expect(mayChangeInvitees({ my_role: 'convener', state: 'draft' })).toBe(true)
    expect(mayChangeInvitees({ my_role: 'convener', state: 'in_progress' })).toBe(false)
    expect(mayChangeInvitees({ my_role: 'invitee', state: 'scheduled' })).toBe(false)
  })
})
