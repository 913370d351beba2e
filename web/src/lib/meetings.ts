// Meetings (协调会议) as the server shows them (server/src/http/meetings.rs, minutes.rs), the
// small rules the pages need to decide what to offer (the server decides again), and every
// request under `/api/meetings`: a meeting, its agenda, its invitations, and its minutes as a
// record (state, freezing, signing, reopening, archiving, the bundle). The live minutes
// document is `minutes.ts`'s; this module must not import Yjs (the archive page uses it).
import { del, get, post } from './api'
import { allowedCommands, type CommandOffer } from './commands'
import { listOrgs } from './orgs'
import { signedDocumentApi, type SignedDocApi, type SignedDocView, type SignedState } from './signing'

export const KINDS = ['annual', 'consultation', 'case_consultation', 'joint'] as const
export type MeetingKind = (typeof KINDS)[number]
/** The commands a person gives to a meeting (closing is the system's), in the server's order. */
export const COMMANDS = ['issue_notice', 'start', 'end', 'postpone', 'cancel'] as const
export type MeetingCommand = (typeof COMMANDS)[number]

export interface Invitation {
  org_id: string
  org_name: string
  role: 'member' | 'observer' | 'convener'
  state: 'pending' | 'confirmed' | 'delegated' | 'declined'
  attendee: string | null
  delegate: string | null
  reason: string | null
  attendance: 'attended' | 'absent' | null
  answered_at: number | null
  /** The answers (`confirm`, `delegate`, `decline`) for the caller's body, allowed or refused. */
  commands: CommandOffer[]
}

export interface AgendaItem {
  id: string
  seq: number
  title: string
  note: string | null
  proposed_by_org_id: string
  state: 'proposed' | 'accepted' | 'rejected'
  decision_note: string | null
  outcome: 'information' | 'decision' | 'task' | null
  outcome_note: string | null
}

export interface Meeting {
  id: string
  kind: MeetingKind
  title: string
  convener_org_id: string
  convener_name: string
  starts_at: number
  ends_at: number
  place: string | null
  online_link: string | null
  reply_due_at: number | null
  state: 'draft' | 'scheduled' | 'in_progress' | 'ended' | 'closed' | 'cancelled'
  revision: number
  minutes_doc_id: string
  reason: string | null
  invitations: Invitation[]
  my_role: 'convener' | 'invitee' | 'supervisor' | 'system'
  /** The names of the commands allowed now (the older form of `command_offers`). */
  commands: string[]
  /** Every command for the caller's body, allowed now or refused with the rule (server order). */
  command_offers: CommandOffer[]
  calendar_url: string
  agenda?: AgendaItem[]
  /** The dispute a case consultation (案件会商) was convened from. */
  dispute_id?: string | null
}

/** A meeting's minutes: a signed document of kind `concord.minutes/1`, and its meeting. */
export type MinutesView = SignedDocView & { meeting_id: string }
export type MinutesState = SignedState

export interface Org {
  id: string
  code: string
  name_zh: string
  /** Null when the body has no English name (readers of English then see the Chinese one). */
  name_en: string | null
  kind: string
}

let orgCache: Promise<Org[]> | null = null

/** The directory of bodies (cached for the page's life; a failure is retried next time). */
export function loadOrgs(): Promise<Org[]> {
  if (!orgCache) {
    orgCache = listOrgs().catch((e) => {
      orgCache = null
      throw e
    })
  }
  return orgCache
}

/** A body's name in the reader's language (English falls back to Chinese). */
export function orgLabel(org: Pick<Org, 'name_zh' | 'name_en'> | undefined | null, locale: string): string {
  if (!org) return ''
  return locale === 'en' ? org.name_en || org.name_zh : org.name_zh
}

/** The kinds a body of `orgKind` may convene: the annual meeting is the judicial bureau's. */
export function kindsFor(orgKind: string | undefined | null): MeetingKind[] {
  return KINDS.filter((k) => k !== 'annual' || orgKind === 'judicial_bureau')
}

/** The meeting commands the server allows the caller now that a person can give, in button order. */
export function meetingCommands(m: Pick<Meeting, 'command_offers'>): MeetingCommand[] {
  const known = new Set<string>(COMMANDS)
  return allowedCommands(m.command_offers).filter((c): c is MeetingCommand => known.has(c))
}

/** Whether the server lets the caller's body answer this invitation now (its own, while scheduled). */
export function mayAnswer(invitation: Pick<Invitation, 'commands'> | null | undefined): boolean {
  return allowedCommands(invitation?.commands).length > 0
}

/** Whether someone may convene at all (the server: anyone acting for a body). */
export function mayConvene(user: { org_id: string | null } | null | undefined): boolean {
  return !!user?.org_id
}

/** The bodies taking part (the convener and every invited body), for choosing a responsible body. */
export function participants(m: Pick<Meeting, 'convener_org_id' | 'convener_name' | 'invitations'>): Array<{ org_id: string; org_name: string }> {
  const list = [{ org_id: m.convener_org_id, org_name: m.convener_name }]
  for (const i of m.invitations) if (!list.some((p) => p.org_id === i.org_id)) list.push({ org_id: i.org_id, org_name: i.org_name })
  return list
}

export interface CreateForm {
  kind: MeetingKind | ''
  title: string
  starts_at: number | null
  ends_at: number | null
  reply_due_at: number | null
  place: string
  online_link: string
  invited: string[]
  observers: string[]
}

/** The i18n keys (under `meetings.create.invalid`) of what is wrong with the form. */
export function validateCreate(f: CreateForm, now: number = Date.now()): string[] {
  const problems: string[] = []
  if (!f.kind) problems.push('kind')
  if (!f.title.trim()) problems.push('title')
  if (f.starts_at == null) problems.push('starts')
  else if (f.starts_at <= now) problems.push('startsPast')
  if (f.ends_at == null) problems.push('ends')
  else if (f.starts_at != null && f.ends_at <= f.starts_at) problems.push('endsBeforeStart')
  if (f.reply_due_at != null && ((f.starts_at != null && f.reply_due_at >= f.starts_at) || f.reply_due_at <= now)) problems.push('replyDue')
  if (!f.place.trim() && !f.online_link.trim()) problems.push('venue')
  if (f.online_link.trim() && !/^https?:\/\/\S+$/i.test(f.online_link.trim())) problems.push('link')
  if (f.invited.length === 0) problems.push('invited')
  return problems
}

/** The body of `POST /api/meetings`. */
export function createBody(f: CreateForm) {
  return {
    kind: f.kind,
    title: f.title.trim(),
    starts_at: f.starts_at,
    ends_at: f.ends_at,
    place: f.place.trim() || null,
    online_link: f.online_link.trim() || null,
    reply_due_at: f.reply_due_at,
    invited: f.invited.map((org_id) => ({ org_id, role: f.observers.includes(org_id) ? 'observer' : 'member' })),
  }
}

/** Element Plus pickers with `value-format="x"` give a number or a numeric string. */
export function toMs(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null
  const n = typeof v === 'number' ? v : Number(v)
  return Number.isFinite(n) ? n : null
}

/** The meeting's agenda rules (domain/meeting.rs) for what to offer. */
export function agendaActions(m: Pick<Meeting, 'state' | 'my_role' | 'invitations'>, myOrg: string | null) {
  const convener = m.my_role === 'convener'
  const member = m.my_role === 'invitee' && m.invitations.some((i) => i.org_id === myOrg && i.role === 'member')
  const beforeStart = m.state === 'draft' || m.state === 'scheduled'
  return {
    propose: (convener || member) && beforeStart,
    decide: convener && (beforeStart || m.state === 'in_progress'),
    outcome: convener && (m.state === 'in_progress' || m.state === 'ended'),
  }
}

/** The key of a verify check name (`canonical form` → `canonical_form`). */
export function checkKey(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_')
}

export const CHECK_NAMES = [
  'read', 'layout', 'canonical form', 'log key', 'checkpoint', 'manifest', 'content', 'crdt state', 'renditions',
  'keys', 'signatures', 'signing order', 'completion', 'archive', 'log order',
] as const

export interface VerifyReport {
  verified: boolean
  trusted_log: boolean
  checks: Array<{ name: string; ok: boolean; detail: string }>
}

/** One bureau's annual coordination meeting (`GET /api/meetings/annual-status`). */
export interface AnnualLine {
  org_id: string
  code: string
  name: string
  region: string
  status: 'held' | 'scheduled' | 'none'
  flagged: boolean
}

export interface AnnualReport {
  year: number
  due: string
  due_date: string
  bureaus: AnnualLine[]
}

// ---- requests ----

const meetingPath = (id: string) => `/api/meetings/${encodeURIComponent(id)}`

/** The meetings of the caller's body (and, for a judicial bureau, of its region); no agendas. */
export async function listMeetings(): Promise<Meeting[]> {
  const answer = await get<{ meetings: Meeting[] }>('/api/meetings')
  return answer.meetings
}

/** One meeting with its invitations and agenda. */
export function loadMeeting(id: string): Promise<Meeting> {
  return get<Meeting>(meetingPath(id))
}

/** Convenes a meeting (a draft) from the body `createBody` built. */
export function createMeeting(body: ReturnType<typeof createBody>): Promise<Meeting> {
  return post<Meeting>('/api/meetings', body)
}

/** A convener's command at the revision read; `extra` carries what it needs (new times, a reason). */
export function actOnMeeting(id: string, command: MeetingCommand, revision: number, extra: Record<string, unknown> = {}): Promise<Meeting> {
  return post<Meeting>(`${meetingPath(id)}/actions`, { command, revision, ...extra })
}

/** Each bureau's annual meeting this year. */
export function annualStatus(): Promise<AnnualReport> {
  return get<AnnualReport>('/api/meetings/annual-status')
}

/** Proposes (or, for the convener, adds) an agenda item. */
export function proposeAgendaItem(meetingId: string, item: { title: string; note: string | null }): Promise<unknown> {
  return post(`${meetingPath(meetingId)}/agenda`, item)
}

/** The convener accepts or rejects a proposed agenda item. */
export function decideAgendaItem(meetingId: string, itemId: string, accept: boolean): Promise<unknown> {
  return post(`${meetingPath(meetingId)}/agenda/${encodeURIComponent(itemId)}/decision`, { accept })
}

/** The convener records what came of an accepted agenda item. */
export function setAgendaOutcome(meetingId: string, itemId: string, outcome: string): Promise<unknown> {
  return post(`${meetingPath(meetingId)}/agenda/${encodeURIComponent(itemId)}/outcome`, { outcome })
}

/** An invited body's answer (参会回执): confirm with an attendee, delegate, or decline with a reason. */
export function answerInvitation(meetingId: string, orgId: string, answer: Record<string, string>): Promise<unknown> {
  return post(`${meetingPath(meetingId)}/invitations/${encodeURIComponent(orgId)}`, answer)
}

/**
 * Whether the caller may invite or remove bodies now: the convening body, before the meeting
 * starts (the server's rule `may_change_invitees`; it decides again).
 */
export function mayChangeInvitees(m: Pick<Meeting, 'my_role' | 'state'>): boolean {
  return m.my_role === 'convener' && (m.state === 'draft' || m.state === 'scheduled')
}

/** The convener invites one more body; once the notice is out, that body gets it too. */
export function inviteBody(meetingId: string, orgId: string, role: 'member' | 'observer', revision: number): Promise<Meeting> {
  return post<Meeting>(`${meetingPath(meetingId)}/invitees`, { org_id: orgId, role, revision })
}

/** The convener withdraws a body's invitation; the body loses access and, once the notice is out, is told. */
export function removeInvitee(meetingId: string, orgId: string, revision: number): Promise<Meeting> {
  return del<Meeting>(`${meetingPath(meetingId)}/invitees/${encodeURIComponent(orgId)}?revision=${revision}`)
}

/** The convener records whether an invited body attended (签到). */
export function checkIn(meetingId: string, orgId: string, attendance: 'attended' | 'absent'): Promise<unknown> {
  return post(`${meetingPath(meetingId)}/check-in`, { org_id: orgId, attendance })
}

// ---- requests about the minutes as a record ----

const minutesPath = (meetingId: string) => `/api/meetings/${encodeURIComponent(meetingId)}/minutes`

/** The requests about a meeting's minutes (freeze, sign, archive, the bundle): the signed
 * document's requests (`signing.ts`) at the minutes' address. */
export function minutesDocument(meetingId: string): SignedDocApi {
  return signedDocumentApi(minutesPath(meetingId))
}

/** The minutes' state: version, signing steps, signatures, earlier versions, commands. */
export function loadMinutes(meetingId: string): Promise<MinutesView> {
  return get<MinutesView>(minutesPath(meetingId))
}

/** Where an archived version's bundle downloads from (a link's href: the cookie signs in). */
export function bundleUrl(meetingId: string, version: number): string {
  return minutesDocument(meetingId).bundleUrl(version)
}
