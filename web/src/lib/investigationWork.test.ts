import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from './api'
import {
  assignBody, assignableBodies, assignGroupTask, boardUrl, emptyAssign, emptyNotice, isTooLarge, listEvidence, loadBoard, noticeBody,
  receiptTagType, receiptsOf, sectionEvidence, sendGroupNotice, shortHash, touchesGroup, uploadEvidence, uploadUrl, withdrawBody,
  withdrawEvidence, type Board, type BoardRow, type EvidencePage,
} from './investigationWork'

const SHA = '0123456789abcdef'.repeat(4)

function row(org: string, extra: Partial<BoardRow> = {}): BoardRow {
  return {
    org_id: org, org_name: `单位${org}`, lead: false, state: 'confirmed', state_label_zh: '已确认', state_label_en: 'Confirmed',
    tasks: [], receipts: [], evidence: { pieces: 0, withdrawn: 0 }, ...extra,
  }
}

const receipt = (notice: string, state: 'delivered' | 'read' | 'acknowledged') => ({
  notice_id: notice, title: '通知', sent_at: 1, requires_ack: true, state, state_label_zh: state, state_label_en: state,
  acknowledged_at: state === 'acknowledged' ? 2 : null, acknowledged_by_name: state === 'acknowledged' ? '王强' : null,
})

function board(): Board {
  return {
    investigation_id: 'g1', case_name: '案件', state: 'active', state_label_zh: '调查中', state_label_en: 'Active', your_part: 'lead',
    bodies: [
      row('lead', { lead: true }),
      row('police', { receipts: [receipt('n1', 'acknowledged')], tasks: [{ id: 't1' } as BoardRow['tasks'][number]] }),
      row('town', { receipts: [receipt('n1', 'read')] }),
      row('gone', { state: 'left' }),
    ],
    notices: [{ id: 'n1', title: '通知', sent_at: 1, requires_ack: true, recipients: 2, acknowledged: 1 }],
    assign_task: { command: 'assign_task', label_zh: '交办任务', label_en: 'Assign', allowed: true },
    send_notice: { command: 'send_notice', label_zh: '发送组内通知', label_en: 'Send', allowed: true },
  }
}

describe('the evidence', () => {
  it('shortens a digest to its first and last eight digits', () => {
    expect(shortHash(SHA)).toBe('01234567…89abcdef')
    expect(shortHash('abc')).toBe('abc')
  })
  it('finds a section’s list by its document id', () => {
    const page = { investigation_id: 'g1', sections: [{ section_doc_id: 'd1', pieces: [] }, { section_doc_id: 'd2', pieces: [] }] } as unknown as EvidencePage
    expect(sectionEvidence(page, 'd2')?.section_doc_id).toBe('d2')
    expect(sectionEvidence(page, 'd3')).toBeNull()
    expect(sectionEvidence(null, 'd1')).toBeNull()
  })
  it('asks a reason to withdraw, trimmed', () => {
    expect(withdrawBody('  ')).toEqual({ error: 'investigationWork.evidence.reasonRequired' })
    expect(withdrawBody(' 误传 ')).toEqual({ body: { reason: '误传' } })
  })
  it('knows the size limit’s refusal', () => {
    expect(isTooLarge(new ApiError(413, 'payload_too_large', '文件过大', 'file.too_large'))).toBe(true)
    expect(isTooLarge(new ApiError(409, 'conflict', 'x'))).toBe(false)
    expect(isTooLarge(new Error('x'))).toBe(false)
  })
})

describe('the lead’s command', () => {
  it('assigns with a deadline in working days, and names what is missing', () => {
    expect(assignBody({ ...emptyAssign(), days: 0 })).toEqual({ errors: ['assignee', 'title', 'body', 'days'] })
    expect(assignBody({ ...emptyAssign(), days: 2.5, assignee_org_id: 'p', title: 't', body: 'b' })).toEqual({ errors: ['days'] })
    expect(assignBody({ assignee_org_id: 'police', title: ' 调取监控 ', body: ' 三日内 ', days: 3 })).toEqual({
      body: { assignee_org_id: 'police', title: '调取监控', body: '三日内', limit: { unit: 'working_days', amount: 3 } },
    })
  })
  it('sends a notice with a title and a text', () => {
    expect(noticeBody(emptyNotice())).toEqual({ errors: ['title', 'body'] })
    expect(noticeBody({ title: ' 会商 ', body: ' 明日九时 ' })).toEqual({ body: { title: '会商', body: '明日九时' } })
  })
  it('offers the confirmed members alone as assignees', () => {
    expect(assignableBodies(board()).map((b) => b.org_id)).toEqual(['police', 'town'])
  })
  it('lists each body’s receipt of a notice, signed ones green', () => {
    expect(receiptsOf(board(), 'n1').map((x) => [x.row.org_id, x.receipt.state])).toEqual([['police', 'acknowledged'], ['town', 'read']])
    expect(receiptTagType('acknowledged')).toBe('success')
    expect(receiptTagType('replied')).toBe('success')
    expect(receiptTagType('read')).toBe('warning')
    expect(receiptTagType('delivered')).toBe('info')
  })
  it('knows the events that touch the group: its own, and its tasks’ and notices’', () => {
    const b = board()
    expect(touchesGroup({ subject: 'investigation:g1' }, 'g1')).toBe(true)
    expect(touchesGroup({ subject: 'investigation:g2' }, 'g1', b)).toBe(false)
    expect(touchesGroup({ subject: 'task:t1' }, 'g1', b)).toBe(true)
    expect(touchesGroup({ subject: 'task:t2' }, 'g1', b)).toBe(false)
    expect(touchesGroup({ subject: 'notice:n1' }, 'g1', b)).toBe(true)
    expect(touchesGroup({ subject: 'x', payload: { notice_id: 'n1' } }, 'g1', b)).toBe(true)
    expect(touchesGroup({ subject: 'task:t1' }, 'g1')).toBe(false)
  })
})

describe('the requests', () => {
  afterEach(() => vi.unstubAllGlobals())
  it('go to the group’s work routes with the bodies the server reads', async () => {
    const calls: { url: string; method: string; body: unknown; type: string | null }[] = []
    vi.stubGlobal('fetch', vi.fn(async (url: string, init: RequestInit = {}) => {
      const raw = init.body
      const body = raw instanceof Blob ? raw : raw ? JSON.parse(String(raw)) : null
      const headers = (init.headers ?? {}) as Record<string, string>
      calls.push({ url, method: init.method ?? 'GET', body, type: headers['Content-Type'] ?? null })
      const answer = url.endsWith('/board') ? board() : url.endsWith('/evidence') ? { investigation_id: 'g1', sections: [] } : { id: 'x', title: '证据' }
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } })
    }))
    await listEvidence('a/b')
    const file = new File(['bytes'], '询问 笔录.pdf', { type: 'application/pdf' })
    expect((await uploadEvidence('g1', 'doc-1', file, ' 询问笔录 ')).title).toBe('证据')
    await uploadEvidence('g1', 'doc-1', file)
    await withdrawEvidence('g1', 'e/1', { reason: '误传' })
    await assignGroupTask('g1', { assignee_org_id: 'police', title: 't', body: 'b', limit: { unit: 'working_days', amount: 3 } })
    await sendGroupNotice('g1', { title: 't', body: 'b' })
    expect((await loadBoard('g1')).bodies).toHaveLength(4)
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/investigations/a%2Fb/evidence',
      'POST /api/investigations/g1/evidence?section=doc-1&title=%E8%AF%A2%E9%97%AE%E7%AC%94%E5%BD%95&name=%E8%AF%A2%E9%97%AE+%E7%AC%94%E5%BD%95.pdf',
      'POST /api/investigations/g1/evidence?section=doc-1&name=%E8%AF%A2%E9%97%AE+%E7%AC%94%E5%BD%95.pdf',
      'POST /api/investigations/g1/evidence/e%2F1/withdraw',
      'POST /api/investigations/g1/tasks',
      'POST /api/investigations/g1/notices',
      'GET /api/investigations/g1/board',
    ])
    // The file goes as the raw body with its own type (no JSON Content-Type of ours).
    expect(calls[1]!.body).toBe(file)
    expect(calls[1]!.type).toBeNull()
    expect(calls[3]!.body).toEqual({ reason: '误传' })
    expect(calls[4]!.body).toEqual({ assignee_org_id: 'police', title: 't', body: 'b', limit: { unit: 'working_days', amount: 3 } })
    expect(calls[5]!.body).toEqual({ title: 't', body: 'b' })
    expect(boardUrl('g 1')).toBe('/api/investigations/g%201/board')
    expect(uploadUrl('g1', 'd', '', '  ')).toBe('/api/investigations/g1/evidence?section=d')
  })
  it('says a file over the limit is too large (413)', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'payload_too_large', message: '文件过大', reason: 'file.too_large' } }), { status: 413 })))
    const failure = await uploadEvidence('g1', 'd', new File(['x'], 'a.bin')).catch((e: unknown) => e)
    expect(isTooLarge(failure)).toBe(true)
  })
})
