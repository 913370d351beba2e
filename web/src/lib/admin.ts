// Administration: who may administer what, the list of administration pages, and the requests
// of those pages (the directory, people, the CSV import, the calendar, the sign-in setting, the
// audit trail and its chain check).
//
// Whether a page is offered is decided here from `/api/auth/me`; the server decides again on
// every request (`domain::policy`), so a page shown by mistake still changes nothing.
import { get, post, put, api, request } from './api'
import type { Schema } from './schema'
import type { User } from './session'

export type Region = Schema<'RegionNode'>
export type OrgView = Schema<'OrgView'>
export type UserView = Schema<'UserView'>
export type OrgKind = Schema<'OrgKind'>
export type Level = Schema<'Level'>
export type AuditRow = Schema<'AuditRow'>
export type ImportAnswer = Schema<'ImportAnswer'>
export type ChainVerdict = Schema<'ChainVerdict'>
export type CalendarYear = Schema<'CalendarYear'>

export const ORG_KINDS: OrgKind[] = [
  'judicial_bureau', 'enforcement_department', 'township_government', 'judicial_office',
  'public_security', 'procuratorate', 'court', 'discipline_inspection', 'other',
]
export const LEVELS: Level[] = ['province', 'city', 'county', 'township']

/** Who administers: an operator (the whole deployment) or a body's administrator (their body). */
export type AdminRole = 'operator' | 'body'

export function isOperator(user: User | null | undefined): boolean {
  return !!user?.operator
}

export function isBodyAdmin(user: User | null | undefined): boolean {
  return !!user && !user.operator && user.org_role === 'admin' && !!user.org_id
}

/** Whether the 管理 entry is shown at all. */
export function mayAdminister(user: User | null | undefined): boolean {
  return isOperator(user) || isBodyAdmin(user)
}

/** Whether `user` may open a page meant for `need`. */
export function mayOpen(user: User | null | undefined, need: AdminRole | readonly AdminRole[]): boolean {
  const needs: readonly AdminRole[] = typeof need === 'string' ? [need] : need
  return (needs.includes('operator') && isOperator(user)) || (needs.includes('body') && isBodyAdmin(user))
}

/**
 * The administration pages, in the order the desk lists them: `key` names the strings
 * (`admin.pages.<key>.title` / `.hint`), `for` who sees the entry. Pages built elsewhere
 * (tokens, webhooks, mailboxes) are listed here too, so the desk is the one place to find them.
 */
export const ADMIN_PAGES: ReadonlyArray<{ key: string; to: string | ((user: User) => string); for: readonly AdminRole[] }> = [
  { key: 'orgs', to: '/admin/orgs', for: ['operator'] },
  { key: 'people', to: (user) => `/admin/orgs/${user.org_id}`, for: ['body'] },
  { key: 'regions', to: '/admin/regions', for: ['operator'] },
  // A body's admin reads every region's time limits there; its bureau's admin sets its own.
  { key: 'limits', to: '/admin/regions', for: ['body'] },
  { key: 'import', to: '/admin/import', for: ['operator'] },
  { key: 'calendar', to: '/admin/calendar', for: ['operator'] },
  { key: 'signIn', to: '/admin/sign-in', for: ['operator'] },
  { key: 'audit', to: '/admin/audit', for: ['operator', 'body'] },
  { key: 'tokens', to: '/admin/tokens', for: ['body'] },
  { key: 'webhooks', to: '/admin/webhooks', for: ['body'] },
  { key: 'mailbox', to: '/admin/mailbox', for: ['body'] },
]

/** The pages `user` may open, with their addresses. */
export function adminPagesFor(user: User | null | undefined): { key: string; to: string }[] {
  if (!user) return []
  return ADMIN_PAGES.filter((p) => mayOpen(user, p.for)).map((p) => ({
    key: p.key,
    to: typeof p.to === 'function' ? p.to(user) : p.to,
  }))
}

// ---- the directory ----

export async function listRegions(): Promise<Region[]> {
  return (await get<{ regions: Region[] }>('/api/regions')).regions
}

/** The region tree as one list, parents first, each with its depth (for indenting). */
export function flattenRegions(tree: Region[], depth = 0): { region: Region; depth: number }[] {
  return tree.flatMap((r) => [{ region: r, depth }, ...flattenRegions(r.children ?? [], depth + 1)])
}

export function createRegion(body: { code: string; name_zh: string; name_en?: string | null; level: Level; parent?: string | null }) {
  return post<Schema<'RegionView'>>('/api/regions', body)
}

export function updateRegion(code: string, body: { name_zh?: string; name_en?: string | null; parent?: string | null }) {
  return api<Schema<'RegionView'>>('PATCH', `/api/regions/${encodeURIComponent(code)}`, body)
}

export async function listAllOrgs(): Promise<OrgView[]> {
  return (await get<{ orgs: OrgView[] }>('/api/orgs')).orgs
}

export function getOrg(id: string): Promise<OrgView> {
  return get(`/api/orgs/${encodeURIComponent(id)}`)
}

export function createOrg(body: { code: string; name_zh: string; name_en?: string | null; kind: OrgKind; region: string; parent_id?: string | null }) {
  return post<OrgView>('/api/orgs', body)
}

export function updateOrg(id: string, body: { name_zh?: string; name_en?: string | null; kind?: OrgKind; region?: string; parent_id?: string | null }) {
  return api<OrgView>('PATCH', `/api/orgs/${encodeURIComponent(id)}`, body)
}

// ---- people ----

export async function listPeople(orgId: string): Promise<UserView[]> {
  return (await get<{ users: UserView[] }>(`/api/orgs/${encodeURIComponent(orgId)}/users`)).users
}

export function getPerson(id: string): Promise<UserView> {
  return get(`/api/users/${encodeURIComponent(id)}`)
}

export function addPerson(body: { org_id: string; username?: string | null; display_name: string; org_role: 'admin' | 'member'; password?: string | null }) {
  return post<UserView>('/api/users', body)
}

export function updatePerson(id: string, body: { display_name?: string; org_role?: 'admin' | 'member'; disabled?: boolean }) {
  return api<UserView>('PATCH', `/api/users/${encodeURIComponent(id)}`, body)
}

export function resetPassword(id: string, password: string) {
  return post<void>(`/api/users/${encodeURIComponent(id)}/password`, { password })
}

// ---- the CSV import ----

export interface ImportTexts {
  regions?: string
  orgs?: string
  users?: string
}

export function importDirectory(texts: ImportTexts, dryRun: boolean): Promise<ImportAnswer> {
  return post('/api/directory/import', { ...texts, dry_run: dryRun })
}

/** Whether a report adds or changes anything. */
export function reportChanges(report: ImportAnswer['report']): boolean {
  return [report.regions, report.orgs, report.users].some((k) => k.added.length > 0 || k.changed.length > 0)
}

// ---- the working-day calendar ----

export function calendarYear(year: number): Promise<CalendarYear> {
  return get(`/api/calendar/${year}`)
}

/** Loads a year file (the JSON of `calendar/2026.json`) as it is. */
export async function loadCalendarYear(year: number, file: Blob): Promise<Schema<'LoadedYear'>> {
  const response = await request('PUT', `/api/calendar/${year}`, file)
  return response.json()
}

// ---- signing in ----

export function setLocalLogin(enabled: boolean): Promise<{ local_login: boolean }> {
  return put('/api/settings/local-login', { enabled })
}

// ---- the audit trail ----

export function auditPage(options: { orgId?: string | null; before?: number | null; limit?: number }): Promise<Schema<'AuditPage'>> {
  const q = new URLSearchParams()
  if (options.orgId) q.set('org_id', options.orgId)
  if (options.before != null) q.set('before', String(options.before))
  q.set('limit', String(options.limit ?? 50))
  return get(`/api/audit?${q}`)
}

export function auditCsvUrl(orgId?: string | null): string {
  return orgId ? `/api/audit.csv?org_id=${encodeURIComponent(orgId)}` : '/api/audit.csv'
}

export function verifyAuditChain(): Promise<ChainVerdict> {
  return get('/api/audit/verify')
}
