import * as Y from 'yjs'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  agreementEditable, commandBody, raiseSource, eventIsAbout, readDecision, writeDecision, isWorkingDay, ownActions, raiseBody, shownCommands, stageClock, statementEditable, timeline,
  validateRaise, yearsBetween, type Dispute, type Offer, type RaiseForm,
} from './disputes'

const offer = (command: string, allowed: boolean, rule = ''): Offer => ({
  command, label_zh: command, label_en: command, allowed,
  rule_zh: allowed ? null : `规则：${rule || command}`, rule_en: allowed ? null : `rule: ${rule || command}`, rule_code: allowed ? null : `dispute.${rule || command}`,
})
const ALL = ['negotiate', 'settle', 'escalate', 'accept', 'refuse', 'coordinate', 'decide', 'refer', 'record_government_decision', 'implement', 'close', 'withdraw']
const offers = (allowed: string[]) => ALL.map((c) => offer(c, allowed.includes(c)))

/** Beijing wall-clock time as Unix ms. */
const bj = (y: number, m: number, d: number, hh = 0, mm = 0) => Date.UTC(y, m - 1, d, hh - 8, mm)
const endOf = (y: number, m: number, d: number) => bj(y, m, d + 1) - 1

describe('the command buttons', () => {
  it('show what is allowed and, disabled, what is at stake for our side now', () => {
    const raiser = shownCommands({ state: 'raised', my_role: 'raiser', commands: offers(['withdraw']) })
    expect(raiser.map((s) => [s.command, s.offer.allowed])).toEqual([['escalate', false], ['withdraw', true]])
    expect(raiser[0]!.offer.rule_zh).toContain('escalate')
  })

  it('never show another side its commands, nor settling or deciding (signatures do it)', () => {
    const negotiating = shownCommands({ state: 'negotiating', my_role: 'raiser', commands: offers(['settle', 'withdraw']) })
    expect(negotiating.map((s) => s.command)).toEqual(['escalate', 'withdraw'])
    const party = shownCommands({ state: 'raised', my_role: 'party', commands: offers(['negotiate']) })
    expect(party.map((s) => s.command)).toEqual(['negotiate', 'escalate'])
    const bureau = shownCommands({ state: 'coordinating', my_role: 'bureau', commands: offers([]) })
    expect(bureau).toEqual([])
    const escalated = shownCommands({ state: 'escalated', my_role: 'bureau', commands: offers(['accept', 'refuse']) })
    expect(escalated.map((s) => s.command)).toEqual(['accept', 'refuse'])
  })

  it('show nothing refused once the dispute is final, and nothing to a supervisor', () => {
    expect(shownCommands({ state: 'withdrawn', my_role: 'raiser', commands: offers([]) })).toEqual([])
    expect(shownCommands({ state: 'escalated', my_role: 'supervisor', commands: offers([]) })).toEqual([])
  })
})

describe('our own part', () => {
  const party = (org_id: string, over: Partial<Dispute['parties'][number]> = {}) => ({
    org_id, org_name: org_id, role: 'party', role_label_zh: '', role_label_en: '', statement_doc_id: `doc-${org_id}`, ...over,
  })
  const own = (allowed: string[]) => ({
    state_position: offer('state_position', allowed.includes('state_position')),
    give_up: offer('give_up', allowed.includes('give_up')),
    reply: offer('reply', allowed.includes('reply')),
    name_lead: offer('name_lead', allowed.includes('name_lead')),
    convene_consultation: offer('convene_consultation', allowed.includes('convene_consultation')),
  })

  it('offers what the server allows, once: no second 协商不成 or reply', () => {
    const d = { own: own(['state_position', 'give_up']), parties: [party('a'), party('b')] }
    expect(ownActions(d, 'a')).toEqual(['state_position', 'give_up'])
    const said = { own: own(['state_position', 'give_up']), parties: [party('a', { gave_up_at: 5 }), party('b')] }
    expect(ownActions(said, 'a')).toEqual(['state_position'])
    const replied = { own: own(['state_position', 'reply']), parties: [party('a', { replied_at: 9 })] }
    expect(ownActions(replied, 'a')).toEqual(['state_position'])
  })

  it("lets a bureau name the lead and convene a consultation but never write a party's part", () => {
    const d = { own: own(['name_lead', 'convene_consultation']), parties: [party('a')] }
    expect(ownActions(d, 'bureau')).toEqual(['name_lead', 'convene_consultation'])
  })

  it("makes only our own body's statement editable, while positions may change", () => {
    expect(statementEditable({ own: own(['state_position']) }, { org_id: 'a' }, 'a')).toBe(true)
    expect(statementEditable({ own: own(['state_position']) }, { org_id: 'b' }, 'a')).toBe(false)
    expect(statementEditable({ own: own([]) }, { org_id: 'a' }, 'a')).toBe(false)
    expect(statementEditable({ own: own(['state_position']) }, { org_id: 'a' }, null)).toBe(false)
  })
})

describe('the stage clock', () => {
  it('counts the working days after today up to the deadline, weekends left out', () => {
    // Friday 13 March 2026, 10:00; negotiation due at the end of Monday 16 March: one working day.
    const clock = stageClock({ stage: 'negotiation', due_at: endOf(2026, 3, 16) }, bj(2026, 3, 13, 10))
    expect(clock).toEqual({ kind: 'left', days: 1, unit: 'working_days' })
    // From Monday 2 March: 10 working days.
    expect(stageClock({ stage: 'negotiation', due_at: endOf(2026, 3, 16) }, bj(2026, 3, 2, 9))).toEqual({ kind: 'left', days: 10, unit: 'working_days' })
  })

  it("follows the calendar's holidays and worked weekend days", () => {
    const special = new Map<string, 'holiday' | 'workday'>([['2026-03-16', 'holiday'], ['2026-03-14', 'workday']])
    expect(stageClock({ stage: 'acceptance', due_at: endOf(2026, 3, 17) }, bj(2026, 3, 13, 10), special))
      .toEqual({ kind: 'left', days: 2, unit: 'working_days' })
    expect(isWorkingDay(Math.floor((bj(2026, 3, 14) + 8 * 3_600_000) / 86_400_000), special)).toBe(true)
  })

  it('counts calendar days for the decision, says today on the last day, overdue after it', () => {
    expect(stageClock({ stage: 'decision', due_at: endOf(2026, 3, 16) }, bj(2026, 3, 13, 10))).toEqual({ kind: 'left', days: 3, unit: 'calendar_days' })
    expect(stageClock({ stage: 'replies', due_at: endOf(2026, 3, 16) }, bj(2026, 3, 16, 9))).toEqual({ kind: 'today' })
    expect(stageClock({ stage: 'replies', due_at: endOf(2026, 3, 16) }, bj(2026, 3, 17, 0, 1))).toEqual({ kind: 'overdue' })
    expect(stageClock({ stage: 'replies', due_at: endOf(2026, 3, 16), overdue: true }, bj(2026, 3, 13))).toEqual({ kind: 'overdue' })
  })

  it('reads the Beijing day, not the browser zone (late evening UTC is the next day in Beijing)', () => {
    // 2026-03-15 17:00 UTC is Monday 16 March 01:00 in Beijing: the deadline day itself.
    expect(stageClock({ stage: 'negotiation', due_at: endOf(2026, 3, 16) }, Date.UTC(2026, 2, 15, 17))).toEqual({ kind: 'today' })
  })

  it('names the years whose calendars it needs', () => {
    expect(yearsBetween(bj(2026, 12, 28), bj(2027, 1, 8))).toEqual([2026, 2027])
    expect(yearsBetween(bj(2026, 3, 2), bj(2026, 3, 16))).toEqual([2026])
  })
})

describe('the course of a dispute', () => {
  it('lists raising, each 协商不成, escalation, acceptance, replies and the decision in time order', () => {
    const entries = timeline({
      created_at: 1, raised_by_org_id: 'a', escalated_at: 5, accepted_at: 7, decided_at: 11,
      parties: [
        { org_id: 'a', org_name: 'a', role: 'raiser', role_label_zh: '', role_label_en: '', statement_doc_id: 'x', gave_up_at: 3, replied_at: 9 },
        { org_id: 'b', org_name: 'b', role: 'party', role_label_zh: '', role_label_en: '', statement_doc_id: 'y', gave_up_at: 4, replied_at: null },
      ],
    })
    expect(entries.map((e) => [e.key, e.orgId])).toEqual([
      ['raised', 'a'], ['gaveUp', 'a'], ['gaveUp', 'b'], ['escalated', null], ['accepted', null], ['replied', 'a'], ['decided', null],
    ])
  })
})

describe('the raise form', () => {
  const form = (over: Partial<RaiseForm> = {}): RaiseForm => ({
    kind: 'negative', title: ' 占道经营 ', description: '事实', place: '', reference: ' 330102-2026-0042 ', tried: '  ',
    parties: ['m'], position: '不属本单位', legal_basis: '', ...over,
  })

  it('names what is missing', () => {
    expect(validateRaise(form())).toEqual([])
    expect(validateRaise(form({ kind: '', title: ' ', description: '', parties: [], position: '' })))
      .toEqual(['kind', 'title', 'description', 'parties', 'position'])
  })

  it('sends trimmed text and leaves empty optional fields null', () => {
    expect(raiseBody(form())).toEqual({
      kind: 'negative', title: '占道经营', description: '事实', place: null, reference: '330102-2026-0042', tried: null,
      parties: ['m'], position: '不属本单位', legal_basis: null,
    })
  })
})

describe('commands and events', () => {
  it('asks for the words a command needs and names the revision read', () => {
    expect(commandBody('escalate', 3, '')).toEqual({ error: 'disputes.dialog.required.reason' })
    expect(commandBody('escalate', 3, ' 协商不成 ')).toEqual({ body: { command: 'escalate', revision: 3, reason: '协商不成' } })
    expect(commandBody('withdraw', 2, ' ')).toEqual({ error: 'disputes.dialog.required.reason' })
    expect(commandBody('accept', 4, 'ignored')).toEqual({ body: { command: 'accept', revision: 4 } })
  })

  it('matches events about this dispute by subject or payload, not another', () => {
    expect(eventIsAbout({ subject: 'dispute:d1', payload: {} }, 'd1')).toBe(true)
    expect(eventIsAbout({ subject: 'x', payload: { dispute_id: 'd1' } }, 'd1')).toBe(true)
    expect(eventIsAbout({ subject: 'dispute:d10', payload: { dispute_id: 'd10' } }, 'd1')).toBe(false)
  })
})

describe('the calendar for the clock', () => {
  afterEach(() => vi.restoreAllMocks())

  it('reads each year once and counts plain weekdays when it cannot', async () => {
    const fetched: string[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string) => {
      fetched.push(url)
      if (url.endsWith('/2031')) return new Response('nope', { status: 500 })
      return new Response(JSON.stringify({ year: 2030, days: [{ date: '2030-01-01', kind: 'holiday', kind_zh: '', kind_en: '', name: '元旦' }] }), {
        status: 200, headers: { 'Content-Type': 'application/json' },
      })
    }))
    const { specialDays } = await import('./disputes')
    const days = await specialDays([2030, 2031])
    expect(days.get('2030-01-01')).toBe('holiday')
    await specialDays([2030])
    expect(fetched.filter((u) => u.endsWith('/2030'))).toHaveLength(1)
    vi.unstubAllGlobals()
  })
})

describe('raising from a task or a notice', () => {
  it('reads the source from the address and needs no other party then', () => {
    expect(raiseSource({ from_task: 't1' })).toEqual({ kind: 'task', id: 't1' })
    expect(raiseSource({ from_notice: ['n1'] })).toEqual({ kind: 'notice', id: 'n1' })
    expect(raiseSource({ from_task: '' })).toBeNull()
    const form = {
      kind: 'negative' as const, title: '占道经营', description: '不属本街道职责', place: '', reference: '', tried: '',
      parties: [], position: '未列入下放清单', legal_basis: '',
    }
    expect(validateRaise(form)).toEqual(['parties'])
    expect(validateRaise(form, { kind: 'task', id: 't1' })).toEqual([])
    expect(raiseBody(form, { kind: 'task', id: 't1' })).toMatchObject({ from_task_id: 't1', parties: [] })
    expect(raiseBody(form, { kind: 'notice', id: 'n1' })).toMatchObject({ from_notice_id: 'n1' })
    expect(raiseBody(form)).not.toHaveProperty('from_task_id')
  })
})

describe('who writes the agreement', () => {
  it('the parties, while they have not escalated; never the bureau', () => {
    expect(agreementEditable({ my_role: 'raiser', state: 'negotiating' })).toBe(true)
    expect(agreementEditable({ my_role: 'party', state: 'raised' })).toBe(true)
    expect(agreementEditable({ my_role: 'party', state: 'escalated' })).toBe(false)
    expect(agreementEditable({ my_role: 'bureau', state: 'negotiating' })).toBe(false)
  })
})

describe('the decision fields', () => {
  it('reads what the live document holds and writes one field at a time', () => {
    const doc = new Y.Doc()
    expect(readDecision(doc)).toEqual({ responsible_org_id: '', duty: '', deadline: '' })
    writeDecision(doc, 'responsible_org_id', 'org-a')
    writeDecision(doc, 'deadline', '2026-04-30')
    expect(readDecision(doc)).toEqual({ responsible_org_id: 'org-a', duty: '', deadline: '2026-04-30' })
    // What another client wrote arrives through an update and reads the same.
    const other = new Y.Doc()
    Y.applyUpdate(other, Y.encodeStateAsUpdate(doc))
    writeDecision(other, 'duty', '依法查处')
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(other))
    expect(readDecision(doc).duty).toBe('依法查处')
  })

  it('keep the agreement\'s terms apart from the decision\'s', () => {
    const doc = new Y.Doc()
    writeDecision(doc, 'duty', '由区市场监管局查处', 'agreement')
    expect(readDecision(doc, 'agreement').duty).toBe('由区市场监管局查处')
    expect(readDecision(doc).duty).toBe('')
  })
})
