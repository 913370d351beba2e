import { describe, expect, it } from 'vitest'
import {
  TASK_COMMANDS, TASK_STATES, actionBody, availableCommands, canDecideExtension, canRequestExtension,
  clockRuns, deadlineStatus, eventIsAbout, sortByUrgency, transition, DUE_SOON_MS,
  type Party, type TaskCommand, type TaskState,
} from './tasks'

// The table of WORKFLOWS.md / server/src/domain/task.rs, written out: everything else is refused.
const ALLOWED: [TaskState, Party, TaskCommand, TaskState][] = [
  ['created', 'setter', 'dispatch', 'dispatched'],
  ['created', 'setter', 'cancel', 'cancelled'],
  ['dispatched', 'assignee', 'acknowledge', 'acknowledged'],
  ['dispatched', 'assignee', 'return', 'returned'],
  ['dispatched', 'setter', 'cancel', 'cancelled'],
  ['acknowledged', 'assignee', 'start', 'in_progress'],
  ['acknowledged', 'assignee', 'submit', 'submitted'],
  ['acknowledged', 'assignee', 'return', 'returned'],
  ['acknowledged', 'setter', 'cancel', 'cancelled'],
  ['in_progress', 'assignee', 'submit', 'submitted'],
  ['in_progress', 'setter', 'cancel', 'cancelled'],
  ['submitted', 'setter', 'verify', 'verified'],
  ['submitted', 'setter', 'reopen', 'in_progress'],
  ['verified', 'setter', 'close', 'closed'],
  ['returned', 'setter', 'reassign', 'dispatched'],
  ['returned', 'setter', 'cancel', 'cancelled'],
]

describe('the task state machine', () => {
  it('allows exactly the transitions of the server and leads where the server does', () => {
    let allowed = 0
    for (const state of TASK_STATES) {
      for (const party of ['setter', 'assignee'] as Party[]) {
        for (const command of TASK_COMMANDS) {
          const expected = ALLOWED.find(([s, p, c]) => s === state && p === party && c === command)
          expect(transition(state, party, command), `${party} ${command} on ${state}`).toBe(expected ? expected[3] : null)
          if (expected) allowed++
        }
      }
    }
    expect(allowed).toBe(ALLOWED.length)
  })

  it('offers the buttons in the server order', () => {
    expect(availableCommands('dispatched', 'assignee')).toEqual(['acknowledge', 'return'])
    expect(availableCommands('dispatched', 'setter')).toEqual(['cancel'])
    expect(availableCommands('submitted', 'setter')).toEqual(['verify', 'reopen'])
    expect(availableCommands('acknowledged', 'assignee')).toEqual(['start', 'submit', 'return'])
    expect(availableCommands('closed', 'setter')).toEqual([])
    expect(availableCommands('cancelled', 'assignee')).toEqual([])
  })

  it('runs the clock from dispatch until the feedback is submitted', () => {
    expect(TASK_STATES.filter(clockRuns)).toEqual(['dispatched', 'acknowledged', 'in_progress'])
  })
})

describe('the body of a command', () => {
  it('sends feedback to submit and refuses an empty one', () => {
    expect(actionBody('submit', 3, { text: '  已整改完毕  ' })).toEqual({ body: { revision: 3, feedback: '已整改完毕' } })
    expect(actionBody('submit', 3, { text: '   ' })).toEqual({ error: 'tasks.form.feedbackRequired' })
  })

  it('needs a reason to return, reopen and cancel', () => {
    for (const command of ['return', 'reopen', 'cancel'] as TaskCommand[]) {
      expect(actionBody(command, 1, {})).toEqual({ error: 'tasks.form.reasonRequired' })
      expect(actionBody(command, 1, { text: '不属于本单位职责' })).toEqual({ body: { revision: 1, reason: '不属于本单位职责' } })
    }
  })

  it('sends only the fields a command takes', () => {
    expect(actionBody('acknowledge', 7, { dueAt: 123, assigneeOrgId: 'x' })).toEqual({ body: { revision: 7 } })
    expect(actionBody('reassign', 2, {})).toEqual({ error: 'tasks.form.assigneeRequired' })
    expect(actionBody('reassign', 2, { assigneeOrgId: 'org-b', dueAt: 99 })).toEqual({
      body: { revision: 2, assignee_org_id: 'org-b', due_at: 99 },
    })
    expect(actionBody('dispatch', 1, { dueAt: null })).toEqual({ body: { revision: 1 } })
  })
})

describe('extensions', () => {
  const task = { state: 'in_progress' as TaskState, my_party: 'assignee' as Party, due_at: 10_000 }
  it('are asked by the assignee while working, before the deadline, one at a time', () => {
    expect(canRequestExtension(task, [], 9_999)).toBe(true)
    expect(canRequestExtension(task, [], 10_000)).toBe(false)
    expect(canRequestExtension(task, [{ state: 'pending' }], 0)).toBe(false)
    expect(canRequestExtension(task, [{ state: 'refused' }], 0)).toBe(true)
    expect(canRequestExtension({ ...task, my_party: 'setter' }, [], 0)).toBe(false)
    expect(canRequestExtension({ ...task, state: 'dispatched' }, [], 0)).toBe(false)
  })
  it('are decided by the setter while the clock runs', () => {
    expect(canDecideExtension({ state: 'in_progress', my_party: 'setter' }, { state: 'pending' })).toBe(true)
    expect(canDecideExtension({ state: 'in_progress', my_party: 'assignee' }, { state: 'pending' })).toBe(false)
    expect(canDecideExtension({ state: 'submitted', my_party: 'setter' }, { state: 'pending' })).toBe(false)
    expect(canDecideExtension({ state: 'in_progress', my_party: 'setter' }, { state: 'granted' })).toBe(false)
  })
})

describe('deadlines', () => {
  const now = 1_000_000_000
  it('classifies a running clock as overdue, due soon or on track', () => {
    expect(deadlineStatus({ state: 'in_progress', due_at: now - 1 }, now)).toBe('overdue')
    expect(deadlineStatus({ state: 'dispatched', due_at: now + DUE_SOON_MS }, now)).toBe('due_soon')
    expect(deadlineStatus({ state: 'acknowledged', due_at: now + DUE_SOON_MS + 1 }, now)).toBe('on_track')
  })
  it('never calls a stopped clock overdue', () => {
    for (const state of ['created', 'submitted', 'verified', 'closed', 'returned', 'cancelled'] as TaskState[]) {
      expect(deadlineStatus({ state, due_at: now - 10 }, now)).toBe('stopped')
    }
  })
  it('sorts overdue first, then by the nearest deadline', () => {
    const tasks = [
      { id: 'a', state: 'in_progress' as TaskState, due_at: now + 5 * DUE_SOON_MS },
      { id: 'b', state: 'submitted' as TaskState, due_at: now - 100 },
      { id: 'c', state: 'dispatched' as TaskState, due_at: now - 50 },
      { id: 'd', state: 'acknowledged' as TaskState, due_at: now + 100 },
      { id: 'e', state: 'in_progress' as TaskState, due_at: now + 2 * DUE_SOON_MS },
    ]
    expect(sortByUrgency(tasks, now).map((t) => t.id)).toEqual(['c', 'd', 'e', 'a', 'b'])
  })
})

describe('events about a task', () => {
  it('match by subject or payload, not another task', () => {
    expect(eventIsAbout({ subject: 'task:t1', payload: {} }, 't1')).toBe(true)
    expect(eventIsAbout({ subject: 'x', payload: { task_id: 't1' } }, 't1')).toBe(true)
    expect(eventIsAbout({ subject: 'task:t10', payload: { task_id: 't10' } }, 't1')).toBe(false)
  })
})

describe('file sizes', () => {
  it('pick the unit by magnitude', async () => {
    const { sizeParts } = await import('./tasks')
    expect(sizeParts(512)).toEqual({ key: 'tasks.size.b', n: '512' })
    expect(sizeParts(1536)).toEqual({ key: 'tasks.size.kb', n: '1.5' })
    expect(sizeParts(5 * 1024 * 1024)).toEqual({ key: 'tasks.size.mb', n: '5.0' })
  })
})
