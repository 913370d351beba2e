import { describe, expect, it } from 'vitest'
import {
  clockStanding, commandBody, decision, copyTargets, createBody, emptyForm, eventIsAbout, itemCounts, itemNames, needsCopy, otherBody,
  raiseDisputeLink, receiversFor, shownCommands, validateForm, type Offer, type Referral, type ReferralForm,
} from './referrals'
import { raiseBody, raiseSource } from './disputes'

const offer = (command: string, allowed: boolean, rule_zh: string | null = null): Offer => ({
  command, label_zh: command, label_en: command, allowed, rule_zh, rule_en: rule_zh, rule_code: null,
})

/** Every command the server offers, as `kernel::offers` does: allowed ones and refused ones. */
const ALL = ['submit', 'approve', 'send_back', 'send', 'receive', 'accept', 'not_accept', 'return', 'dispute', 'feedback', 'close', 'withdraw']
const offers = (allowed: string[], rules: Record<string, string> = {}) =>
  ALL.map((c) => offer(c, allowed.includes(c), allowed.includes(c) ? null : rules[c] ?? '不可'))

describe('the command buttons', () => {
  it('show the receiver its desk: 受理 refused with its rule until every item is received', () => {
    const r = {
      state: 'received' as const, your_part: 'receiver' as const,
      commands: offers(['not_accept', 'return'], { accept: '案件材料尚未全部签收确认，补齐后方可受理' }),
    }
    const shown = shownCommands(r)
    expect(shown.map((s) => [s.command, s.offer.allowed])).toEqual([['accept', false], ['not_accept', true], ['return', true]])
    expect(shown[0]!.offer.rule_zh).toContain('补齐后方可受理')
  })

  it('never show a body another party\'s buttons, nor the server\'s own 提请争议协调', () => {
    const officer = shownCommands({ state: 'pending_approval', your_part: 'officer', commands: offers(['withdraw']) })
    expect(officer.map((s) => s.command)).toEqual(['withdraw'])
    const head = shownCommands({ state: 'pending_approval', your_part: 'head', commands: offers(['approve', 'send_back', 'withdraw']) })
    expect(head.map((s) => s.command)).toEqual(['approve', 'send_back', 'withdraw'])
    const returned = shownCommands({ state: 'returned', your_part: 'receiver', commands: offers([]) })
    expect(returned).toEqual([])
  })

  it('show a copied procuratorate and a supervisor nothing', () => {
    for (const part of ['copied', 'supervisor'] as const) {
      expect(shownCommands({ state: 'sent', your_part: part, commands: offers([]) })).toEqual([])
    }
  })

  it('ask for the words a command needs and name the revision read', () => {
    expect(commandBody('not_accept', 3, ' ')).toEqual({ error: 'referrals.dialog.required.reason' })
    expect(commandBody('feedback', 3, '')).toEqual({ error: 'referrals.dialog.required.feedback' })
    expect(commandBody('not_accept', 3, ' 不构成犯罪 ')).toEqual({ body: { command: 'not_accept', revision: 3, reason: '不构成犯罪' } })
    expect(commandBody('receive', 4, ' 王强 ')).toEqual({ body: { command: 'receive', revision: 4, person: '王强' } })
    expect(commandBody('receive', 4, '')).toEqual({ body: { command: 'receive', revision: 4 } })
    expect(commandBody('accept', 5, '上公(刑)立字〔2026〕12号')).toEqual({ body: { command: 'accept', revision: 5, case_number: '上公(刑)立字〔2026〕12号' } })
    expect(commandBody('send', 6, 'ignored')).toEqual({ body: { command: 'send', revision: 6 } })
  })
})

describe('the referral form', () => {
  const orgs = [
    { id: 'me', kind: 'enforcement_department' },
    { id: 'police', kind: 'public_security' },
    { id: 'proc', kind: 'procuratorate' },
    { id: 'town', kind: 'township_government' },
    { id: 'other', kind: 'enforcement_department' },
    { id: 'disc', kind: 'discipline_inspection' },
  ]

  it('offers only the bodies that may receive the kind, never one\'s own', () => {
    expect(receiversFor(orgs, 'criminal', 'me').map((o) => o.id)).toEqual(['police'])
    expect(receiversFor(orgs, 'jurisdiction', 'me').map((o) => o.id)).toEqual(['town', 'other'])
    expect(receiversFor(orgs, 'clue', 'me').map((o) => o.id)).toEqual(['disc'])
    expect(receiversFor(orgs, '', 'me')).toEqual([])
    expect(copyTargets(orgs).map((o) => o.id)).toEqual(['proc'])
    expect(needsCopy('criminal')).toBe(true)
    expect(needsCopy('jurisdiction')).toBe(false)
  })

  const filled = (over: Partial<ReferralForm> = {}): ReferralForm => ({
    kind: 'criminal', receiver_org_id: 'police', copy_org_id: 'proc', case_name: ' 销售假冒注册商标食品案 ', case_number: ' ',
    facts: '事实', legal_basis: '依据', items: [' 现场检查笔录 ', '', '抽样检验报告'], ...over,
  })

  it('names what is missing, the procuratorate copy for a suspected crime', () => {
    expect(validateForm(filled())).toEqual([])
    expect(validateForm(emptyForm())).toEqual(['kind', 'receiver', 'caseName', 'facts', 'legalBasis', 'items'])
    expect(validateForm(filled({ copy_org_id: '' }))).toEqual(['copy'])
    expect(validateForm(filled({ kind: 'jurisdiction', copy_org_id: '' }))).toEqual([])
    expect(validateForm(filled({ items: ['笔录', ' 笔录 '] }))).toEqual(['duplicate'])
    expect(validateForm(filled({ items: Array.from({ length: 51 }, (_, i) => `材料${i}`) }))).toEqual(['tooMany'])
  })

  it('sends trimmed names, no empty rows, no copy for a kind that takes none', () => {
    expect(itemNames([' a ', '', '  ', 'b'])).toEqual(['a', 'b'])
    expect(createBody(filled())).toEqual({
      kind: 'criminal', receiver_org_id: 'police', copy_org_id: 'proc', case_name: '销售假冒注册商标食品案', case_number: null,
      facts: '事实', legal_basis: '依据', items: ['现场检查笔录', '抽样检验报告'],
    })
    expect(createBody(filled({ kind: 'jurisdiction', receiver_org_id: 'town' })).copy_org_id).toBeNull()
  })
})

describe('what the pages show', () => {
  const r = { referrer_name: '上城区市场监督管理局', receiver_name: '上城区公安分局' }

  it('names the other body by the caller\'s part', () => {
    expect(otherBody({ ...r, your_part: 'officer' })).toEqual({ role: 'receiver', name: '上城区公安分局' })
    expect(otherBody({ ...r, your_part: 'head' }).role).toBe('receiver')
    expect(otherBody({ ...r, your_part: 'receiver' })).toEqual({ role: 'referrer', name: '上城区市场监督管理局' })
    expect(otherBody({ ...r, your_part: 'copied' })).toEqual({ role: 'both', name: '上城区市场监督管理局 → 上城区公安分局' })
  })

  it('marks a clock overdue once its time passed, by the server\'s word or the time', () => {
    expect(clockStanding(null, 10)).toBe('none')
    expect(clockStanding({ due_at: 100, overdue: false }, 50)).toBe('running')
    expect(clockStanding({ due_at: 100, overdue: false }, 101)).toBe('overdue')
    expect(clockStanding({ due_at: 100, overdue: true }, 50)).toBe('overdue')
  })

  it('tells the receiver\'s decision from the state and the record, whatever came after', () => {
    expect(decision({ state: 'received', decided_at: null, feedback_at: null })).toBeNull()
    expect(decision({ state: 'accepted', decided_at: 5, feedback_at: null })).toBe('accepted')
    expect(decision({ state: 'closed', decided_at: 5, feedback_at: 9 })).toBe('accepted')
    expect(decision({ state: 'not_accepted', decided_at: 5, feedback_at: null })).toBe('not_accepted')
    expect(decision({ state: 'closed', decided_at: 5, feedback_at: null })).toBe('not_accepted')
  })

  it('counts the checklist\'s items by what the receiver found', () => {
    expect(itemCounts([{ state: 'received' }, { state: 'missing' }, { state: 'pending' }, { state: 'received' }]))
      .toEqual({ pending: 1, received: 2, missing: 1 })
  })

  it('matches events about this referral only', () => {
    expect(eventIsAbout({ subject: 'referral:r1' }, 'r1')).toBe(true)
    expect(eventIsAbout({ subject: 'referral:r10' }, 'r1')).toBe(false)
    expect(eventIsAbout({ subject: 'dispute:d1', payload: { referral_id: 'r1' } }, 'r1')).toBe(true)
  })
})

describe('a returned referral goes on as a jurisdiction dispute', () => {
  const base = { id: 'r 1', state: 'returned', your_part: 'receiver', dispute_id: null } as Pick<Referral, 'id' | 'state' | 'your_part' | 'dispute_id'>

  it('links the receiver to the dispute form naming the referral, and nobody else', () => {
    expect(raiseDisputeLink(base)).toBe('/disputes/new?from_referral=r%201')
    expect(raiseDisputeLink({ ...base, your_part: 'officer' })).toBeNull()
    expect(raiseDisputeLink({ ...base, state: 'received' })).toBeNull()
    expect(raiseDisputeLink({ ...base, dispute_id: 'd1' })).toBeNull()
  })

  it('the dispute form sends the referral it comes from', () => {
    const source = raiseSource({ from_referral: 'r1' })
    expect(source).toEqual({ kind: 'referral', id: 'r1' })
    const form = {
      kind: 'negative' as const, title: '案', description: '不属本单位管辖', place: '', reference: '', tried: '',
      parties: [], position: '应由他单位管辖', legal_basis: '',
    }
    expect(raiseBody(form, source)).toMatchObject({ from_referral_id: 'r1', parties: [] })
    expect(raiseBody(form, source)).not.toHaveProperty('from_task_id')
  })
})
