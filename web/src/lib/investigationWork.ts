// The work inside a joint investigation group (server/src/http/investigation_work.rs): the
// dossier's evidence (证据材料), section by section, and the lead's unified command (统一调度):
// tasks assigned to member bodies, group notices requiring 签收, and the board of both.
//
// Kept apart from `investigations.ts` (the group itself) as the server keeps them apart.
// Whether a piece may be added or withdrawn, a task assigned or a notice sent is always the
// server's word (`add`, `withdraw`, `assign_task`, `send_notice` offers); this module only
// builds the requests and checks a form is filled in before it is sent.
import { ApiError, get, post, request } from './api'
import type { Schema } from './schema'

export type EvidencePage = Schema<'EvidencePage'>
export type EvidenceSection = Schema<'EvidenceSection'>
export type Evidence = Schema<'EvidenceBody'>
export type Board = Schema<'GroupBoard'>
export type BoardRow = Schema<'BoardRow'>
export type BoardNotice = Schema<'BoardNotice'>
export type BoardReceipt = Schema<'BoardReceipt'>
export type AssignTaskBody = Schema<'AssignTask'>
export type GroupNoticeBody = Schema<'GroupNoticeInput'>
export type WithdrawBody = Schema<'WithdrawEvidence'>
export type GroupTask = Schema<'TaskBody'>

// ---- requests ----

const groupPath = (id: string) => `/api/investigations/${encodeURIComponent(id)}`
export const evidenceUrl = (id: string) => `${groupPath(id)}/evidence`
export const pieceUrl = (id: string, piece: string) => `${evidenceUrl(id)}/${encodeURIComponent(piece)}`
export const withdrawUrl = (id: string, piece: string) => `${pieceUrl(id, piece)}/withdraw`
export const groupTasksUrl = (id: string) => `${groupPath(id)}/tasks`
export const groupNoticesUrl = (id: string) => `${groupPath(id)}/notices`
export const boardUrl = (id: string) => `${groupPath(id)}/board`

/** Where a file is sent: the section, and the file's name and title when given (blank ones left out). */
export function uploadUrl(id: string, section: string, name?: string, title?: string): string {
  const q = new URLSearchParams({ section })
  if (title?.trim()) q.set('title', title.trim())
  if (name?.trim()) q.set('name', name.trim())
  return `${evidenceUrl(id)}?${q.toString()}`
}

/** The group's evidence lists, section by section. */
export function listEvidence(id: string): Promise<EvidencePage> {
  return get<EvidencePage>(evidenceUrl(id))
}

/** Adds one file to a section as the raw body (its own `Content-Type`); 413 beyond the limit. */
export async function uploadEvidence(id: string, section: string, file: File, title?: string): Promise<Evidence> {
  const response = await request('POST', uploadUrl(id, section, file.name, title), file)
  return (await response.json()) as Evidence
}

/** Withdraws one's own piece (撤回), saying why. */
export function withdrawEvidence(id: string, piece: string, body: WithdrawBody): Promise<Evidence> {
  return post<Evidence>(withdrawUrl(id, piece), body)
}

/** The lead assigns a task to a confirmed member body. */
export function assignGroupTask(id: string, body: AssignTaskBody): Promise<GroupTask> {
  return post<GroupTask>(groupTasksUrl(id), body)
}

/** The lead sends a notice to every confirmed member, requiring 签收. */
export function sendGroupNotice(id: string, body: GroupNoticeBody): Promise<Schema<'NoticeBody'>> {
  return post<Schema<'NoticeBody'>>(groupNoticesUrl(id), body)
}

/** The command board (指挥看板). */
export function loadBoard(id: string): Promise<Board> {
  return get<Board>(boardUrl(id))
}

// ---- evidence ----

/** A SHA-256 as a person reads it in a list: its first and last eight hex digits. */
export function shortHash(sha256: string): string {
  return sha256.length <= 20 ? sha256 : `${sha256.slice(0, 8)}…${sha256.slice(-8)}`
}

/** The evidence list of a dossier section (by its document id), or null when the server gave none. */
export function sectionEvidence(page: EvidencePage | null | undefined, docId: string): EvidenceSection | null {
  return page?.sections.find((s) => s.section_doc_id === docId) ?? null
}

/** Whether a failure is the file being over the server's size limit. */
export function isTooLarge(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 413 || e.code === 'payload_too_large')
}

/** The body of a withdrawal; a reason is required. */
export function withdrawBody(reason: string): { body: WithdrawBody } | { error: string } {
  const r = reason.trim()
  if (!r) return { error: 'investigationWork.evidence.reasonRequired' }
  return { body: { reason: r } }
}

// ---- the lead's command ----

/** The longest deadline in working days the dialog takes (the regions' limits go no further). */
export const MAX_WORKING_DAYS = 365

export interface AssignForm {
  assignee_org_id: string
  title: string
  body: string
  /** The deadline, in working days from now. */
  days: number | null
}

export function emptyAssign(): AssignForm {
  return { assignee_org_id: '', title: '', body: '', days: 5 }
}

/** The body of `POST …/tasks`, or the i18n keys (under `investigationWork.board.invalid`) of what is missing. */
export function assignBody(f: AssignForm): { body: AssignTaskBody } | { errors: string[] } {
  const errors: string[] = []
  if (!f.assignee_org_id) errors.push('assignee')
  if (!f.title.trim()) errors.push('title')
  if (!f.body.trim()) errors.push('body')
  const days = f.days
  if (days == null || !Number.isInteger(days) || days < 1 || days > MAX_WORKING_DAYS) errors.push('days')
  if (errors.length) return { errors }
  return {
    body: {
      assignee_org_id: f.assignee_org_id,
      title: f.title.trim(),
      body: f.body.trim(),
      limit: { unit: 'working_days', amount: days as number },
    },
  }
}

export interface NoticeForm {
  title: string
  body: string
}

export function emptyNotice(): NoticeForm {
  return { title: '', body: '' }
}

/** The body of `POST …/notices`, or the i18n keys of what is missing. */
export function noticeBody(f: NoticeForm): { body: GroupNoticeBody } | { errors: string[] } {
  const errors: string[] = []
  if (!f.title.trim()) errors.push('title')
  if (!f.body.trim()) errors.push('body')
  if (errors.length) return { errors }
  return { body: { title: f.title.trim(), body: f.body.trim() } }
}

/** The bodies a task may be assigned to: the confirmed members on the board (not the lead). */
export function assignableBodies(board: Pick<Board, 'bodies'>): BoardRow[] {
  return board.bodies.filter((b) => !b.lead && b.state === 'confirmed')
}

/** Whether a body has signed for a notice (签收; a reply or closing counts too). */
export function signed(state: BoardReceipt['state']): boolean {
  return state === 'acknowledged' || state === 'replied' || state === 'closed'
}

/** Element Plus tag colours by a receipt's state. */
export function receiptTagType(state: BoardReceipt['state']): 'success' | 'warning' | 'info' {
  return signed(state) ? 'success' : state === 'read' ? 'warning' : 'info'
}

/** Each body's receipt of one notice, in the board's order of bodies (bodies without one left out). */
export function receiptsOf(board: Pick<Board, 'bodies'>, noticeId: string): { row: BoardRow; receipt: BoardReceipt }[] {
  const out: { row: BoardRow; receipt: BoardReceipt }[] = []
  for (const row of board.bodies) {
    const receipt = row.receipts.find((r) => r.notice_id === noticeId)
    if (receipt) out.push({ row, receipt })
  }
  return out
}

/** Whether an event touches the board or the evidence of this group: the group's own events
 * (evidence included), and those of the tasks and notices on the board. */
export function touchesGroup(
  event: { subject: string; payload?: Record<string, unknown> | null },
  id: string,
  board?: Pick<Board, 'bodies' | 'notices'> | null,
): boolean {
  if (event.subject === `investigation:${id}`) return true
  const p = event.payload ?? {}
  if (p.investigation_id === id) return true
  if (!board) return false
  const tasks = new Set(board.bodies.flatMap((b) => b.tasks.map((t) => t.id)))
  const notices = new Set(board.notices.map((n) => n.id))
  const [kind, ref] = [event.subject.split(':')[0], event.subject.slice(event.subject.indexOf(':') + 1)]
  return (
    (kind === 'task' && tasks.has(ref)) || (kind === 'notice' && notices.has(ref)) ||
    (typeof p.task_id === 'string' && tasks.has(p.task_id)) || (typeof p.notice_id === 'string' && notices.has(p.notice_id))
  )
}
