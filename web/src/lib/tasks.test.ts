import { describe, expect, it } from 'vitest'
import type { CommandOffer } from './commands'
import {
  TASK_STATES, actionBody, availableCommands, canDecideExtension, canRequestExtension,
  clockRuns, deadlineStatus, eventIsAbout, sortByUrgency, sourceLink, DUE_SOON_MS,
  type TaskCommand, type TaskState,
} from './tasks'

/** An offer as the server sends it: allowed, or refused with `rule`. */
const offer = (command: string, rule: string | null = null): CommandOffer => ({
  command, label_zh: command, label_en: command, allowed: rule === null,
  rule_zh: rule, rule_en: rule, rule_code: rule && `task.${command}`,
})

describe('the commands of a task', () => {
  it('are the ones the server allows, in the server order', () => {
    const commands = [
      offer('dispatch', 'a task can be dispatched only while it is a draft; it is now acknowledged'),
      offer('start'),
      offer('submit'),
      offer('return'),
      offer('cancel', 'only the setting body may cancel a task'),
    ]
    expect(availableCommands({ commands })).toEqual(['start', 'submit', 'return'])
    expect(availableCommands({ commands: [] })).toEqual([])
  })

  it('leave out a command this client does not know how to give', () => {
    expect(availableCommands({ commands: [offer('escalate'), offer('verify')] })).toEqual(['verify'])
  })

  it('run the clock from dispatch until the feedback is submitted', () => {
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
  it('are asked for when the server offers it', () => {
    expect(canRequestExtension({ extension_commands: [offer('request_extension'), offer('decide_extension', 'no')] })).toBe(true)
    expect(canRequestExtension({ extension_commands: [offer('request_extension', 'only the assigned body may ask')] })).toBe(false)
  })
  it('are decided when the server offers it, for a pending request only', () => {
    const task = { extension_commands: [offer('request_extension', 'no'), offer('decide_extension')] }
    expect(canDecideExtension(task, { state: 'pending' })).toBe(true)
    expect(canDecideExtension(task, { state: 'granted' })).toBe(false)
    expect(canDecideExtension({ extension_commands: [offer('decide_extension', 'only the setting body')] }, { state: 'pending' })).toBe(false)
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

describe('the page a task came from', () => {
  it('is the page its reference names', () => {
    expect(sourceLink({ source: 'dispute_decision', source_ref: 'dispute:d1' })).toBe('/disputes/d1')
  })

  it('is the group for a task of a joint investigation group, whose reference is the bare group id', () => {
    expect(sourceLink({ source: 'investigation', source_ref: 'g-1' })).toBe('/investigations/g-1')
    expect(sourceLink({ source: 'investigation', source_ref: 'investigation:g-1' })).toBe('/investigations/g-1')
  })

  it('is none for a bare reference of another source, an unsafe one, or none at all', () => {
    expect(sourceLink({ source: 'direct', source_ref: 'g-1' })).toBeNull()
    expect(sourceLink({ source: 'investigation', source_ref: '../admin' })).toBeNull()
    expect(sourceLink({ source: 'investigation', source_ref: null })).toBeNull()
  })
})
