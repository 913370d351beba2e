import { describe, expect, it } from 'vitest'
import {
  agendaActions, checkKey, CHECK_NAMES, createBody, kindsFor, mayAnswer, mayConvene, meetingCommands, orgLabel, participants, toMs,
  validateCreate, type CreateForm, type Meeting,
} from './meetings'

const now = Date.UTC(2026, 2, 1)
const hour = 3600_000

function form(over: Partial<CreateForm> = {}): CreateForm {
  return {
    kind: 'consultation', title: '联合执法会商', starts_at: now + 48 * hour, ends_at: now + 50 * hour,
    reply_due_at: now + 24 * hour, place: '三楼会议室', online_link: '', invited: ['o-market', 'o-police'],
    observers: ['o-police'], ...over,
  }
}

describe('meeting creation', () => {
  it('accepts a complete form and builds the request body', () => {
    expect(validateCreate(form(), now)).toEqual([])
    expect(createBody(form())).toEqual({
      kind: 'consultation', title: '联合执法会商', starts_at: now + 48 * hour, ends_at: now + 50 * hour,
      place: '三楼会议室', online_link: null, reply_due_at: now + 24 * hour,
      invited: [{ org_id: 'o-market', role: 'member' }, { org_id: 'o-police', role: 'observer' }],
    })
  })

  it('names every problem', () => {
    expect(validateCreate(form({ kind: '', title: ' ', invited: [] }), now)).toEqual(['kind', 'title', 'invited'])
    expect(validateCreate(form({ starts_at: now - hour }), now)).toContain('startsPast')
    expect(validateCreate(form({ ends_at: now + 47 * hour }), now)).toContain('endsBeforeStart')
    expect(validateCreate(form({ reply_due_at: now + 49 * hour }), now)).toContain('replyDue')
    expect(validateCreate(form({ place: '', online_link: '' }), now)).toContain('venue')
    expect(validateCreate(form({ place: '', online_link: 'meet.example' }), now)).toEqual(['link'])
    expect(validateCreate(form({ place: '', online_link: 'https://meet.example/r/1' }), now)).toEqual([])
  })

  it('offers the annual meeting to judicial bureaus only', () => {
    expect(kindsFor('judicial_bureau')).toContain('annual')
    expect(kindsFor('enforcement_department')).toEqual(['consultation', 'case_consultation', 'joint'])
    expect(mayConvene({ org_id: 'o1' })).toBe(true)
    expect(mayConvene({ org_id: null })).toBe(false)
  })

  it('reads picker values', () => {
    expect(toMs(1700000000000)).toBe(1700000000000)
    expect(toMs('1700000000000')).toBe(1700000000000)
    expect(toMs('')).toBeNull()
    expect(toMs(null)).toBeNull()
  })
})

const meeting = (over: Partial<Meeting> = {}) =>
  ({
    state: 'in_progress', my_role: 'convener', convener_org_id: 'o-bureau', convener_name: '上城区司法局',
    invitations: [
      { org_id: 'o-market', org_name: '市场监管局', role: 'member' },
      { org_id: 'o-police', org_name: '公安分局', role: 'observer' },
    ],
    ...over,
  }) as Meeting

describe('what the room offers', () => {
  it('follows the agenda rules', () => {
    expect(agendaActions(meeting({ state: 'scheduled', my_role: 'invitee' }), 'o-market').propose).toBe(true)
    expect(agendaActions(meeting({ state: 'scheduled', my_role: 'invitee' }), 'o-police').propose).toBe(false)
    expect(agendaActions(meeting({ state: 'in_progress' }), 'o-bureau')).toEqual({ propose: false, decide: true, outcome: true })
  })

  it('lists the participating bodies with the convener first', () => {
    expect(participants(meeting()).map((p) => p.org_id)).toEqual(['o-bureau', 'o-market', 'o-police'])
  })

  it('names bodies in the reader’s language', () => {
    expect(orgLabel({ name_zh: '上城区司法局', name_en: 'Bureau' }, 'en')).toBe('Bureau')
    expect(orgLabel({ name_zh: '上城区司法局', name_en: '' }, 'en')).toBe('上城区司法局')
    expect(orgLabel({ name_zh: '上城区司法局', name_en: 'Bureau' }, 'zh-CN')).toBe('上城区司法局')
  })

  it('turns check names into message keys', () => {
    expect(CHECK_NAMES.map(checkKey)).toContain('canonical_form')
    expect(checkKey('crdt state')).toBe('crdt_state')
  })
})

describe('the meeting commands', () => {
  const offer = (command: string, allowed: boolean) => ({
    command, label_zh: command, label_en: command, allowed, rule_zh: allowed ? null : `not ${command} now`, rule_en: allowed ? null : `not ${command} now`, rule_code: allowed ? null : 'x.rule',
  })
  it('are the ones the server allows a person, in the server order', () => {
    const command_offers = [
      offer('issue_notice', false), offer('start', true), offer('end', false), offer('postpone', true),
      offer('cancel', true), offer('close', true),
    ]
    expect(meetingCommands({ command_offers })).toEqual(['start', 'postpone', 'cancel'])
    expect(meetingCommands({ command_offers: [] })).toEqual([])
  })
})

describe('an invitation', () => {
  const offer = (command: string, allowed: boolean) => ({
    command, label_zh: command, label_en: command, allowed, rule_zh: allowed ? null : 'only the invited body itself may answer its invitation', rule_en: allowed ? null : 'only the invited body itself may answer its invitation', rule_code: allowed ? null : 'x.rule',
  })
  it('is answered when the server offers its answers', () => {
    expect(mayAnswer({ commands: ['confirm', 'delegate', 'decline'].map((c) => offer(c, true)) })).toBe(true)
    expect(mayAnswer({ commands: ['confirm', 'delegate', 'decline'].map((c) => offer(c, false)) })).toBe(false)
    expect(mayAnswer(null)).toBe(false)
  })
})
