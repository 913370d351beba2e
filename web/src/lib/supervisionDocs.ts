// Supervision documents (监督文书, server/src/work/supervision_docs.rs): a judicial bureau's
// 行政执法监督通知书, 意见书 and 决定书 to a body of its region, the rectification (整改) they ask
// for, and every request under `/api/supervision-docs`.
//
// Which command is allowed now is always the server's to say (`commands`, `attach_evidence`);
// this module only names what the pages need and never decides by itself that a command may be
// given. The text is a live document (its `doc_id`) signed through the one signed-document
// lifecycle (`textDocument`).
import type * as Y from 'yjs'
import { api, del, get, post } from './api'
import type { Schema } from './schema'
import { signedActionsApi, type SignedDocApi } from './signing'
import { figureFilterQuery, type BodyPeriod } from './regionFigures'

export type SupervisionDoc = Schema<'SupervisionBody'>
export type SupervisionKind = Schema<'SupervisionKind'>
export type SupervisionState = Schema<'SupervisionState'>
export type RectificationReport = Schema<'ReportBody'>
export type Evidence = Schema<'RectificationEvidence'>
export type CreateBody = Schema<'CreateSupervision'>

export const SUPERVISION_KINDS: readonly SupervisionKind[] = ['notice', 'opinion', 'decision']

/** The lists of the page: 制发, 收到, 上级监督 (the server's `role`). */
export const LIST_ROLES = ['issued', 'received', 'supervised'] as const
export type ListRole = (typeof LIST_ROLES)[number]

/** What a decision may order about the act it names (signing/kinds/supervision_doc.rs `ORDERS`). */
export const ACT_ORDERS = ['revoke', 'correct', 'declare_unlawful'] as const
export type ActOrder = (typeof ACT_ORDERS)[number]

/** The enforcement act a decision rules on, as its text's `act` map holds it. */
export interface ActFields {
  name: string
  order: ActOrder | ''
}

/** The act map of a decision's live text. */
export function readAct(doc: Y.Doc): ActFields {
  const map = doc.getMap<string>('act')
  const order = map.get('order') ?? ''
  return { name: map.get('name') ?? '', order: (ACT_ORDERS as readonly string[]).includes(order) ? (order as ActOrder) : '' }
}

/** Writes one field of a decision's act; an emptied field is removed (the server projects
 * only a complete act). */
export function writeAct(doc: Y.Doc, field: keyof ActFields, value: string): void {
  const map = doc.getMap<string>('act')
  doc.transact(() => {
    if (value) map.set(field, value)
    else map.delete(field)
  })
}

/** Whether a body is one a bureau may address: any body of the directory but itself (the
 * server checks the region). */
export function addressees<O extends { id: string }>(orgs: readonly O[], myOrg: string | null | undefined): O[] {
  return orgs.filter((o) => o.id !== myOrg)
}

// ---- requests ----

const docPath = (id: string) => `/api/supervision-docs/${encodeURIComponent(id)}`

/** The supervision documents the caller's body issued, received or supervises (all without a role). */
export async function listSupervisionDocs(role?: ListRole): Promise<SupervisionDoc[]> {
  const path = role ? `/api/supervision-docs?role=${role}` : '/api/supervision-docs'
  return (await get<Schema<'SupervisionPage'>>(path)).supervision_docs
}

/** The supervision documents issued to a body in a period, only those rectified on time with
 * `onTime`: the list behind 监督文书 and 按时整改 of the region's figures. */
export async function listSupervisionDocsOfBody(of: BodyPeriod, onTime: boolean): Promise<SupervisionDoc[]> {
  const path = `/api/supervision-docs?${figureFilterQuery(of, 'on_time', onTime)}`
  return (await get<Schema<'SupervisionPage'>>(path)).supervision_docs
}

export function createSupervisionDoc(body: CreateBody): Promise<SupervisionDoc> {
  return post<SupervisionDoc>('/api/supervision-docs', body)
}

export function loadSupervisionDoc(id: string): Promise<SupervisionDoc> {
  return get<SupervisionDoc>(docPath(id))
}

/** Gives a command: `{command, revision, …its words}`. */
export function actOnSupervisionDoc(id: string, body: Record<string, unknown>): Promise<SupervisionDoc> {
  return post<SupervisionDoc>(`${docPath(id)}/actions`, body)
}

/** Attaches a file of evidence to the report being written, as the raw body. */
export function attachEvidence(id: string, file: File): Promise<SupervisionDoc> {
  const body = new Blob([file], { type: file.type || 'application/octet-stream' })
  return api<SupervisionDoc>('POST', `${docPath(id)}/evidence?name=${encodeURIComponent(file.name)}`, body)
}

export function removeEvidence(id: string, evidence: string): Promise<SupervisionDoc> {
  return del<SupervisionDoc>(`${docPath(id)}/evidence/${encodeURIComponent(evidence)}`)
}

/** The text's signing requests: the bureau freezes (定稿), signs and archives it; its last
 * signature issues it. */
export function textDocument(id: string): SignedDocApi {
  return signedActionsApi(`${docPath(id)}/text`)
}

// ---- commands ----

export type SupervisionCommand = 'submit_report' | 'accept' | 'send_back' | 'close' | 'withdraw'

/** The words a command asks for: the report's text, or reasons. */
export const COMMAND_FIELD: Partial<Record<SupervisionCommand, 'text' | 'reason'>> = {
  submit_report: 'text',
  send_back: 'reason',
  withdraw: 'reason',
}

/** Commands asked about before they are given (they cannot be taken back). */
export const CONFIRMED: readonly SupervisionCommand[] = ['accept', 'close']

/** The request body of `command` at `revision`, or the message key of what is missing. */
export function commandBody(command: SupervisionCommand, revision: number, words: string): { body: Record<string, unknown> } | { error: string } {
  const field = COMMAND_FIELD[command]
  if (!field) return { body: { command, revision } }
  const text = words.trim()
  if (!text) return { error: field === 'text' ? 'supervisionDocs.dialog.textRequired' : 'supervisionDocs.dialog.reasonRequired' }
  return { body: { command, revision, [field]: text } }
}

/** The commands worth showing as buttons: the allowed ones (the server's offers). */
export function shownCommands(doc: Pick<SupervisionDoc, 'commands'>): SupervisionDoc['commands'] {
  return doc.commands.filter((c) => c.allowed)
}

export function stateTagType(state: SupervisionState): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'issued':
    case 'under_review':
      return 'warning'
    case 'rectifying':
      return 'primary'
    case 'accepted':
    case 'closed':
    case 'received':
      return 'success'
    default:
      return 'info'
  }
}

/** Whether an event concerns the document `id` (itself or its text). */
export function eventIsAbout(event: { subject: string; payload?: Record<string, unknown> | null }, id: string): boolean {
  return event.subject === `supervision:${id}` || event.payload?.supervision_id === id
}
