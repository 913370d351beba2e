// Joint investigation groups (联合调查组) as the server shows them
// (server/src/work/investigations.rs), the small helpers the pages need (which commands to
// show as buttons, which sections of the joint dossier a person reads and which they may type
// into, the proposal form), and every request under `/api/investigations`.
//
// Whether a command is allowed, whether the caller reads the dossier and which document ids it
// gets are always the server's to say (`commands`, `membership`, `mark_attention`,
// `reads_dossier`, the `*_doc_id` fields); this module only chooses what to show, and never
// decides by itself that a command may be given or a section written (the socket decides
// that again on every message).
import { get, post } from './api'
import type { Schema } from './schema'
import { signedActionsApi, type SignedDocApi, type SignedState } from './signing'

export type Group = Schema<'GroupBody'>
export type GroupMember = Group['members'][number]
export type GroupState = Schema<'GroupState'>
export type GroupPart = Schema<'GroupParty'>
export type MemberState = Schema<'MemberState'>
export type Confidentiality = Schema<'Confidentiality'>
export type ProposeBody = Schema<'ProposeGroup'>
export type Offer = Schema<'CommandOffer'>

export const CONFIDENTIALITIES: readonly Confidentiality[] = ['internal', 'sensitive']

/** The group commands a person gives, in button order (concluding is the report's signature). */
export const GROUP_COMMANDS = ['form', 'start', 'archive', 'dissolve'] as const
export type GroupCommand = (typeof GROUP_COMMANDS)[number]

/** The membership answers, in button order. */
export const MEMBER_COMMANDS = ['confirm', 'decline', 'leave'] as const
export type MemberCommand = (typeof MEMBER_COMMANDS)[number]

/** The commands at stake in each state: a refused one is shown disabled with its rule (forming
 * before every body answered), the others not at all. */
const AT_STAKE: Record<GroupState, readonly GroupCommand[]> = {
  proposed: ['form', 'dissolve'],
  formed: ['start', 'dissolve'],
  active: ['dissolve'],
  concluded: ['archive'],
  archived: [],
  dissolved: [],
}

/** Who gives each command (the machine's `by`), so a body is never shown another's buttons. */
const GIVEN_BY: Record<GroupCommand, readonly GroupPart[]> = {
  form: ['lead'],
  start: ['lead', 'member'],
  archive: ['lead'],
  dissolve: ['lead'],
}

/** One button: the command and its offer (allowed, or refused with its rule). */
export interface Shown<C extends string = GroupCommand> {
  command: C
  offer: Offer
}

/** The group's command buttons for the caller: every allowed one, and the refused ones at
 * stake in the group's state that the caller's part could give, in the server's order. */
export function shownCommands(g: Pick<Group, 'commands' | 'state' | 'your_part'>): Shown[] {
  const known = new Set<string>(GROUP_COMMANDS)
  const stake = AT_STAKE[g.state] ?? []
  const out: Shown[] = []
  for (const offer of g.commands) {
    if (!known.has(offer.command)) continue
    const command = offer.command as GroupCommand
    if (offer.allowed || (stake.includes(command) && GIVEN_BY[command].includes(g.your_part))) out.push({ command, offer })
  }
  return out
}

/** The membership answers the caller's body may give now (allowed ones only: an invited body
 * confirms or declines, a member may leave). */
export function shownMembership(g: Pick<Group, 'membership'>): Shown<MemberCommand>[] {
  const known = new Set<string>(MEMBER_COMMANDS)
  return g.membership
    .filter((o) => o.allowed && known.has(o.command))
    .map((offer) => ({ command: offer.command as MemberCommand, offer }))
}

/** The body the caller acts for, as a body of the group (the lead included), or null. */
export function myBody(g: Pick<Group, 'members'>, myOrg: string | null | undefined): GroupMember | null {
  return g.members.find((m) => m.org_id === myOrg) ?? null
}

/** Whether the group is still open for writing (not concluded, archived or dissolved). */
export function isOpen(state: GroupState): boolean {
  return state === 'proposed' || state === 'formed' || state === 'active'
}

/** Whether the dossier's sections may still be written: the group open and the lead not yet
 * having frozen the dossier for the report (the socket refuses every change after that). */
export function dossierWritable(g: Pick<Group, 'state' | 'dossier_frozen'>): boolean {
  return isOpen(g.state) && !g.dossier_frozen
}

/** One section of the joint dossier (联合案卷) as the page shows it. */
export interface Section {
  /** `summary`, `conclusions`, or the member body's org id. */
  key: string
  kind: 'summary' | 'conclusions' | 'member'
  docId: string
  /** The body that writes it (the lead for the summary and the conclusions). */
  orgId: string
  orgName: string
  /** Whether the page lets the caller type into it: its owner, while the group is open. */
  editable: boolean
  /** A member body that left (or declined): its section stays, frozen; and every section once
   * the lead froze the dossier for the report. */
  frozen: boolean
}

/**
 * The dossier's sections the caller reads, in reading order: the summary, each body's own
 * section (the lead's first, as the server orders the bodies; the caller's own next to it),
 * then the conclusions. Only sections whose document id the server gave are listed: an
 * invited body or one that left gets none, a bureau a sensitive group was reported to the
 * summary and the conclusions alone.
 */
export function dossierSections(g: Group, myOrg: string | null | undefined): Section[] {
  const open = dossierWritable(g)
  const lead = g.your_part === 'lead'
  const out: Section[] = []
  if (g.summary_doc_id) {
    out.push({ key: 'summary', kind: 'summary', docId: g.summary_doc_id, orgId: g.lead_org_id, orgName: g.lead_name, editable: lead && open, frozen: g.dossier_frozen })
  }
  const mine = (m: GroupMember) => Number(m.org_id === myOrg)
  const bodies = [...g.members].sort((a, b) => Number(b.lead) - Number(a.lead) || mine(b) - mine(a))
  for (const m of bodies) {
    if (!m.section_doc_id) continue
    const active = m.lead || m.state === 'confirmed'
    out.push({
      key: m.org_id,
      kind: 'member',
      docId: m.section_doc_id,
      orgId: m.org_id,
      orgName: m.org_name,
      editable: open && !!myOrg && m.org_id === myOrg && active && (g.your_part === 'lead' || g.your_part === 'member'),
      frozen: m.state === 'left' || g.dossier_frozen,
    })
  }
  if (g.conclusions_doc_id) {
    out.push({ key: 'conclusions', kind: 'conclusions', docId: g.conclusions_doc_id, orgId: g.lead_org_id, orgName: g.lead_name, editable: lead && open, frozen: g.dossier_frozen })
  }
  return out
}

/** Element Plus tag colours by group state. */
export function stateTagType(state: GroupState): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'proposed':
      return 'warning'
    case 'formed':
    case 'active':
      return 'primary'
    case 'concluded':
    case 'archived':
      return 'success'
    case 'dissolved':
      return 'danger'
    default:
      return 'info'
  }
}

/** Element Plus tag colours by a body's answer. */
export function memberTagType(state: MemberState): 'success' | 'warning' | 'danger' | 'info' {
  return state === 'confirmed' ? 'success' : state === 'invited' ? 'warning' : state === 'declined' ? 'danger' : 'info'
}

/** A label in the reader's language from a `_zh`/`_en` pair the server sends. */
export function label(zh: string, en: string, locale: string): string {
  return locale.startsWith('en') ? en || zh : zh
}

/** Whether an event (subject `investigation:<id>`) is about this group. */
export function eventIsAbout(event: { subject: string; payload?: Record<string, unknown> | null }, id: string): boolean {
  return event.subject === `investigation:${id}` || event.payload?.investigation_id === id
}

// ---- the list ----

/** The list's filters: by the caller's part. */
export type PartFilter = 'all' | 'lead' | 'member' | 'invited' | 'supervisor'
export const PART_FILTERS: readonly PartFilter[] = ['all', 'lead', 'member', 'invited', 'supervisor']

/** The filter a group falls under (the system part never reaches a person). */
export function partOf(g: Pick<Group, 'your_part'>): Exclude<PartFilter, 'all'> {
  return g.your_part === 'system' ? 'supervisor' : g.your_part
}

/** How many groups each filter shows. */
export function partCounts(groups: readonly Pick<Group, 'your_part'>[]): Record<PartFilter, number> {
  const c: Record<PartFilter, number> = { all: groups.length, lead: 0, member: 0, invited: 0, supervisor: 0 }
  for (const g of groups) c[partOf(g)]++
  return c
}

// ---- the proposal form ----

export interface ProposeForm {
  case_name: string
  case_number: string
  summary: string
  areas: string
  public_attention: boolean
  confidentiality: Confidentiality | ''
  members: string[]
  related: string[]
}

export function emptyProposal(): ProposeForm {
  return { case_name: '', case_number: '', summary: '', areas: '', public_attention: false, confidentiality: 'internal', members: [], related: [] }
}

/** The i18n keys (under `investigations.create.invalid`) of what is wrong with the form. */
export function validateProposal(f: ProposeForm): string[] {
  const problems: string[] = []
  if (!f.case_name.trim()) problems.push('case_name')
  if (!f.summary.trim()) problems.push('summary')
  if (!f.areas.trim()) problems.push('areas')
  if (!f.confidentiality) problems.push('confidentiality')
  if (f.members.length === 0) problems.push('members')
  if (f.related.some((r) => f.members.includes(r))) problems.push('related')
  return problems
}

/** The body of `POST /api/investigations` (an empty case number left out). */
export function proposalBody(f: ProposeForm): ProposeBody {
  const number = f.case_number.trim()
  return {
    case_name: f.case_name.trim(),
    ...(number ? { case_number: number } : {}),
    summary: f.summary.trim(),
    areas: f.areas.trim(),
    public_attention: f.public_attention,
    confidentiality: f.confidentiality as Confidentiality,
    members: [...f.members],
    related: f.related.filter((r) => !f.members.includes(r)),
  }
}

// ---- commands and answers ----

/** The body of a group command at the revision read; dissolving needs a reason. */
export function commandBody(command: GroupCommand, revision: number, reason = ''): { body: Schema<'GroupAction'> } | { error: string } {
  if (command === 'dissolve') {
    if (!reason.trim()) return { error: 'investigations.dialog.required.reason' }
    return { body: { command, revision, reason: reason.trim() } }
  }
  return { body: { command, revision } }
}

/** The body of a membership answer: confirming names the responsible person and the contact;
 * declining and leaving give a reason. */
export function membershipBody(
  command: MemberCommand,
  words: { responsible_person?: string; contact?: string; reason?: string },
): { body: Schema<'MemberAction'> } | { error: string } {
  if (command === 'confirm') {
    const person = (words.responsible_person ?? '').trim()
    const contact = (words.contact ?? '').trim()
    if (!person) return { error: 'investigations.dialog.required.responsible_person' }
    if (!contact) return { error: 'investigations.dialog.required.contact' }
    return { body: { command, responsible_person: person, contact } }
  }
  const reason = (words.reason ?? '').trim()
  if (!reason) return { error: 'investigations.dialog.required.reason' }
  return { body: { command, reason } }
}

// ---- requests ----

export const GROUPS_URL = '/api/investigations'
export const groupUrl = (id: string) => `${GROUPS_URL}/${encodeURIComponent(id)}`
export const actionsUrl = (id: string) => `${groupUrl(id)}/actions`
export const membershipUrl = (id: string) => `${groupUrl(id)}/membership`
export const attentionUrl = (id: string) => `${groupUrl(id)}/attention`

export async function listGroups(): Promise<Group[]> {
  return (await get<Schema<'GroupPage'>>(GROUPS_URL)).groups
}

export function loadGroup(id: string): Promise<Group> {
  return get<Group>(groupUrl(id))
}

export function proposeGroup(body: ProposeBody): Promise<Group> {
  return post<Group>(GROUPS_URL, body)
}

export function actOnGroup(id: string, body: Schema<'GroupAction'>): Promise<Group> {
  return post<Group>(actionsUrl(id), body)
}

export function answerMembership(id: string, body: Schema<'MemberAction'>): Promise<Group> {
  return post<Group>(membershipUrl(id), body)
}

export function markAttention(id: string, revision: number): Promise<Group> {
  return post<Group>(attentionUrl(id), { revision })
}

export const freezeDossierUrl = (id: string) => `${groupUrl(id)}/dossier/freeze`

/** The lead freezes the dossier at the revision read: every section becomes read-only and the
 * report's draft is made (`report_doc_id`). */
export function freezeDossier(id: string, revision: number): Promise<Group> {
  return post<Group>(freezeDossierUrl(id), { revision } satisfies Schema<'FreezeDossier'>)
}

// ---- the report (调查报告) ----

/** The report's signing requests (its commands through one route, as a dispute's agreement):
 * every member signs, then the lead; the last signature concludes the group. */
export function reportDocument(id: string): SignedDocApi {
  return signedActionsApi(`${groupUrl(id)}/report`)
}

/**
 * The lead's 冻结案卷并起草调查报告 button, or null: shown when the server allows it, and
 * disabled with its rule to the lead of an active group whose dossier is not frozen yet (the
 * server says why: a body has not answered, …); never to a member, nor once frozen.
 */
export function shownFreezeDossier(g: Pick<Group, 'freeze_dossier' | 'your_part' | 'state' | 'dossier_frozen'>): Offer | null {
  if (g.freeze_dossier.allowed) return g.freeze_dossier
  if (g.your_part === 'lead' && g.state === 'active' && !g.dossier_frozen) return g.freeze_dossier
  return null
}

/** Whether the page lets the caller type into the report: the lead, while the group is active
 * and the report's current version is a draft (the socket decides again on every message). */
export function reportEditable(g: Pick<Group, 'your_part' | 'state' | 'report_doc_id'>, state: SignedState | null | undefined): boolean {
  return g.your_part === 'lead' && g.state === 'active' && !!g.report_doc_id && (state == null || state === 'draft')
}

/** One section of the frozen dossier as the report's manifest lists it (联合案卷清单): its title,
 * the body that wrote it, the SHA-256 of its canonical content (摘要值) and its evidence. */
export interface ManifestRow {
  title: string
  owner: string
  sha256: string
  evidence: number
}

/** The dossier manifest of a frozen report version, from its `content.json` (the signed
 * content's `dossier`); rows missing what a person reads are left out. */
export function dossierManifest(content: unknown): ManifestRow[] {
  const dossier = (content as { dossier?: unknown } | null)?.dossier
  if (!Array.isArray(dossier)) return []
  const out: ManifestRow[] = []
  for (const item of dossier as Record<string, unknown>[]) {
    const owner = (item?.owner as { name?: unknown } | undefined)?.name
    if (typeof item?.title !== 'string' || typeof owner !== 'string' || typeof item.content_sha256 !== 'string') continue
    out.push({ title: item.title, owner, sha256: item.content_sha256, evidence: Array.isArray(item.evidence) ? item.evidence.length : 0 })
  }
  return out
}

export { archivedVersions } from './signing'

// ---- presence in a section ----

/**
 * The people (user ids) writing in a section now: those with a caret in it. Every reader of the
 * group page has every section open, so being in a section's awareness says who reads the
 * page; a caret (`cursor`, set by the editor while it has the focus) says in which section a
 * person is at work. Our own state carries no server-written id: `me` names it.
 */
export function writersIn(
  states: Map<number, Record<string, unknown>>,
  selfClientId: number,
  me?: { id: string },
): Set<string> {
  const out = new Set<string>()
  for (const [clientId, state] of states) {
    if (state?.cursor == null) continue
    const user = state.user as Record<string, unknown> | undefined
    const id = clientId === selfClientId && me ? me.id : typeof user?.id === 'string' ? user.id : `client-${clientId}`
    out.add(id)
  }
  return out
}
