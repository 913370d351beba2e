// Jurisdiction disputes (执法争议 / 管辖争议) as the server shows them
// (server/src/work/disputes.rs), the small helpers the pages need to show them (which
// commands to show as buttons, the stage clock in working days, the timeline), and every
// request under `/api/disputes`.
//
// Which command is allowed now is always the server's to say (`commands` and `own` offers);
// this module only chooses which refused ones are worth showing (disabled, with their rule)
// and never decides by itself that a command may be given.
import * as Y from 'yjs'
import { signedActionsApi, type SignedDocApi } from './signing'
import { get, post, put } from './api'
import { calendarYear } from './admin'
import type { Schema } from './schema'
import type { BodyPeriod, DisputeFigure } from './regionFigures'

export type Dispute = Schema<'DisputeBody'>
export type DisputeParty = Dispute['parties'][number]
export type DisputeState = Schema<'DisputeState'>
export type DisputeRole = Schema<'DisputeParty'>
export type DisputeKind = Schema<'DisputeKind'>
export type StageName = Schema<'Stage'>
export type RaiseBody = Schema<'RaiseDispute'>
export type Offer = Schema<'CommandOffer'>

export const DISPUTE_KINDS: readonly DisputeKind[] = ['negative', 'positive']

/** The commands a person gives (settling is the signed agreement's, deciding the signed
 * decision's), in button order. */
export const DISPUTE_COMMANDS = [
  'negotiate', 'escalate', 'accept', 'refuse', 'coordinate', 'refer',
  'record_government_decision', 'implement', 'close', 'withdraw',
] as const
export type DisputeCommand = (typeof DISPUTE_COMMANDS)[number]

/** The commands that need words, and the field they go in. */
export const COMMAND_TEXT: Partial<Record<DisputeCommand, 'reason' | 'decision'>> = {
  escalate: 'reason',
  refuse: 'reason',
  refer: 'reason',
  withdraw: 'reason',
  record_government_decision: 'decision',
}

/** The commands that cannot be taken back: the page asks first, naming what follows. */
export const IRREVERSIBLE: readonly DisputeCommand[] = [
  'escalate', 'accept', 'refuse', 'coordinate', 'refer', 'record_government_decision', 'implement', 'close', 'withdraw',
]

/**
 * The commands at stake in each state: a refused one of these is shown disabled with its
 * rule (escalating before the negotiation time passed, say), the others are not shown at all
 * (a dispute in negotiation has nothing to say about closing). Only the showing is decided
 * here; whether a command is allowed is the offer's.
 */
const AT_STAKE: Record<DisputeState, readonly DisputeCommand[]> = {
  raised: ['negotiate', 'escalate', 'withdraw'],
  negotiating: ['escalate', 'withdraw'],
  escalated: ['accept', 'refuse', 'withdraw'],
  replies_due: ['coordinate', 'withdraw'],
  coordinating: ['withdraw'],
  decided: ['refer', 'implement'],
  referred: ['record_government_decision'],
  government_decided: ['close'],
  implementing: ['close'],
  resolved: [],
  not_accepted: [],
  closed: [],
  withdrawn: [],
}

/** Who gives each command (the machine's `by`), so a body is never shown another's buttons. */
const GIVEN_BY: Record<DisputeCommand, readonly DisputeRole[]> = {
  negotiate: ['party'],
  escalate: ['raiser', 'party'],
  withdraw: ['raiser'],
  accept: ['bureau'],
  refuse: ['bureau'],
  coordinate: ['bureau'],
  refer: ['bureau'],
  record_government_decision: ['bureau'],
  implement: ['bureau'],
  close: ['bureau'],
}

/** One button: the command, whether it is allowed, and (when not) the rule in both languages. */
export interface Shown {
  command: DisputeCommand
  offer: Offer
}

/**
 * The command buttons for the caller: every allowed command, and the refused ones at stake in
 * the dispute's state that the caller's body could give, in the server's order.
 */
export function shownCommands(d: Pick<Dispute, 'commands' | 'state' | 'my_role'>): Shown[] {
  const known = new Set<string>(DISPUTE_COMMANDS)
  const stake = AT_STAKE[d.state] ?? []
  const out: Shown[] = []
  for (const offer of d.commands) {
    if (!known.has(offer.command)) continue
    const command = offer.command as DisputeCommand
    if (offer.allowed || (stake.includes(command) && GIVEN_BY[command].includes(d.my_role))) out.push({ command, offer })
  }
  return out
}

/** The caller's own part that can be shown now: each own offer, allowed or refused. */
export type OwnAction = 'state_position' | 'give_up' | 'reply' | 'name_lead' | 'convene_consultation'

/**
 * The caller's own actions to show: a party's position while it may change it; 确认协商不成
 * while between the parties and not yet said; the written reply once accepted and not yet
 * given; the bureau's interim lead while allowed. Refused ones are left out (a supervisor
 * has none; a party has nothing to say about an interim lead).
 */
export function ownActions(d: Pick<Dispute, 'own' | 'parties'>, myOrg: string | null | undefined): OwnAction[] {
  const mine = d.parties.find((p) => p.org_id === myOrg)
  const out: OwnAction[] = []
  if (d.own.state_position.allowed && mine) out.push('state_position')
  if (d.own.give_up.allowed && mine && mine.gave_up_at == null) out.push('give_up')
  if (d.own.reply.allowed && mine && mine.replied_at == null) out.push('reply')
  if (d.own.name_lead.allowed) out.push('name_lead')
  if (d.own.convene_consultation.allowed) out.push('convene_consultation')
  return out
}

/** The body the caller acts for, as a party of the dispute, or null. */
export function myParty(d: Pick<Dispute, 'parties'>, myOrg: string | null | undefined): DisputeParty | null {
  return d.parties.find((p) => p.org_id === myOrg) ?? null
}

/** The other parties than the caller's body (all of them for the bureau and supervisors). */
export function otherParties(d: Pick<Dispute, 'parties'>, myOrg: string | null | undefined): DisputeParty[] {
  return d.parties.filter((p) => p.org_id !== myOrg)
}

/**
 * Whether the page lets the caller type into a party's statement (书面意见): its own body's,
 * while positions may still change. The server decides again (a statement is written by its
 * owner alone); this only says what the page shows.
 */
export function statementEditable(d: Pick<Dispute, 'own'>, party: Pick<DisputeParty, 'org_id'>, myOrg: string | null | undefined): boolean {
  return !!myOrg && party.org_id === myOrg && d.own.state_position.allowed
}

/** Whether the page lets the caller type into the decision (协调意见书): the bureau, while coordinating. */
export function decisionEditable(d: Pick<Dispute, 'my_role' | 'state'>): boolean {
  return d.my_role === 'bureau' && (d.state === 'replies_due' || d.state === 'coordinating')
}

/** Element Plus tag colours by state. */
export function stateTagType(state: DisputeState): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'raised':
    case 'negotiating':
      return 'warning'
    case 'escalated':
    case 'replies_due':
    case 'coordinating':
      return 'primary'
    case 'resolved':
    case 'decided':
    case 'government_decided':
    case 'implementing':
    case 'closed':
      return 'success'
    case 'not_accepted':
      return 'danger'
    default:
      return 'info'
  }
}

/** A label in the reader's language from a `_zh`/`_en` pair the server sends. */
export function label(zh: string, en: string, locale: string): string {
  return locale.startsWith('en') ? en || zh : zh
}

/** Whether an event (subject `dispute:<id>`) is about this dispute. */
export function eventIsAbout(event: { subject: string; payload?: Record<string, unknown> | null }, id: string): boolean {
  return event.subject === `dispute:${id}` || event.payload?.dispute_id === id
}

// ---- the stage clock ----

/** How each stage's limit is counted (domain `Stage::default_limit`): working days, but 30 calendar days for the decision. */
export const STAGE_UNIT: Record<StageName, 'working_days' | 'calendar_days'> = {
  negotiation: 'working_days',
  acceptance: 'working_days',
  replies: 'working_days',
  decision: 'calendar_days',
}

/** The listed days of the calendar (`YYYY-MM-DD` → holiday or worked weekend day). */
export type SpecialDays = ReadonlyMap<string, 'holiday' | 'workday'>

const DAY_MS = 86_400_000
const OFFSET_MS = 8 * 3_600_000

/** The Beijing date of an instant, as a day number (days since 1970-01-01 in +08:00). */
function beijingDay(ms: number): number {
  return Math.floor((ms + OFFSET_MS) / DAY_MS)
}

/** `YYYY-MM-DD` of a day number. */
function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10)
}

/** Whether offices work on a day: the listed days say so, otherwise Monday to Friday. */
export function isWorkingDay(day: number, special: SpecialDays): boolean {
  const listed = special.get(isoOf(day))
  if (listed === 'holiday') return false
  if (listed === 'workday') return true
  const weekday = new Date(day * DAY_MS).getUTCDay()
  return weekday !== 0 && weekday !== 6
}

/** Where a stage stands: past its deadline, due today, or so many (working or calendar) days left. */
export type Clock =
  | { kind: 'overdue' }
  | { kind: 'today' }
  | { kind: 'left'; days: number; unit: 'working_days' | 'calendar_days' }

/**
 * The clock of a stage due at `dueAt` as of `now`: overdue once the deadline passed (the
 * server's `overdue` counts too); otherwise the days after today up to the deadline's own day
 * (the day of today does not count, as 期间开始之日不计入), working days only for a limit in
 * working days; `today` when the deadline falls today.
 */
export function stageClock(
  stage: { stage: StageName; due_at: number; overdue?: boolean },
  now: number,
  special: SpecialDays = new Map(),
): Clock {
  if (stage.overdue || now >= stage.due_at) return { kind: 'overdue' }
  const today = beijingDay(now)
  const last = beijingDay(stage.due_at)
  if (last <= today) return { kind: 'today' }
  const unit = STAGE_UNIT[stage.stage] ?? 'working_days'
  let days = 0
  for (let d = today + 1; d <= last; d++) if (unit === 'calendar_days' || isWorkingDay(d, special)) days++
  return days === 0 ? { kind: 'today' } : { kind: 'left', days, unit }
}

/** The Beijing years from `now` to `due`, whose calendars the clock needs. */
export function yearsBetween(now: number, due: number): number[] {
  const year = (ms: number) => new Date(ms + OFFSET_MS).getUTCFullYear()
  const out: number[] = []
  for (let y = year(Math.min(now, due)); y <= year(Math.max(now, due)); y++) out.push(y)
  return out
}

const calendars = new Map<number, Promise<Array<[string, 'holiday' | 'workday']>>>()

/** The listed days of the years the deadlines need (each year read once per tab; a failure counts plain weekdays). */
export async function specialDays(years: number[]): Promise<SpecialDays> {
  const lists = await Promise.all(
    years.map((y) => {
      let pending = calendars.get(y)
      if (!pending) {
        pending = calendarYear(y)
          .then((c) => c.days.map((d) => [d.date, d.kind] as [string, 'holiday' | 'workday']))
          .catch(() => {
            calendars.delete(y)
            return []
          })
        calendars.set(y, pending)
      }
      return pending
    }),
  )
  return new Map(lists.flat())
}

// ---- the timeline ----

export interface TimelineEntry {
  at: number
  /** An i18n key under `disputes.timeline`. */
  key: 'raised' | 'gaveUp' | 'escalated' | 'accepted' | 'replied' | 'decided'
  /** The body it names, if any. */
  orgId: string | null
}

/** What the record tells of the dispute's course, oldest first. */
export function timeline(d: Pick<Dispute, 'created_at' | 'raised_by_org_id' | 'escalated_at' | 'accepted_at' | 'decided_at' | 'parties'>): TimelineEntry[] {
  const out: TimelineEntry[] = [{ at: d.created_at, key: 'raised', orgId: d.raised_by_org_id }]
  for (const p of d.parties) {
    if (p.gave_up_at != null) out.push({ at: p.gave_up_at, key: 'gaveUp', orgId: p.org_id })
    if (p.replied_at != null) out.push({ at: p.replied_at, key: 'replied', orgId: p.org_id })
  }
  if (d.escalated_at != null) out.push({ at: d.escalated_at, key: 'escalated', orgId: null })
  if (d.accepted_at != null) out.push({ at: d.accepted_at, key: 'accepted', orgId: null })
  if (d.decided_at != null) out.push({ at: d.decided_at, key: 'decided', orgId: null })
  return out.sort((a, b) => a.at - b.at)
}

// ---- the raise form ----

export interface RaiseForm {
  kind: DisputeKind | ''
  title: string
  description: string
  place: string
  reference: string
  tried: string
  parties: string[]
  position: string
  legal_basis: string
}

/** Where a dispute comes from besides the form: a task the caller's body returned, a case
 * letter it received, or a referral it returned (the server adds the setting, sending or
 * referring body as a party). */
export type RaiseSource = { kind: 'task' | 'notice' | 'referral'; id: string } | null

/** The source named by the raise page's address (`?from_task=…`, `?from_notice=…` or
 * `?from_referral=…`, a referral the caller's body returned). */
export function raiseSource(query: Record<string, unknown>): RaiseSource {
  const one = (v: unknown) => (typeof v === 'string' && v ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : null)
  const task = one(query.from_task)
  if (task) return { kind: 'task', id: task }
  const notice = one(query.from_notice)
  if (notice) return { kind: 'notice', id: notice }
  const referral = one(query.from_referral)
  return referral ? { kind: 'referral', id: referral } : null
}

/** The i18n keys (under `disputes.create.invalid`) of what is wrong with the form. Naming
 * another party is optional when the dispute comes from a task or a notice. */
export function validateRaise(f: RaiseForm, source: RaiseSource = null): string[] {
  const problems: string[] = []
  if (!f.kind) problems.push('kind')
  if (!f.title.trim()) problems.push('title')
  if (!f.description.trim()) problems.push('description')
  if (f.parties.length === 0 && !source) problems.push('parties')
  if (!f.position.trim()) problems.push('position')
  return problems
}

/** The body of `POST /api/disputes` (empty optional fields left out). */
export function raiseBody(f: RaiseForm, source: RaiseSource = null): RaiseBody {
  const opt = (s: string) => (s.trim() ? s.trim() : null)
  return {
    ...(source?.kind === 'task' ? { from_task_id: source.id } : {}),
    ...(source?.kind === 'notice' ? { from_notice_id: source.id } : {}),
    ...(source?.kind === 'referral' ? { from_referral_id: source.id } : {}),
    kind: f.kind as DisputeKind,
    title: f.title.trim(),
    description: f.description.trim(),
    place: opt(f.place),
    reference: opt(f.reference),
    tried: opt(f.tried),
    parties: [...f.parties],
    position: f.position.trim(),
    legal_basis: opt(f.legal_basis),
  }
}

/** The body of a command at the revision read, with its words when it needs them. */
export function commandBody(command: DisputeCommand, revision: number, text = ''): { body: Record<string, unknown> } | { error: string } {
  const field = COMMAND_TEXT[command]
  if (field && !text.trim()) return { error: `disputes.dialog.required.${field}` }
  const body: Record<string, unknown> = { command, revision }
  if (field) body[field] = text.trim()
  return { body }
}

// ---- requests ----

const disputePath = (id: string) => `/api/disputes/${encodeURIComponent(id)}`

export async function listDisputes(): Promise<Dispute[]> {
  return (await get<Schema<'DisputePage'>>('/api/disputes')).disputes
}

/** The disputes a body is in, raised in a period, that a dispute figure of 评议考核 counts
 * (提出争议, 被提出争议, 协商解决, 作出协调意见): the list behind it. */
export async function listDisputesOfBody(of: BodyPeriod, figure: DisputeFigure): Promise<Dispute[]> {
  const q = new URLSearchParams({ org: of.org, from: of.from, to: of.to, figure })
  return (await get<Schema<'DisputePage'>>(`/api/disputes?${q}`)).disputes
}

export function loadDispute(id: string): Promise<Dispute> {
  return get<Dispute>(disputePath(id))
}

export function raiseDispute(body: RaiseBody): Promise<Dispute> {
  return post<Dispute>('/api/disputes', body)
}

export function actOnDispute(id: string, body: Record<string, unknown>): Promise<Dispute> {
  return post<Dispute>(`${disputePath(id)}/actions`, body)
}

export function statePosition(id: string, position: string, legalBasis: string): Promise<Dispute> {
  return put<Dispute>(`${disputePath(id)}/position`, { position: position.trim(), legal_basis: legalBasis.trim() || null })
}

export function negotiationFailed(id: string): Promise<Dispute> {
  return post<Dispute>(`${disputePath(id)}/negotiation-failed`, {})
}

export function giveReply(id: string): Promise<Dispute> {
  return post<Dispute>(`${disputePath(id)}/reply`, {})
}

export function nameLead(id: string, revision: number, orgId: string): Promise<Dispute> {
  return put<Dispute>(`${disputePath(id)}/lead`, { revision, org_id: orgId })
}

/** The decision's (协调意见书) signing requests: its commands through one route. */
export function decisionDocument(id: string): SignedDocApi {
  return signedActionsApi(`${disputePath(id)}/decision`)
}

/** The agreement's (协议书) signing requests: every party signs; the last signature resolves
 * the dispute. */
export function agreementDocument(id: string): SignedDocApi {
  return signedActionsApi(`${disputePath(id)}/agreement`)
}

/** Whether the page lets the caller type into the agreement: a party, while the parties have
 * not escalated it (the server freezes the draft on escalation and decides on every message). */
export function agreementEditable(d: Pick<Dispute, 'my_role' | 'state'>): boolean {
  return (d.my_role === 'raiser' || d.my_role === 'party') && (d.state === 'raised' || d.state === 'negotiating')
}

/** The bureau convenes a case consultation (案件会商) on the dispute; answers the new meeting's id. */
export async function conveneConsultation(
  id: string,
  body: { starts_at: number; ends_at: number; place: string },
): Promise<string> {
  const meeting = await post<{ id: string }>(`${disputePath(id)}/consultations`, body)
  return meeting.id
}

/** Who carries out what by when, as the decision's `Map` "decision" (or the agreement's `Map`
 * "agreement") holds it (the server's projection requires all three:
 * `concord.dispute-decision/1`, `concord.dispute-agreement/1`). */
export interface DecisionFields {
  responsible_org_id: string
  duty: string
  /** `YYYY-MM-DD`, Beijing. */
  deadline: string
}

/** The document root holding the fields: the bureau's decision or the parties' agreement. */
export type OutcomeRoot = 'decision' | 'agreement'

/** The fields as the live document holds them now ('' for one not written yet). */
export function readDecision(doc: Y.Doc, root: OutcomeRoot = 'decision'): DecisionFields {
  const map = doc.getMap<unknown>(root)
  const text = (key: keyof DecisionFields) => {
    const value = map.get(key)
    return typeof value === 'string' ? value : ''
  }
  return { responsible_org_id: text('responsible_org_id'), duty: text('duty'), deadline: text('deadline') }
}

/** Writes one field into the live document (the server stores and relays it). */
export function writeDecision(
  doc: Y.Doc, field: keyof DecisionFields, value: string, root: OutcomeRoot = 'decision',
): void {
  doc.getMap<unknown>(root).set(field, value)
}
