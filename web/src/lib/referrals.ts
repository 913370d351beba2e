// Case referrals (案件移送) as the server shows them (server/src/work/referrals.rs), the small
// helpers the pages need (which commands to show as buttons, the words each asks for, which
// bodies may receive a kind, the form's body, the stage clock's standing), and every request
// under `/api/referrals`.
//
// Which command is allowed now is always the server's to say (`commands`, `edit`, each item's
// `upload` and `check` offers); this module only chooses which refused ones are worth showing
// (disabled, with their rule) and never decides by itself that a command may be given.
import { api, get, post, put } from './api'
import type { Schema } from './schema'
import { signedActionsApi, type SignedDocApi } from './signing'

export type Referral = Schema<'ReferralBody'>
export type ReferralItem = Referral['items'][number]
export type ReferralKind = Schema<'ReferralKind'>
export type ReferralState = Schema<'ReferralState'>
export type ReferralPart = Schema<'ReferralParty'>
export type ReferralClock = Schema<'ReferralClock'>
export type ItemState = Schema<'ItemState'>
export type CreateBody = Schema<'CreateReferral'>
export type Offer = Schema<'CommandOffer'>

export const REFERRAL_KINDS: readonly ReferralKind[] = ['jurisdiction', 'criminal', 'procuratorate', 'clue']

/** The lists of the referral page: 移出, 移入, 抄送与监督 (the server's `role`). */
export const LIST_ROLES = ['outgoing', 'incoming', 'supervised'] as const
export type ListRole = (typeof LIST_ROLES)[number]

/** The most items one material checklist names (domain `MAX_ITEMS`). */
export const MAX_ITEMS = 50

/**
 * The kinds of body that may receive each kind (domain `ReferralKind::may_receive`): the form
 * offers only these from the directory. The server decides again.
 */
export const RECEIVER_KINDS: Record<ReferralKind, readonly string[]> = {
  jurisdiction: ['enforcement_department', 'township_government'],
  criminal: ['public_security'],
  procuratorate: ['procuratorate'],
  clue: ['discipline_inspection'],
}

/** Whether the rules require a copy to a procuratorate (抄送检察院): a suspected crime's. */
export function needsCopy(kind: ReferralKind | ''): boolean {
  return kind === 'criminal'
}

/** The bodies of the directory that may receive a referral of `kind`, never the caller's own. */
export function receiversFor<O extends { id: string; kind: string }>(orgs: readonly O[], kind: ReferralKind | '', myOrg: string | null | undefined): O[] {
  if (!kind) return []
  const kinds = RECEIVER_KINDS[kind]
  return orgs.filter((o) => o.id !== myOrg && kinds.includes(o.kind))
}

/** The procuratorates a criminal referral may be copied to. */
export function copyTargets<O extends { id: string; kind: string }>(orgs: readonly O[]): O[] {
  return orgs.filter((o) => o.kind === 'procuratorate')
}

// ---- commands ----

/** The commands a person gives (`dispute` is the server's own, on raising the dispute), in button order. */
export const REFERRAL_COMMANDS = [
  'submit', 'approve', 'send_back', 'send', 'receive', 'accept', 'not_accept', 'return', 'feedback', 'close', 'withdraw',
] as const
export type ReferralCommand = (typeof REFERRAL_COMMANDS)[number]

/** The words a command asks for: the field, and whether it must be given. */
export const COMMAND_FIELD: Partial<Record<ReferralCommand, { field: 'reason' | 'feedback' | 'person' | 'case_number' | 'opinion'; required: boolean }>> = {
  approve: { field: 'opinion', required: false },
  send_back: { field: 'reason', required: true },
  receive: { field: 'person', required: false },
  accept: { field: 'case_number', required: false },
  not_accept: { field: 'reason', required: true },
  return: { field: 'reason', required: true },
  feedback: { field: 'feedback', required: true },
  withdraw: { field: 'reason', required: true },
}

/** The commands that cannot be taken back: the page asks first, naming what follows. */
export const IRREVERSIBLE: readonly ReferralCommand[] = ['send', 'accept', 'close']

/** The commands at stake in each state: a refused one of these is shown disabled with its rule
 * (受理 before every item is marked received, say); the others are not shown at all. */
const AT_STAKE: Record<ReferralState, readonly ReferralCommand[]> = {
  draft: ['submit', 'withdraw'],
  pending_approval: ['approve', 'send_back', 'withdraw'],
  approved: ['send', 'withdraw'],
  sent: ['receive', 'return', 'withdraw'],
  received: ['accept', 'not_accept', 'return'],
  accepted: ['feedback'],
  not_accepted: ['close'],
  feedback_given: ['close'],
  closed: [],
  returned: [],
  disputed: [],
  withdrawn: [],
}

/** Who gives each command (the machine's `by`), so a body is never shown another's buttons. */
const GIVEN_BY: Record<ReferralCommand, readonly ReferralPart[]> = {
  submit: ['officer', 'head'],
  send: ['officer', 'head'],
  close: ['officer', 'head'],
  withdraw: ['officer', 'head'],
  approve: ['head'],
  send_back: ['head'],
  receive: ['receiver'],
  accept: ['receiver'],
  not_accept: ['receiver'],
  return: ['receiver'],
  feedback: ['receiver'],
}

/** One button: the command and its offer (allowed, or refused with its rule). */
export interface Shown {
  command: ReferralCommand
  offer: Offer
}

/** The command buttons for the caller: every allowed command, and the refused ones at stake in
 * the referral's state that the caller's part could give, in the server's order. */
export function shownCommands(r: Pick<Referral, 'commands' | 'state' | 'your_part'>): Shown[] {
  const known = new Set<string>(REFERRAL_COMMANDS)
  const stake = AT_STAKE[r.state] ?? []
  const out: Shown[] = []
  for (const offer of r.commands) {
    if (!known.has(offer.command)) continue
    const command = offer.command as ReferralCommand
    if (offer.allowed || (stake.includes(command) && GIVEN_BY[command].includes(r.your_part))) out.push({ command, offer })
  }
  return out
}

/** The body of a command at the revision read, with its words when it asks for them; an i18n
 * key (under `referrals.dialog.required`) when required words are missing. */
export function commandBody(command: ReferralCommand, revision: number, text = ''): { body: Record<string, unknown> } | { error: string } {
  const spec = COMMAND_FIELD[command]
  const words = text.trim()
  if (spec?.required && !words) return { error: `referrals.dialog.required.${spec.field}` }
  const body: Record<string, unknown> = { command, revision }
  if (spec && words) body[spec.field] = words
  return { body }
}

// ---- what the pages show ----

/** A label in the reader's language from a `_zh`/`_en` pair the server sends. */
export function label(zh: string, en: string, locale: string): string {
  return locale.startsWith('en') ? en || zh : zh
}

/** The other body of a row as the caller sees it: the receiver for the referring body, the
 * referring body for the receiver, and both (`from → to`) for a copied or supervising body. */
export function otherBody(r: Pick<Referral, 'your_part' | 'referrer_name' | 'receiver_name'>): { role: 'receiver' | 'referrer' | 'both'; name: string } {
  if (r.your_part === 'officer' || r.your_part === 'head') return { role: 'receiver', name: r.receiver_name }
  if (r.your_part === 'receiver') return { role: 'referrer', name: r.referrer_name }
  return { role: 'both', name: `${r.referrer_name} → ${r.receiver_name}` }
}

/** Where the stage clock stands: none running, running, or past its time (已超期). */
export function clockStanding(stage: Pick<ReferralClock, 'due_at' | 'overdue'> | null | undefined, now: number): 'none' | 'running' | 'overdue' {
  if (!stage) return 'none'
  return stage.overdue || now > stage.due_at ? 'overdue' : 'running'
}

/**
 * What the receiver decided, once it did: accepted (受理) while accepted or reported back, and a
 * closed referral that was reported back; not accepted (不予受理) otherwise (the machine closes a
 * referral only after feedback or a refusal).
 */
export function decision(r: Pick<Referral, 'state' | 'decided_at' | 'feedback_at'>): 'accepted' | 'not_accepted' | null {
  if (r.decided_at == null) return null
  if (r.state === 'accepted' || r.state === 'feedback_given' || r.feedback_at != null) return 'accepted'
  return 'not_accepted'
}

/** How many items are marked received, missing and still to check. */
export function itemCounts(items: readonly Pick<ReferralItem, 'state'>[]): Record<ItemState, number> {
  const out: Record<ItemState, number> = { pending: 0, received: 0, missing: 0 }
  for (const item of items) out[item.state] += 1
  return out
}

/** Element Plus tag colours by state. */
export function stateTagType(state: ReferralState): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'pending_approval':
    case 'approved':
    case 'sent':
      return 'warning'
    case 'received':
    case 'returned':
      return 'primary'
    case 'accepted':
    case 'feedback_given':
    case 'closed':
      return 'success'
    case 'not_accepted':
    case 'disputed':
      return 'danger'
    default:
      return 'info'
  }
}

/** Element Plus tag colours of an item's state (待核对, 已收到, 缺少). */
export function itemTagType(state: ItemState): 'success' | 'danger' | 'info' {
  return state === 'received' ? 'success' : state === 'missing' ? 'danger' : 'info'
}

/** Whether an event (subject `referral:<id>`) is about this referral. */
export function eventIsAbout(event: { subject: string; payload?: Record<string, unknown> | null }, id: string): boolean {
  return event.subject === `referral:${id}` || event.payload?.referral_id === id
}

/** Where the receiver raises the jurisdiction dispute a returned referral must go on as. */
export function raiseDisputeLink(r: Pick<Referral, 'id' | 'state' | 'your_part' | 'dispute_id'>): string | null {
  if (r.state !== 'returned' || r.your_part !== 'receiver' || r.dispute_id) return null
  return `/disputes/new?from_referral=${encodeURIComponent(r.id)}`
}

/** The short SHA-256 shown beside a file (the whole one is in the title). */
export function shortHash(sha256: string | null | undefined): string {
  return sha256 ? `${sha256.slice(0, 12)}…` : ''
}

// ---- the referral form ----

export interface ReferralForm {
  kind: ReferralKind | ''
  receiver_org_id: string
  copy_org_id: string
  case_name: string
  case_number: string
  facts: string
  legal_basis: string
  /** The material checklist's names, in order; empty rows are left out. */
  items: string[]
}

export function emptyForm(): ReferralForm {
  return { kind: '', receiver_org_id: '', copy_org_id: '', case_name: '', case_number: '', facts: '', legal_basis: '', items: [''] }
}

/** The checklist's names as sent: trimmed, empty rows left out. */
export function itemNames(items: readonly string[]): string[] {
  return items.map((i) => i.trim()).filter((i) => i.length > 0)
}

/** The i18n keys (under `referrals.create.invalid`) of what is wrong with the form. */
export function validateForm(f: ReferralForm): string[] {
  const problems: string[] = []
  if (!f.kind) problems.push('kind')
  if (!f.receiver_org_id) problems.push('receiver')
  if (needsCopy(f.kind) && !f.copy_org_id) problems.push('copy')
  if (!f.case_name.trim()) problems.push('caseName')
  if (!f.facts.trim()) problems.push('facts')
  if (!f.legal_basis.trim()) problems.push('legalBasis')
  const names = itemNames(f.items)
  if (names.length === 0) problems.push('items')
  else if (names.length > MAX_ITEMS) problems.push('tooMany')
  else if (new Set(names).size !== names.length) problems.push('duplicate')
  return problems
}

/** The body of `POST /api/referrals` (no copy unless the kind takes one; no empty case number). */
export function createBody(f: ReferralForm): CreateBody {
  return {
    kind: f.kind as ReferralKind,
    receiver_org_id: f.receiver_org_id,
    copy_org_id: needsCopy(f.kind) ? f.copy_org_id : null,
    case_name: f.case_name.trim(),
    case_number: f.case_number.trim() || null,
    facts: f.facts.trim(),
    legal_basis: f.legal_basis.trim(),
    items: itemNames(f.items),
  }
}

// ---- requests ----

const referralPath = (id: string) => `/api/referrals/${encodeURIComponent(id)}`
const itemPath = (id: string, item: string) => `${referralPath(id)}/items/${encodeURIComponent(item)}`

/** The referrals the caller's body made, received, is copied on or supervises (all without a role). */
export async function listReferrals(role?: ListRole): Promise<Referral[]> {
  const path = role ? `/api/referrals?role=${role}` : '/api/referrals'
  return (await get<Schema<'ReferralPage'>>(path)).referrals
}

export function createReferral(body: CreateBody): Promise<Referral> {
  return post<Referral>('/api/referrals', body)
}

export function loadReferral(id: string): Promise<Referral> {
  return get<Referral>(referralPath(id))
}

/** The receipt's (移送回执) signing requests, through one route as a group's report: the
 * receiving body makes it once it signed for the referral and checked every item, signs and
 * archives it. */
export function receiptDocument(id: string): SignedDocApi {
  return signedActionsApi(`${referralPath(id)}/receipt`)
}

/** Rewrites the draft's case. */
export function editCase(id: string, body: Schema<'EditCase'>): Promise<Referral> {
  return put<Referral>(referralPath(id), body)
}

export function addItem(id: string, revision: number, name: string): Promise<Referral> {
  return post<Referral>(`${referralPath(id)}/items`, { revision, name: name.trim() })
}

export function removeItem(id: string, item: string, revision: number): Promise<Referral> {
  return post<Referral>(`${itemPath(id, item)}/remove`, { revision })
}

/** Uploads an item's file as the raw body, with its own media type and name. */
export function uploadItemFile(id: string, item: string, file: File): Promise<Referral> {
  const body = new Blob([file], { type: file.type || 'application/octet-stream' })
  return api<Referral>('PUT', `${itemPath(id, item)}/file?name=${encodeURIComponent(file.name)}`, body)
}

/** The receiver marks an item received, or missing saying what is missing. */
export function checkItem(id: string, item: string, found: 'received' | 'missing', note = ''): Promise<Referral> {
  return post<Referral>(`${itemPath(id, item)}/check`, { found, note: note.trim() || null })
}

/** Gives a command: `{command, revision, …its words}` (see `commandBody`). */
export function actOnReferral(id: string, body: Record<string, unknown>): Promise<Referral> {
  return post<Referral>(`${referralPath(id)}/actions`, body)
}

/** Where an item's file is downloaded. */
export function itemFileUrl(id: string, item: string): string {
  return `${itemPath(id, item)}/file`
}
