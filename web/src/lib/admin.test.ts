import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  ADMIN_PAGES, adminPagesFor, auditCsvUrl, auditPage, flattenRegions, importDirectory, loadCalendarYear, mayAdminister,
  mayOpen, setLocalLogin, updatePerson, verifyAuditChain, type Region,
} from './admin'
import type { User } from './session'

const person = (over: Partial<User>): User => ({
  id: 'u1', username: 'x', display_name: '某人', org_id: 'org-1', org_role: 'member', operator: false, ...over,
})

describe('who administers', () => {
  const operator = person({ operator: true, org_id: null, org_role: null })
  const admin = person({ org_role: 'admin' })
  const member = person({})

  it('shows 管理 to operators and body administrators only', () => {
    expect(mayAdminister(operator)).toBe(true)
    expect(mayAdminister(admin)).toBe(true)
    expect(mayAdminister(member)).toBe(false)
    expect(mayAdminister(null)).toBe(false)
  })

  it('opens operator pages to operators, body pages to body administrators', () => {
    expect(mayOpen(operator, 'operator')).toBe(true)
    expect(mayOpen(admin, 'operator')).toBe(false)
    expect(mayOpen(admin, ['operator', 'body'])).toBe(true)
    expect(mayOpen(member, ['operator', 'body'])).toBe(false)
  })

  it('lists each its own pages, the body administrator their own body and the pages built elsewhere', () => {
    const keys = (u: User) => adminPagesFor(u).map((p) => p.key)
    expect(keys(operator)).toEqual(['orgs', 'regions', 'import', 'calendar', 'signIn', 'audit'])
    expect(keys(admin)).toEqual(['people', 'limits', 'audit', 'tokens', 'webhooks', 'mailbox'])
    expect(adminPagesFor(admin).find((p) => p.key === 'people')?.to).toBe('/admin/orgs/org-1')
    expect(adminPagesFor(member)).toEqual([])
    expect(ADMIN_PAGES.map((p) => p.key)).toContain('tokens')
  })
})

describe('the region tree', () => {
  it('flattens parents first with their depth', () => {
    const r = (code: string, children: Region[] = []): Region =>
      ({ code, name_zh: code, level: 'city', parent: null, children }) as Region
    const flat = flattenRegions([r('33', [r('3301', [r('330102')]), r('3302')])])
    expect(flat.map((x) => [x.region.code, x.depth])).toEqual([['33', 0], ['3301', 1], ['330102', 2], ['3302', 1]])
  })
})

describe('the requests of the administration pages', () => {
  afterEach(() => vi.unstubAllGlobals())

  function record() {
    const calls: { method: string; url: string; body: unknown }[] = []
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body instanceof Blob ? 'blob' : init.body
      calls.push({ method: init.method ?? 'GET', url, body })
      return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    return calls
  }

  it('ask the URL, method and body the server expects', async () => {
    const calls = record()
    await importDirectory({ users: 'org_code,username,display_name\n' }, true)
    await verifyAuditChain()
    await setLocalLogin(false)
    await auditPage({ orgId: 'o 1', before: 40 })
    await loadCalendarYear(2027, new Blob(['{}'], { type: 'application/json' }))
    await updatePerson('u1', { disabled: true })
    expect(calls).toEqual([
      { method: 'POST', url: '/api/directory/import', body: { users: 'org_code,username,display_name\n', dry_run: true } },
      { method: 'GET', url: '/api/audit/verify', body: undefined },
      { method: 'PUT', url: '/api/settings/local-login', body: { enabled: false } },
      { method: 'GET', url: '/api/audit?org_id=o+1&before=40&limit=50', body: undefined },
      { method: 'PUT', url: '/api/calendar/2027', body: 'blob' },
      { method: 'PATCH', url: '/api/users/u1', body: { disabled: true } },
    ])
    expect(auditCsvUrl()).toBe('/api/audit.csv')
    expect(auditCsvUrl('o1')).toBe('/api/audit.csv?org_id=o1')
  })
})
