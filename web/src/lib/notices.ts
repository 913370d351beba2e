// Notifications (信息通报 / 案件函告) and the directory of bodies: the shapes the server answers,
// the small readings pages need, and every request about a notification. What a body may do to
// a receipt now (acknowledge, reply, close) is the server's to say: every receipt carries its
// `commands`, allowed or refused with the rule, and pages read them here; this module keeps no
// copy of the receipt machine.
import { get, post } from './api'
import type { Schema } from './schema'
import { isOffered, type CommandOffer } from './commands'
import { figureFilterQuery, type BodyPeriod } from './regionFigures'

export const NOTICE_KINDS = ['information', 'case_letter'] as const
export type NoticeKind = (typeof NOTICE_KINDS)[number]
export type NoticeState = 'draft' | 'sent' | 'superseded'
export type VersionKind = 'original' | 'correction' | 'recall'
export const RECEIPT_STATES = ['delivered', 'read', 'acknowledged', 'replied', 'closed'] as const
export type ReceiptState = (typeof RECEIPT_STATES)[number]

export interface Receipt {
  notice_id: string
  org_id: string
  state: ReceiptState
  delivered_at: number | null
  read_at: number | null
  read_by: string | null
  acknowledged_at: number | null
  acknowledged_by: string | null
  acknowledged_by_name: string | null
  replied_at: number | null
  replied_by: string | null
  reply: string | null
  closed_at: number | null
  /** The receipt's commands for the caller's side, allowed now or refused with the rule. */
  commands: CommandOffer[]
}

export interface Notice {
  id: string
  series_id: string
  version: number
  version_kind: VersionKind
  kind: NoticeKind
  sender_org_id: string
  created_by: string
  title: string
  body: string
  requires_ack: boolean
  requires_reply: boolean
  reply_due_at: number | null
  state: NoticeState
  sent_at: number | null
  created_at: number
  /** What it is about: a meeting, or a version of the meeting's signed minutes. */
  about?: NoticeAbout | null
  /** `supervisor`: the judicial bureau of a body's region, which reads the receipts of the bodies it supervises. */
  my_role: 'sender' | 'recipient' | 'supervisor'
  receipts: Receipt[]
  /** The version's commands (`send`, `correct`, `recall`) for the sender; empty for a receiver. */
  commands: CommandOffer[]
}

/** What a notice is about (`about` on a notice). */
export interface NoticeAbout {
  meeting_id?: string | null
  /** The version of the meeting's signed minutes, when the notice is about them. */
  minutes_version?: number | null
  /** The dispute whose signed decision the notice sends. */
  dispute_id?: string | null
  /** The joint investigation group the notice tells of (formed, reported to the bureau). */
  investigation_id?: string | null
  /** The supervision document the notice delivers (签收 there receives it). */
  supervision_id?: string | null
  /** The campaign (专项监督) the notice announces or reports. */
  campaign_id?: string | null
  /** The case-file review (案卷评查) the notice announces. */
  review_id?: string | null
}

/**
 * Where a notice's reader goes to see what it is about: the meeting's page for a meeting's
 * notice, the meeting's archive (which shows the signed minutes) for signed minutes, the
 * dispute's page for its decision, the group's page for a joint investigation group's notice;
 * none for a notice a person wrote. `label` is the i18n key of the link's text.
 */
export function aboutLink(notice: Pick<Notice, 'about'>): { to: string; label: string } | null {
  const about = notice.about
  if (!about) return null
  if (about.dispute_id) return { to: `/disputes/${encodeURIComponent(about.dispute_id)}`, label: 'notices.about.dispute' }
  if (about.investigation_id) return { to: `/investigations/${encodeURIComponent(about.investigation_id)}`, label: 'notices.about.investigation' }
  if (about.supervision_id) return { to: `/supervision-docs/${encodeURIComponent(about.supervision_id)}`, label: 'notices.about.supervision' }
  if (about.review_id) return { to: `/reviews/${encodeURIComponent(about.review_id)}`, label: 'notices.about.review' }
  if (about.campaign_id) return { to: `/campaigns/${encodeURIComponent(about.campaign_id)}`, label: 'notices.about.campaign' }
  if (!about.meeting_id) return null
  const meeting = `/meetings/${encodeURIComponent(about.meeting_id)}`
  return about.minutes_version != null
    ? { to: `${meeting}/archive`, label: 'notices.about.minutes' }
    : { to: meeting, label: 'notices.about.meeting' }
}

export interface NoticeDetail extends Notice {
  versions: { id: string; version: number; version_kind: VersionKind; state: NoticeState; sent_at: number | null }[]
  newest_id: string
  /** To a body that received a case letter: the time to dispute the matter (移交异议期限). */
  dispute_window?: Schema<'DisputeWindow'> | null
}

/** A body of the directory (`GET /api/orgs`). */
export interface DirectoryOrg {
  id: string
  code: string
  name_zh: string
  name_en: string | null
  kind: string
  level?: string
  region: string
  parent_id: string | null
}

/** A body's name in the reader's language: `name_en || name_zh` in English, `name_zh` otherwise. */
export function orgLabel(org: Pick<DirectoryOrg, 'name_zh' | 'name_en'> | null | undefined, locale: string): string {
  if (!org) return ''
  return locale === 'en' ? org.name_en || org.name_zh : org.name_zh
}

/** Acknowledged, or past it (a reply and the closing come only after 签收 when it is asked). */
export function isAcknowledged(receipt: Pick<Receipt, 'state' | 'acknowledged_at'>): boolean {
  return receipt.acknowledged_at != null || receipt.state === 'acknowledged'
}

export function isRead(receipt: Pick<Receipt, 'state' | 'read_at'>): boolean {
  return receipt.read_at != null || receipt.state !== 'delivered'
}

/** Whether the server lets the caller acknowledge (签收) this receipt now. */
export function canAcknowledge(receipt: Pick<Receipt, 'commands'> | undefined): boolean {
  return isOffered(receipt?.commands, 'acknowledge')
}

/** Whether the server lets the caller reply now: asked for, once, after 签收 when that is asked too. */
export function canReply(receipt: Pick<Receipt, 'commands'> | undefined): boolean {
  return isOffered(receipt?.commands, 'reply')
}

/** Whether the server lets the sender close this body's exchange now: after its reply. */
export function canClose(receipt: Pick<Receipt, 'commands'>): boolean {
  return isOffered(receipt.commands, 'close')
}

/** Whether the server lets the sender correct (更正) this version now. */
export function canCorrect(notice: Pick<Notice, 'commands'> | null | undefined): boolean {
  return isOffered(notice?.commands, 'correct')
}

/** Whether the server lets the sender recall (撤回) this version now. */
export function canRecall(notice: Pick<Notice, 'commands'> | null | undefined): boolean {
  return isOffered(notice?.commands, 'recall')
}

/**
 * How the series moved on from this version: `corrected` or `recalled` when a newer version
 * replaced it (named by the newest version's kind), otherwise null.
 */
export function supersededBy(notice: Pick<NoticeDetail, 'state' | 'versions' | 'newest_id'>): 'corrected' | 'recalled' | null {
  if (notice.state !== 'superseded') return null
  const newest = notice.versions.find((v) => v.id === notice.newest_id)
  return newest?.version_kind === 'recall' ? 'recalled' : 'corrected'
}

/** Whether a received notice still waits for this body: 签收 or a reply asked and not given. */
export function isPending(receipt: Pick<Receipt, 'commands'> | undefined): boolean {
  return canAcknowledge(receipt) || canReply(receipt)
}

export interface ReceiptSummary {
  total: number
  read: number
  acknowledged: number
  replied: number
  /** Asked to acknowledge and have not. */
  unacknowledged: number
}

/** The sender's counts over every receiving body. */
export function receiptSummary(receipts: Receipt[], requiresAck = true): ReceiptSummary {
  const summary: ReceiptSummary = { total: receipts.length, read: 0, acknowledged: 0, replied: 0, unacknowledged: 0 }
  for (const r of receipts) {
    if (isRead(r)) summary.read++
    if (isAcknowledged(r)) summary.acknowledged++
    else if (requiresAck) summary.unacknowledged++
    if (r.replied_at != null || r.state === 'replied' || r.state === 'closed') summary.replied++
  }
  return summary
}

/** Whether a `notice.*` event concerns this version or its series. */
export function eventIsAbout(
  event: { subject: string; payload: Record<string, unknown> },
  notice: Pick<Notice, 'id' | 'series_id'>,
): boolean {
  const p = event.payload ?? {}
  return (
    event.subject === `notice:${notice.id}` ||
    p.notice_id === notice.id ||
    (typeof p.series_id === 'string' && p.series_id === notice.series_id)
  )
}

export interface ComposeForm {
  kind: NoticeKind
  title: string
  body: string
  recipients: string[]
  requiresAck: boolean
  requiresReply: boolean
  replyDueAt: number | null
}

/**
 * The body of `POST /api/notices`, or the i18n keys of what is missing: a title, a text, at
 * least one body other than the sender's own, a reply deadline in the future when one is given.
 */
export function composeRequest(
  form: ComposeForm,
  senderOrgId: string | null,
  now: number,
): { body: Record<string, unknown> } | { errors: string[] } {
  const errors: string[] = []
  const title = form.title.trim()
  const text = form.body.trim()
  const recipients = [...new Set(form.recipients)].filter((id) => id !== senderOrgId)
  if (!title) errors.push('inbox.compose.titleRequired')
  if (!text) errors.push('inbox.compose.bodyRequired')
  if (recipients.length === 0) errors.push('inbox.compose.recipientsRequired')
  if (form.requiresReply && form.replyDueAt != null && form.replyDueAt <= now) errors.push('inbox.compose.replyDueFuture')
  if (errors.length) return { errors }
  const body: Record<string, unknown> = {
    kind: form.kind,
    title,
    body: text,
    recipients,
    requires_ack: form.requiresAck,
    requires_reply: form.requiresReply,
  }
  if (form.requiresReply && form.replyDueAt != null) body.reply_due_at = form.replyDueAt
  return { body }
}

/** The page an event's subject (`task:<id>`, `notice:<id>`, `meeting:<id>`) opens, or null. */
export function subjectLink(subject: string): string | null {
  const match = /^(task|notice|meeting|dispute|investigation|referral):([^/?#\s]+)$/.exec(subject)
  if (!match) return null
  const [, kind, id] = match
  const base = kind === 'task' ? '/tasks/' : kind === 'notice' ? '/notices/' : kind === 'dispute' ? '/disputes/'
    : kind === 'investigation' ? '/investigations/' : kind === 'referral' ? '/referrals/' : '/meetings/'
  return base + encodeURIComponent(id!)
}

/** The i18n key that names an event kind (`task.dispatched` → `inbox.event.task.dispatched`). */
export function eventLabelKey(kind: string, known: (key: string) => boolean): string {
  const key = `inbox.event.${kind}`
  return /^[a-z_]+\.[a-z_]+$/.test(kind) && known(key) ? key : 'inbox.event.other'
}

// ---- requests ----

const noticePath = (id: string) => `/api/notices/${encodeURIComponent(id)}`

/** The boxes `GET /api/notices?box=` offers. */
export type NoticeBox = 'received' | 'sent'

/** The newest `limit` notifications the body received or sent (each with its receipts). */
export async function listNotices(box: NoticeBox, limit: number): Promise<Notice[]> {
  const answer = await get<{ notices: Notice[] }>(`/api/notices?box=${box}&limit=${limit}`)
  return answer.notices
}

/** The notices delivered to a body requiring 签收 that the region's figures count in a period,
 * only those not acknowledged by their limit with `late`: the list behind 应签收 and 逾期未签收. */
export async function listNoticesOfBody(of: BodyPeriod, late: boolean, limit = 200): Promise<Notice[]> {
  const answer = await get<{ notices: Notice[] }>(`/api/notices?box=received&${figureFilterQuery(of, 'late', late)}&limit=${limit}`)
  return answer.notices
}

/** One version with its series' versions; a recipient's opening marks it read. */
export function loadNotice(id: string): Promise<NoticeDetail> {
  return get<NoticeDetail>(noticePath(id))
}

/** Sends a notification built by `composeRequest`. */
export function sendNotice(body: Record<string, unknown>): Promise<Notice> {
  return post<Notice>('/api/notices', body)
}

/** The receiving body's 签收 of this version; answers its receipt. */
export function acknowledgeNotice(id: string): Promise<Receipt> {
  return post<Receipt>(`${noticePath(id)}/acknowledge`)
}

/** The receiving body's one reply. */
export function replyToNotice(id: string, body: string): Promise<unknown> {
  return post(`${noticePath(id)}/reply`, { body })
}

/** The sender closes one receiving body's exchange, after its reply. */
export function closeReceipt(id: string, orgId: string): Promise<unknown> {
  return post(`${noticePath(id)}/receipts/${encodeURIComponent(orgId)}/close`)
}

/** 更正: the sender replaces this version with new text; receivers acknowledge it again. */
export function correctNotice(id: string, title: string, body: string): Promise<Notice> {
  return post<Notice>(`${noticePath(id)}/correct`, { title, body })
}

/** 撤回: the sender recalls this version, saying why; receivers acknowledge the recall. */
export function recallNotice(id: string, reason: string): Promise<Notice> {
  return post<Notice>(`${noticePath(id)}/recall`, { reason })
}
