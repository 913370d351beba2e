// Case-file reviews (案卷评查), server/src/work/reviews.rs: a judicial bureau's review of the
// files its region's bodies closed in a period, or an enforcement department's of its own
// field's (全面, 重点, 交叉, 随机抽查), the files the bodies
// register, the draw with its recorded seed, the live scoring sheets, answers (申辩) and
// confirmed grades, and every request under `/api/reviews`.
//
// Which command is allowed now is always the server's to say (`commands`); so is a file's
// score, which the server computes from the frozen sheet when it is submitted. What the
// sheet shows while reviewers mark it is a preview (`preview`), the same rule the server
// applies (each item's deductions capped at its points), never stored.
import type * as Y from 'yjs'
import { api, get, post } from './api'
import { figureFilterQuery, type BodyPeriod } from './regionFigures'
import { signedActionsApi, type SignedDocApi } from './signing'
import type { Schema } from './schema'

export type Review = Schema<'ReviewBody'>
export type ReviewFile = Schema<'ReviewFileBody'>
export type ReviewKind = Schema<'ReviewKind'>
export type ReviewState = Schema<'ReviewState'>
export type CaseKind = Schema<'CaseKind'>
export type Sheet = Schema<'Sheet'>
export type Grade = Schema<'Grade'>
export type CreateBody = Schema<'CreateReview'>
export type RegisterBody = Schema<'RegisterFile'>

export const REVIEW_KINDS: readonly ReviewKind[] = ['comprehensive', 'key', 'cross', 'random']
export const CASE_KINDS: readonly CaseKind[] = ['penalty', 'licensing', 'coercion', 'inspection', 'other']
export const GRADES: readonly Grade[] = ['excellent', 'pass', 'fail']

/** The roots of a sheet's live document, as the server reads them at submission. */
export const DEDUCTIONS_ROOT = 'deductions'
export const COMMENTS_ROOT = 'comments'

/** Who may organise a review: a judicial bureau, or an enforcement department of its own
 * field (server: `domain::review::Organiser`). */
export type Organiser = 'bureau' | 'department'

export function organiserOf(kind: string | null | undefined): Organiser | null {
  if (kind === 'judicial_bureau') return 'bureau'
  if (kind === 'enforcement_department') return 'department'
  return null
}

/** A body of the directory as the plan form needs it. */
export interface PlanOrg { id: string; name_zh: string; kind: string; parent_id: string | null }

/** The bodies the plan form offers (the server checks them again): a bureau's, every body of
 * the directory it sees but bureaus; a department's, its own field, itself and the bodies under
 * it by `parent_id` at any depth. */
export function planBodies<O extends PlanOrg>(orgs: readonly O[], me: { id: string; kind: string } | null | undefined): O[] {
  if (!me) return []
  if (organiserOf(me.kind) === 'bureau') return orgs.filter((o) => o.id !== me.id && o.kind !== 'judicial_bureau')
  if (organiserOf(me.kind) !== 'department') return []
  const field = new Set([me.id])
  let grew = true
  while (grew) {
    grew = false
    for (const o of orgs) {
      if (o.parent_id && field.has(o.parent_id) && !field.has(o.id)) {
        field.add(o.id)
        grew = true
      }
    }
  }
  return orgs.filter((o) => field.has(o.id))
}

const path = (id: string) => `/api/reviews/${encodeURIComponent(id)}`

export async function listReviews(): Promise<Review[]> {
  return (await get<Schema<'ReviewPage'>>('/api/reviews')).reviews
}

export function createReview(body: CreateBody): Promise<Review> {
  return post<Review>('/api/reviews', body)
}

/** The files of a body whose grade a review confirmed in a period, only the failing ones with
 * `failed`: the list behind 评查案卷数 and 不合格案卷数 of the region's figures. */
export async function listReviewedFiles(of: BodyPeriod, failed: boolean): Promise<ReviewedFile[]> {
  return (await get<Schema<'ReviewedFilesPage'>>(`/api/reviews/files?${figureFilterQuery(of, 'failed', failed)}`)).files
}
export type ReviewedFile = Schema<'ReviewedFile'>

export function loadReview(id: string): Promise<Review> {
  return get<Review>(path(id))
}

/** Gives a review command: `{command, revision, …its words}`. */
/** The summary's signing requests: the bureau freezes (定稿), signs (which files it with the bureau above, 报备) and archives it. */
export function summaryDocument(id: string): SignedDocApi {
  return signedActionsApi(`${path(id)}/summary`)
}

/** Attaches the scanned file (电子卷宗) to one of the caller's registered files, as the raw body. */
export function attachToFile(id: string, fileId: string, file: File): Promise<Schema<'FileAttachmentBody'>> {
  const body = new Blob([file], { type: file.type || 'application/octet-stream' })
  return api<Schema<'FileAttachmentBody'>>('POST', `${path(id)}/files/${encodeURIComponent(fileId)}/attachments?name=${encodeURIComponent(file.name)}`, body)
}

/** Where an attachment of a file is downloaded. */
export function attachmentUrl(id: string, fileId: string, attachmentId: string): string {
  return `${path(id)}/files/${encodeURIComponent(fileId)}/attachments/${encodeURIComponent(attachmentId)}`
}

/** Gives a review command (`POST …/actions`). */
export function actOnReview(id: string, body: Record<string, unknown>): Promise<Review> {
  return post<Review>(`${path(id)}/actions`, body)
}

export function registerFile(id: string, body: RegisterBody): Promise<ReviewFile> {
  return post<ReviewFile>(`${path(id)}/files`, body)
}

/** Gives a file command: `{command, revision, …its words}`. */
export function actOnFile(id: string, fileId: string, body: Record<string, unknown>): Promise<ReviewFile> {
  return post<ReviewFile>(`${path(id)}/files/${encodeURIComponent(fileId)}/actions`, body)
}

/** Names the one or two people (评查人) of the file's reviewing body who alone write its sheet. */
export function nameReviewers(id: string, fileId: string, body: Schema<'NameReviewers'>): Promise<ReviewFile> {
  return api<ReviewFile>('PUT', `${path(id)}/files/${encodeURIComponent(fileId)}/reviewers`, body)
}

/** Whether `user` may name a file's reviewers: an admin of its reviewing body, while it is scored (the server decides; this only shows the button). */
export function mayNameReviewers(file: Pick<ReviewFile, 'state' | 'reviewer_org_id'>, user: { org_id: string | null; org_role: string | null } | null): boolean {
  return !!user && file.state === 'scoring' && user.org_role === 'admin' && !!file.reviewer_org_id && file.reviewer_org_id === user.org_id
}

/** Whether `userId` writes the file's live sheet: its reviewing body's people while it is scored, only the named ones once any are. */
export function writesSheet(file: Pick<ReviewFile, 'state' | 'reviewer_org_id' | 'reviewers'>, orgId: string | undefined, userId: string | undefined): boolean {
  if (file.state !== 'scoring' || !orgId || file.reviewer_org_id !== orgId) return false
  return file.reviewers.length === 0 || file.reviewers.some((r) => r.user_id === userId)
}

/** The marks on a sheet's live document: times each deduction was found, a comment per item. */
export interface Marks {
  counts: Record<string, number>
  comments: Record<string, string>
}

export function readMarks(doc: Y.Doc): Marks {
  const counts: Record<string, number> = {}
  doc.getMap<unknown>(DEDUCTIONS_ROOT).forEach((value, key) => {
    if (typeof value === 'number') counts[key] = value
  })
  const comments: Record<string, string> = {}
  doc.getMap<unknown>(COMMENTS_ROOT).forEach((value, key) => {
    if (typeof value === 'string') comments[key] = value
  })
  return { counts, comments }
}

/** Sets how many times `deduction` was found (a whole number from 0 to 100). */
export function setCount(doc: Y.Doc, deduction: string, count: number) {
  const n = Math.max(0, Math.min(100, Math.round(count)))
  doc.getMap<unknown>(DEDUCTIONS_ROOT).set(deduction, n)
}

export function setComment(doc: Y.Doc, item: string, text: string) {
  doc.getMap<unknown>(COMMENTS_ROOT).set(item, text)
}

/** Points are counted in tenths, as the server does, so 2.5 + 2.5 is exactly 5. */
const tenths = (points: number) => Math.round(points * 10)

/** The score the marks would give: each item's deductions capped at its points. A preview. */
export function preview(sheet: Sheet, counts: Record<string, number>): { total: number; outOf: number; deducted: Record<string, number>; grade: Grade } {
  let total = 0
  let outOf = 0
  let vetoed = false
  const deducted: Record<string, number> = {}
  for (const group of sheet.groups) {
    for (const item of group.items) {
      const found = item.deductions.reduce((sum, d) => sum + tenths(d.points) * (counts[d.id] ?? 0), 0)
      const taken = Math.min(found, tenths(item.points))
      deducted[item.id] = taken / 10
      vetoed ||= Boolean(item.veto) && taken > 0
      outOf += tenths(item.points)
      total += tenths(item.points) - taken
    }
  }
  const grade: Grade = vetoed ? 'fail' : total >= tenths(sheet.excellent) ? 'excellent' : total >= tenths(sheet.pass) ? 'pass' : 'fail'
  return { total: total / 10, outOf: outOf / 10, deducted, grade }
}

/** The request body of a review command at `revision`, or the message key of what is missing. */
export function commandBody(command: string, revision: number, reason: string): { body: Record<string, unknown> } | { error: string } {
  if (command !== 'withdraw') return { body: { command, revision } }
  const text = reason.trim()
  if (!text) return { error: 'reviews.dialog.reasonRequired' }
  return { body: { command, revision, reason: text } }
}

export function stateTagType(state: ReviewState): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'registering':
    case 'scoring':
      return 'primary'
    case 'summarising':
      return 'warning'
    case 'summarised':
      return 'success'
    default:
      return 'info'
  }
}

export function gradeTagType(grade: Grade | null | undefined): 'success' | 'warning' | 'danger' | 'info' {
  if (grade === 'excellent') return 'success'
  if (grade === 'pass') return 'warning'
  if (grade === 'fail') return 'danger'
  return 'info'
}

/** Whether an event concerns the review `id`. */
export function eventIsAbout(event: { subject: string; payload?: Record<string, unknown> | null }, id: string): boolean {
  return event.subject === `review:${id}` || event.payload?.review_id === id
}
