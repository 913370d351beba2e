// Tasks (任务 / 督办): the shapes the server answers, how a command's body is built, and how a
// task stands against its deadline. Which commands a party may give now is the server's to say:
// every task carries them (`commands`, and `extension_commands` on the detail), allowed or
// refused with the rule, and pages render their buttons from those (see `./commands`); this
// module keeps no copy of the state machine. The requests about tasks are at the end.
import { get, post, request } from './api'
import type { Schema } from './schema'
import { allowedCommands, isOffered, type CommandOffer } from './commands'
import { subjectLink } from './notices'
import { figureFilterQuery, type BodyPeriod } from './regionFigures'

export const TASK_STATES = [
  'created', 'dispatched', 'acknowledged', 'in_progress', 'submitted', 'verified', 'closed', 'returned', 'cancelled',
] as const
export type TaskState = (typeof TASK_STATES)[number]

/** In the server's order (`TaskCommand::ALL`), which is the order of the buttons. */
export const TASK_COMMANDS = [
  'dispatch', 'acknowledge', 'start', 'submit', 'verify', 'reopen', 'close', 'return', 'reassign', 'cancel',
] as const
export type TaskCommand = (typeof TASK_COMMANDS)[number]

export type Party = 'setter' | 'assignee'
/** The caller's side of a task: a party, or the judicial bureau supervising it (reads only). */
export type TaskSide = Party | 'supervisor'

/** The lists `GET /api/tasks?list=` offers. */
export const TASK_LISTS = ['open', 'overdue', 'set_by_us'] as const
export type TaskListKind = (typeof TASK_LISTS)[number]

export const TASK_SOURCES = ['direct', 'agreed_item', 'dispute_decision', 'investigation', 'supervision'] as const

export interface TimeLimit {
  unit: 'calendar_days' | 'working_days' | 'hours'
  amount: number
}

export interface Task {
  id: string
  title: string
  body: string
  feedback_required: string | null
  source: string
  source_ref: string | null
  setter_org_id: string
  assignee_org_id: string
  created_by: string
  state: TaskState
  limit: TimeLimit | null
  started_at: number | null
  due_at: number
  overdue: boolean
  feedback: string | null
  revision: number
  created_at: number
  updated_at: number
  my_party: TaskSide
  /** Every command for the caller's side, allowed now or refused with the rule (server order). */
  commands: CommandOffer[]
}

export interface HistoryEntry {
  seq: number
  at: number
  user_id: string | null
  name: string | null
  org_id: string | null
  kind: string
  command: TaskCommand | null
  from: TaskState | null
  to: TaskState | null
  body: string | null
  detail: Record<string, unknown>
}

export interface Attachment {
  id: string
  task_id: string
  name: string
  content_type: string
  size: number
  sha256: string
  uploaded_by: string
  uploaded_org_id: string | null
  at: number
  url: string
}

export interface Extension {
  id: string
  task_id: string
  requested_by: string
  requested_at: number
  new_due_at: number
  reason: string
  state: 'pending' | 'granted' | 'refused'
  decided_by: string | null
  decided_at: number | null
  decision_note: string | null
}

export interface TaskDetail extends Task {
  history: HistoryEntry[]
  attachments: Attachment[]
  extensions: Extension[]
  /** `request_extension` and `decide_extension`, allowed now or refused with the rule. */
  extension_commands: CommandOffer[]
  /** To the assigned body of another body's task: the time to dispute it (移交异议期限). */
  dispute_window?: Schema<'DisputeWindow'> | null
}

export function isFinal(state: TaskState): boolean {
  return state === 'closed' || state === 'cancelled'
}

/** Dispatched, acknowledged or in progress: the deadline counts. */
export function clockRuns(state: TaskState): boolean {
  return state === 'dispatched' || state === 'acknowledged' || state === 'in_progress'
}

/** The commands the server allows the caller now, in button order. */
export function availableCommands(task: Pick<Task, 'commands'>): TaskCommand[] {
  const known = new Set<string>(TASK_COMMANDS)
  return allowedCommands(task.commands).filter((c): c is TaskCommand => known.has(c))
}

/** What a command needs written: feedback (submit), a reason (return, reopen, cancel), or nothing. */
export function textNeeded(command: TaskCommand): 'feedback' | 'reason' | null {
  if (command === 'submit') return 'feedback'
  if (command === 'return' || command === 'reopen' || command === 'cancel') return 'reason'
  return null
}

export interface ActionForm {
  text?: string
  assigneeOrgId?: string
  dueAt?: number | null
}

/**
 * The body of `POST /api/tasks/{id}/actions/{command}`: exactly the fields the server accepts
 * for that command (it refuses any other), or an error key when something required is missing.
 */
export function actionBody(
  command: TaskCommand,
  revision: number,
  form: ActionForm,
): { body: Record<string, unknown> } | { error: string } {
  const body: Record<string, unknown> = { revision }
  const text = (form.text ?? '').trim()
  const needed = textNeeded(command)
  if (needed === 'feedback') {
    if (!text) return { error: 'tasks.form.feedbackRequired' }
    body.feedback = text
  } else if (needed === 'reason') {
    if (!text) return { error: 'tasks.form.reasonRequired' }
    body.reason = text
  } else if (text) {
    body.reason = text
  }
  if (command === 'reassign') {
    if (!form.assigneeOrgId) return { error: 'tasks.form.assigneeRequired' }
    body.assignee_org_id = form.assigneeOrgId
  }
  if ((command === 'dispatch' || command === 'reassign') && form.dueAt != null) body.due_at = form.dueAt
  return { body }
}

/** Whether the server lets the caller ask for more time now (the assignee, before the deadline, one at a time). */
export function canRequestExtension(task: Pick<TaskDetail, 'extension_commands'>): boolean {
  return isOffered(task.extension_commands, 'request_extension')
}

/** Whether the server lets the caller answer this extension request now (the setter, while the clock runs). */
export function canDecideExtension(task: Pick<TaskDetail, 'extension_commands'>, extension: Pick<Extension, 'state'>): boolean {
  return extension.state === 'pending' && isOffered(task.extension_commands, 'decide_extension')
}

/** Whether the caller may attach evidence and comment: either party (never a supervising bureau), while not final. */
export function canContribute(task: Pick<Task, 'state' | 'my_party'>): boolean {
  return task.my_party !== 'supervisor' && !isFinal(task.state)
}

export type DeadlineStatus = 'stopped' | 'overdue' | 'due_soon' | 'on_track'

/** A day: a deadline closer than this is "due soon". */
export const DUE_SOON_MS = 24 * 60 * 60 * 1000

/**
 * How a task stands against its deadline: overdue only while its clock runs and past due;
 * "stopped" when the clock does not run (draft, submitted, verified, closed, returned, cancelled).
 */
export function deadlineStatus(task: Pick<Task, 'state' | 'due_at'>, now: number): DeadlineStatus {
  if (!clockRuns(task.state)) return 'stopped'
  if (task.due_at < now) return 'overdue'
  if (task.due_at - now <= DUE_SOON_MS) return 'due_soon'
  return 'on_track'
}

/** The tag colour Element Plus uses for a task state. */
export function stateTagType(state: TaskState): 'primary' | 'success' | 'info' | 'warning' | 'danger' {
  switch (state) {
    case 'closed':
    case 'verified':
      return 'success'
    case 'submitted':
      return 'warning'
    case 'returned':
      return 'danger'
    case 'cancelled':
    case 'created':
      return 'info'
    default:
      return 'primary'
  }
}

/** Whether an event (`task.*`, subject `task:<id>`) is about this task. */
export function eventIsAbout(event: { subject: string; payload: Record<string, unknown> }, taskId: string): boolean {
  return event.subject === `task:${taskId}` || event.payload?.task_id === taskId
}

/** The page of what a task came from, when it is one: a reference that names its kind
 * (`dispute:<id>`), or a joint investigation group's task, whose reference is the bare group id
 * (`source` `investigation`, as the server stores it). Anything else is shown as written. */
export function sourceLink(task: Pick<Task, 'source' | 'source_ref'>): string | null {
  const ref = task.source_ref
  if (!ref) return null
  return subjectLink(ref) ?? (task.source === 'investigation' ? subjectLink(`investigation:${ref}`) : null)
}

/** Tasks sorted for reading: overdue first, then by deadline, nearest first. */
export function sortByUrgency<T extends Pick<Task, 'state' | 'due_at'>>(tasks: T[], now: number): T[] {
  const rank = (t: T) => {
    const s = deadlineStatus(t, now)
    return s === 'overdue' ? 0 : s === 'due_soon' ? 1 : s === 'on_track' ? 2 : 3
  }
  return [...tasks].sort((a, b) => rank(a) - rank(b) || a.due_at - b.due_at)
}

/** A byte count for people: the i18n key (`tasks.size.b|kb|mb`) and the number to put in it. */
export function sizeParts(bytes: number): { key: string; n: string } {
  if (bytes < 1024) return { key: 'tasks.size.b', n: String(bytes) }
  if (bytes < 1024 * 1024) return { key: 'tasks.size.kb', n: (bytes / 1024).toFixed(1) }
  return { key: 'tasks.size.mb', n: (bytes / 1024 / 1024).toFixed(1) }
}

// ---- requests ----

const taskPath = (id: string) => `/api/tasks/${encodeURIComponent(id)}`

/** One of the body's task lists, at most `limit` tasks. */
export async function listTasks(list: TaskListKind, limit = 200): Promise<Task[]> {
  const answer = await get<{ tasks: Task[] }>(`/api/tasks?list=${list}&limit=${limit}`)
  return answer.tasks
}

/** The tasks assigned to a body that the region's figures count in a period (`list=assigned`),
 * only the overdue ones with `overdue`: the list behind 承办任务 and 超期任务. */
export async function listTasksOfBody(of: BodyPeriod, overdue: boolean, limit = 200): Promise<Task[]> {
  const answer = await get<{ tasks: Task[] }>(`/api/tasks?list=assigned&${figureFilterQuery(of, 'overdue', overdue)}&limit=${limit}`)
  return answer.tasks
}

/** One task with its history, evidence and extension requests. */
export function loadTask(id: string): Promise<TaskDetail> {
  return get<TaskDetail>(taskPath(id))
}

/** Sets a task for another body (交办). */
export function createTask(body: Record<string, unknown>): Promise<Task> {
  return post<Task>('/api/tasks', body)
}

/** Gives a command with the body `actionBody` built (it names the revision read). */
export function actOnTask(id: string, command: TaskCommand, body: Record<string, unknown>): Promise<unknown> {
  return post(`${taskPath(id)}/actions/${command}`, body)
}

/** Attaches one evidence file, stored under its own name. */
export function uploadAttachment(id: string, file: File): Promise<Response> {
  return request('POST', `${taskPath(id)}/attachments?name=${encodeURIComponent(file.name)}`, file)
}

/** The assignee asks for a later deadline, saying why. */
export function requestExtension(id: string, ask: { new_due_at: number; reason: string }): Promise<unknown> {
  return post(`${taskPath(id)}/extensions`, ask)
}

/** The setter grants or refuses an extension request, with an optional note. */
export function decideExtension(id: string, extensionId: string, decision: { grant: boolean; note?: string }): Promise<unknown> {
  return post(`${taskPath(id)}/extensions/${encodeURIComponent(extensionId)}/decision`, decision)
}

/** A comment in the task's history. */
export function commentOnTask(id: string, body: string): Promise<unknown> {
  return post(`${taskPath(id)}/comments`, { body })
}
