import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  bodyTotal, countOf, daysOverdue, filterCounts, filterDesk, hasDesk, lineLink, loadDesk, loadDeskLines, type DeskCounts, type DeskLine,
  type SupervisedBody,
} from './supervision'

const line = (id: string, kind: DeskLine['kind'], extra: Partial<DeskLine> = {}): DeskLine => ({
  kind, kind_label_zh: kind, kind_label_en: kind, id, title: `标题${id}`, state: 'dispatched',
  state_label_zh: '已下发', state_label_en: 'Dispatched', limit_label_zh: '办理期限', limit_label_en: 'Deadline',
  due_at: 0, overdue: true, escalated: false, counterpart_org_id: 'o-market', counterpart_name: '上城区市场监督管理局',
  ...extra,
})

const none: DeskCounts = { tasks: 0, notices: 0, referrals: 0, disputes: 0, supervisions: 0, annual_reports: 0, escalated: 0 }
// The police owes more tasks than the desk shows; the procuratorate's notices are none of the
// most urgent.
const bodies: SupervisedBody[] = [
  {
    org_id: 'o-police', org_name: '上城区公安分局', counts: { ...none, tasks: 7, referrals: 1, escalated: 1 },
    lines: [line('t1', 'task', { escalated: true }), line('r1', 'referral')],
  },
  { org_id: 'o-procuratorate', org_name: '上城区人民检察院', counts: { ...none, notices: 40 }, lines: [] },
  { org_id: 'o-township', org_name: '湖滨街道办事处', counts: { ...none, notices: 1 }, lines: [line('n1', 'notice')] },
]

describe('the supervision desk', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('is a judicial bureau\'s alone', () => {
    expect(hasDesk({ kind: 'judicial_bureau' })).toBe(true)
    expect(hasDesk({ kind: 'enforcement_department' })).toBe(false)
    expect(hasDesk(null)).toBe(false)
  })

  it('opens each line\'s own page, never a bare id', () => {
    expect(lineLink({ kind: 'task', id: 't/1' })).toBe('/tasks/t%2F1')
    expect(lineLink({ kind: 'notice', id: 'n1' })).toBe('/notices/n1')
    expect(lineLink({ kind: 'referral', id: 'r1' })).toBe('/referrals/r1')
    expect(lineLink({ kind: 'dispute', id: 'd1' })).toBe('/disputes/d1')
    expect(lineLink({ kind: 'annual_report', id: 'o1:2026' })).toBe('/filings')
  })

  it('counts whole days past the limit, none for a line not yet overdue', () => {
    const day = 24 * 3_600_000
    expect(daysOverdue({ due_at: 1000, overdue: true }, 1000 + 3 * day + 5)).toBe(3)
    expect(daysOverdue({ due_at: 1000, overdue: true }, 1000 + 5)).toBe(0)
    expect(daysOverdue({ due_at: 1000 + day, overdue: false }, 1000)).toBeNull()
  })

  it('keeps the bodies owing a kind (by their counts, not the lines shown) with their lines of it', () => {
    expect(filterDesk(bodies, 'all')).toEqual(bodies)
    expect(filterDesk(bodies, 'notice').map((b) => [b.org_name, b.lines.map((l) => l.id)])).toEqual([
      ['上城区人民检察院', []], ['湖滨街道办事处', ['n1']],
    ])
    expect(filterDesk(bodies, 'escalated').map((b) => [b.org_name, b.lines.map((l) => l.id)])).toEqual([['上城区公安分局', ['t1']]])
    expect(filterDesk(bodies, 'dispute')).toEqual([])
    expect(countOf(bodies[0]!.counts, 'task')).toBe(7)
    expect(bodyTotal(bodies[0]!.counts)).toBe(8)
    expect(filterCounts({ counts: { tasks: 1, notices: 1, referrals: 1, disputes: 0, supervisions: 2, annual_reports: 3, escalated: 1 } })).toEqual({
      all: 8, task: 1, notice: 1, referral: 1, dispute: 0, supervision: 2, annual_report: 3, escalated: 1,
    })
  })

  it('asks for the caller\'s region, or the one named', async () => {
    const urls: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url)
      return new Response('{}', { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    await loadDesk()
    await loadDesk('330102')
    expect(urls).toEqual(['/api/supervision/desk', '/api/supervision/desk?region=330102'])
  })

  it('asks for a body\'s lines of one kind, in the region shown, after the page before', async () => {
    const urls: string[] = []
    vi.stubGlobal('fetch', async (url: string) => {
      urls.push(url)
      return new Response('{"lines":[],"next":null}', { status: 200, headers: { 'Content-Type': 'application/json' } })
    })
    await loadDeskLines('o-police', 'task')
    await loadDeskLines('o-police', 'notice', { region: '330102', after: '1774000000000:n1' })
    expect(urls).toEqual([
      '/api/supervision/desk/lines?kind=task&org=o-police',
      '/api/supervision/desk/lines?kind=notice&org=o-police&region=330102&after=1774000000000%3An1',
    ])
  })
})
