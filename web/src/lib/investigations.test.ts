import { afterEach, describe, expect, it, vi } from 'vitest'
import { KINDS } from './events'
import messages from '../i18n/messages/investigations'
import {
  actOnGroup, answerMembership, archivedVersions, commandBody, dossierManifest, dossierSections, eventIsAbout, freezeDossier, listGroups, loadGroup, markAttention,
  membershipBody, myBody, partCounts, partOf, proposalBody, proposeGroup, reportDocument, reportEditable, shownCommands, shownFreezeDossier,
  shownMembership, validateProposal, emptyProposal, type Group, type GroupMember, type Offer, writersIn,
} from './investigations'

const offer = (command: string, allowed: boolean): Offer => ({
  command, label_zh: command, label_en: command, allowed,
  rule_zh: allowed ? null : `规则：${command}`, rule_en: allowed ? null : `rule: ${command}`, rule_code: allowed ? null : `investigation.${command}`,
})
const offers = (all: string[], allowed: string[]) => all.map((c) => offer(c, allowed.includes(c)))
const GROUP = ['form', 'start', 'conclude', 'archive', 'dissolve']
const MEMBER = ['confirm', 'decline', 'leave']

function member(org: string, extra: Partial<GroupMember> = {}): GroupMember {
  return {
    org_id: org, org_name: `单位${org}`, lead: false, state: 'confirmed', state_label_zh: '已确认', state_label_en: 'Confirmed',
    section_doc_id: `sec-${org}`, responsible_person: null, contact: null, reason: null, answered_at: null, left_at: null, ...extra,
  }
}

function group(extra: Partial<Group> = {}): Group {
  return {
    id: 'g1', case_name: '案件', case_number: null, summary: '摘要', areas: '领域', public_attention: false,
    confidentiality: 'internal', confidentiality_label_zh: '内部', confidentiality_label_en: 'Internal', region: '330102',
    lead_org_id: 'lead', lead_name: '市场监管局', state: 'active', state_label_zh: '调查中', state_label_en: 'Active', revision: 3,
    your_part: 'member', your_part_label_zh: '成员单位', your_part_label_en: 'Member', reads_dossier: true, dossier_frozen: false,
    summary_doc_id: 'sum', conclusions_doc_id: 'con', reported_org_id: null, reported_at: null, reason: null,
    formed_at: null, started_at: null, concluded_at: null, created_at: 1, updated_at: 2,
    members: [member('lead', { lead: true }), member('police'), member('town')], related: [],
    commands: offers(GROUP, []), membership: offers(MEMBER, ['leave']), mark_attention: offer('mark_attention', false),
    report_doc_id: null, freeze_dossier: offer('freeze_dossier', false),
    ...extra,
  }
}

describe('the command buttons', () => {
  it('show the lead what is allowed and, disabled, what is at stake now', () => {
    const shown = shownCommands({ state: 'proposed', your_part: 'lead', commands: offers(GROUP, ['dissolve']) })
    expect(shown.map((s) => [s.command, s.offer.allowed])).toEqual([['form', false], ['dissolve', true]])
    expect(shown[0]!.offer.rule_zh).toContain('form')
  })
  it('never show a member the lead’s commands, nor concluding (the report’s signature does it)', () => {
    expect(shownCommands({ state: 'proposed', your_part: 'member', commands: offers(GROUP, []) })).toEqual([])
    expect(shownCommands({ state: 'formed', your_part: 'member', commands: offers(GROUP, ['start']) }).map((s) => s.command)).toEqual(['start'])
    expect(shownCommands({ state: 'active', your_part: 'lead', commands: offers(GROUP, ['conclude', 'dissolve']) }).map((s) => s.command)).toEqual(['dissolve'])
    expect(shownCommands({ state: 'dissolved', your_part: 'lead', commands: offers(GROUP, []) })).toEqual([])
    expect(shownCommands({ state: 'active', your_part: 'supervisor', commands: offers(GROUP, []) })).toEqual([])
  })
  it('offer only the membership answers the server allows', () => {
    expect(shownMembership({ membership: offers(MEMBER, ['confirm', 'decline']) }).map((s) => s.command)).toEqual(['confirm', 'decline'])
    expect(shownMembership({ membership: offers(MEMBER, []) })).toEqual([])
  })
})

describe('the dossier', () => {
  it('lists the summary, the lead’s section, ours, the others, then the conclusions; ours alone editable', () => {
    const s = dossierSections(group(), 'town')
    expect(s.map((x) => x.key)).toEqual(['summary', 'lead', 'town', 'police', 'conclusions'])
    expect(s.filter((x) => x.editable).map((x) => x.key)).toEqual(['town'])
    expect(s.find((x) => x.key === 'police')!.orgName).toBe('单位police')
  })
  it('lets the lead write the summary, the conclusions and its own section, not a member’s', () => {
    const s = dossierSections(group({ your_part: 'lead' }), 'lead')
    expect(s.filter((x) => x.editable).map((x) => x.key)).toEqual(['summary', 'lead', 'conclusions'])
  })
  it('writes nothing once the group is over, and shows a section of a body that left as frozen', () => {
    const left = group({ state: 'dissolved', members: [member('lead', { lead: true }), member('police', { state: 'left' })] })
    const s = dossierSections(left, 'lead')
    expect(s.some((x) => x.editable)).toBe(false)
    expect(s.find((x) => x.key === 'police')!.frozen).toBe(true)
  })
  it('shows nothing the server gave no document for: an invited body none, a reported bureau the summary and conclusions', () => {
    const invited = group({ your_part: 'invited', reads_dossier: false, summary_doc_id: null, conclusions_doc_id: null,
      members: [member('lead', { lead: true, section_doc_id: null }), member('police', { state: 'invited', section_doc_id: null })] })
    expect(dossierSections(invited, 'police')).toEqual([])
    const reported = group({ your_part: 'supervisor', reads_dossier: false, members: invited.members })
    expect(dossierSections(reported, 'bureau').map((x) => [x.key, x.editable])).toEqual([['summary', false], ['conclusions', false]])
  })
  it('finds our own body among the group’s', () => {
    expect(myBody(group(), 'police')?.org_id).toBe('police')
    expect(myBody(group(), 'nobody')).toBeNull()
  })
})

describe('the list', () => {
  it('counts the groups by our part', () => {
    const c = partCounts([{ your_part: 'lead' }, { your_part: 'member' }, { your_part: 'member' }, { your_part: 'supervisor' }])
    expect(c).toEqual({ all: 4, lead: 1, member: 2, invited: 0, supervisor: 1 })
    expect(partOf({ your_part: 'invited' })).toBe('invited')
  })
  it('knows the events about a group', () => {
    expect(eventIsAbout({ subject: 'investigation:g1' }, 'g1')).toBe(true)
    expect(eventIsAbout({ subject: 'notice:n', payload: { investigation_id: 'g1' } }, 'g1')).toBe(true)
    expect(eventIsAbout({ subject: 'investigation:g2' }, 'g1')).toBe(false)
  })
})

describe('the proposal', () => {
  it('names what is missing, and a body both invited and related', () => {
    expect(validateProposal(emptyProposal())).toEqual(['case_name', 'summary', 'areas', 'members'])
    const f = { ...emptyProposal(), case_name: 'x', summary: 'y', areas: 'z', members: ['a'], related: ['a'] }
    expect(validateProposal(f)).toEqual(['related'])
  })
  it('sends the trimmed fields, leaving an empty case number out', () => {
    const f = { ...emptyProposal(), case_name: ' 案 ', summary: ' 摘要 ', areas: ' 领域 ', members: ['a', 'b'], related: ['c'], public_attention: true, confidentiality: 'sensitive' as const }
    expect(proposalBody(f)).toEqual({
      case_name: '案', summary: '摘要', areas: '领域', public_attention: true, confidentiality: 'sensitive', members: ['a', 'b'], related: ['c'],
    })
    expect(proposalBody({ ...f, case_number: ' 2026-01 ' }).case_number).toBe('2026-01')
  })
  it('asks a reason to dissolve, decline or leave, and a person and contact to confirm', () => {
    expect(commandBody('form', 3)).toEqual({ body: { command: 'form', revision: 3 } })
    expect(commandBody('dissolve', 3, ' ')).toEqual({ error: 'investigations.dialog.required.reason' })
    expect(commandBody('dissolve', 3, ' 撤案 ')).toEqual({ body: { command: 'dissolve', revision: 3, reason: '撤案' } })
    expect(membershipBody('confirm', { responsible_person: '陈', contact: '' })).toEqual({ error: 'investigations.dialog.required.contact' })
    expect(membershipBody('confirm', { responsible_person: ' 陈 ', contact: ' 电话 ' })).toEqual({ body: { command: 'confirm', responsible_person: '陈', contact: '电话' } })
    expect(membershipBody('leave', { reason: '' })).toEqual({ error: 'investigations.dialog.required.reason' })
    expect(membershipBody('decline', { reason: '不属职责' })).toEqual({ body: { command: 'decline', reason: '不属职责' } })
  })
})

describe('the requests', () => {
  afterEach(() => vi.unstubAllGlobals())
  it('go to the group routes with the bodies the server reads', async () => {
    const calls: { url: string; method: string; body: unknown }[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : null })
      const answer = url === '/api/investigations' && (init.method ?? 'GET') === 'GET' ? { groups: [group()] } : group()
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } })
    }))
    expect((await listGroups())[0]!.id).toBe('g1')
    await loadGroup('a/b')
    await proposeGroup(proposalBody({ ...emptyProposal(), case_name: 'x', summary: 'y', areas: 'z', members: ['m'] }))
    await actOnGroup('g1', { command: 'form', revision: 3 })
    await answerMembership('g1', { command: 'leave', reason: '原因' })
    await markAttention('g1', 4)
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/investigations',
      'GET /api/investigations/a%2Fb',
      'POST /api/investigations',
      'POST /api/investigations/g1/actions',
      'POST /api/investigations/g1/membership',
      'POST /api/investigations/g1/attention',
    ])
    expect(calls[5]!.body).toEqual({ revision: 4 })
    expect(calls[4]!.body).toEqual({ command: 'leave', reason: '原因' })
  })
})

describe('presence in a section', () => {
  it('names those with a caret in it, ourselves by our own id', () => {
    const states = new Map<number, Record<string, unknown>>([
      [1, { user: { name: '李华' }, cursor: { anchor: 1, head: 1 } }],
      [2, { user: { name: '王强', id: 'u-police' }, cursor: { anchor: 3, head: 3 } }],
      [3, { user: { name: '刘芳', id: 'u-town' }, cursor: null }],
      [4, { user: { name: '刘芳', id: 'u-town' } }],
    ])
    expect([...writersIn(states, 1, { id: 'u-market' })].sort()).toEqual(['u-market', 'u-police'])
    expect([...writersIn(new Map(), 1)]).toEqual([])
  })
})

describe('the group events', () => {
  it('are all listened to on the stream and named in the inbox', () => {
    const listened = KINDS.filter((k) => k.startsWith('investigation.')).map((k) => k.slice('investigation.'.length)).sort()
    expect(Object.keys(messages['zh-CN'].inbox.event.investigation).sort()).toEqual(listened)
    expect(listened).toContain('member_confirmed')
    // The evidence of a section, added or withdrawn by another body, reaches the open pages
    // only when the stream listens for its kinds (an SSE event of an unknown name is dropped).
    expect(listened).toEqual(expect.arrayContaining(['evidence_added', 'evidence_withdrawn']))
  })
})

describe('the conclusion: the frozen dossier and the report', () => {
  afterEach(() => vi.unstubAllGlobals())
  it('makes every section read-only once the lead froze the dossier, the frozen mark on each', () => {
    const open = dossierSections(group({ your_part: 'lead' }), 'lead')
    expect(open.filter((s) => s.editable).map((s) => s.key)).toEqual(['summary', 'lead', 'conclusions'])
    const frozen = dossierSections(group({ your_part: 'lead', dossier_frozen: true, report_doc_id: 'rep' }), 'lead')
    expect(frozen.map((s) => [s.key, s.editable, s.frozen])).toEqual([
      ['summary', false, true], ['lead', false, true], ['police', false, true], ['town', false, true], ['conclusions', false, true],
    ])
  })
  it('offers the lead the freeze button, disabled with its rule when refused, and never a member or once frozen', () => {
    expect(shownFreezeDossier(group({ your_part: 'lead', freeze_dossier: offer('freeze_dossier', true) }))?.allowed).toBe(true)
    const refused = shownFreezeDossier(group({ your_part: 'lead' }))
    expect(refused?.allowed).toBe(false)
    expect(refused?.rule_zh).toContain('freeze_dossier')
    expect(shownFreezeDossier(group({ your_part: 'member' }))).toBeNull()
    expect(shownFreezeDossier(group({ your_part: 'lead', dossier_frozen: true, report_doc_id: 'rep' }))).toBeNull()
    expect(shownFreezeDossier(group({ your_part: 'lead', state: 'formed' }))).toBeNull()
  })
  it('lets the lead alone type into the report, while it is a draft of an active group', () => {
    const lead = group({ your_part: 'lead', dossier_frozen: true, report_doc_id: 'rep' })
    expect(reportEditable(lead, 'draft')).toBe(true)
    expect(reportEditable(lead, null)).toBe(true)
    for (const state of ['frozen', 'signing', 'signed', 'archived'] as const) expect(reportEditable(lead, state)).toBe(false)
    expect(reportEditable({ ...lead, state: 'concluded' }, 'draft')).toBe(false)
    expect(reportEditable({ ...lead, your_part: 'member' }, 'draft')).toBe(false)
    expect(reportEditable({ ...lead, report_doc_id: null }, 'draft')).toBe(false)
  })
  it('reads the dossier manifest of a frozen report, each section with its body and digest', () => {
    const content = {
      schema: 'concord.investigation-report/1',
      dossier: [
        { doc_id: 's1', title: '上城区公安分局调查情况', owner: { org_id: 'police', name: '上城区公安分局' }, content_sha256: 'ab'.repeat(32), evidence: [{}, {}] },
        { doc_id: 's2', title: '调查结论', owner: { org_id: 'lead', name: '上城区市场监督管理局' }, content_sha256: 'cd'.repeat(32) },
        { doc_id: 's3', owner: {}, content_sha256: 'ef' },
      ],
    }
    expect(dossierManifest(content)).toEqual([
      { title: '上城区公安分局调查情况', owner: '上城区公安分局', sha256: 'ab'.repeat(32), evidence: 2 },
      { title: '调查结论', owner: '上城区市场监督管理局', sha256: 'cd'.repeat(32), evidence: 0 },
    ])
    expect(dossierManifest(null)).toEqual([])
    expect(dossierManifest({ dossier: 'x' })).toEqual([])
  })
  it('lists the archived versions newest first', () => {
    const v = (version: number, state: 'archived' | 'superseded') => ({ version, state, manifest_sha256: 'h', reopen_reason: null, frozen_at: 1 })
    expect(archivedVersions({ versions: [v(1, 'archived'), v(2, 'superseded'), v(3, 'archived')] }).map((x) => x.version)).toEqual([3, 1])
    expect(archivedVersions(null)).toEqual([])
  })
  it('freezes the dossier and acts on the report at the server’s addresses', async () => {
    const calls: [string, string, unknown][] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit) => {
      calls.push([init.method ?? 'GET', url, init.body ? JSON.parse(String(init.body)) : null])
      return new Response(JSON.stringify({}), { status: 200, headers: { 'content-type': 'application/json' } })
    }))
    await freezeDossier('g 1', 7)
    const report = reportDocument('g 1')
    await report.freeze()
    await report.openSigning(2)
    await report.archive(2)
    expect(calls).toEqual([
      ['POST', '/api/investigations/g%201/dossier/freeze', { revision: 7 }],
      ['POST', '/api/investigations/g%201/report/actions', { act: 'freeze' }],
      ['POST', '/api/investigations/g%201/report/actions', { act: 'open_signing', version: 2 }],
      ['POST', '/api/investigations/g%201/report/actions', { act: 'archive', version: 2 }],
    ])
    expect(report.bundleUrl(2)).toBe('/api/investigations/g%201/report/versions/2/bundle.zip')
  })
})
