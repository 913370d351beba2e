import { describe, expect, it } from 'vitest'
import { acknowledgementChart, barTarget, chartHeight, figureCharts, overdueChart, rectificationChart } from './figureCharts'
import type { BodyFigures } from './regionFigures'

function body(org_id: string, org_name: string, over: Partial<BodyFigures> = {}): BodyFigures {
  return {
    org_id, org_name, org_kind: 'enforcement_department', region: '330102', region_name: '上城区',
    tasks_set: 0, tasks_assigned: 0, tasks_overdue: 0, tasks_overdue_rate: null,
    notices_sent: 0, notices_to_acknowledge: 0, notices_unacknowledged_late: 0,
    meetings_convened: 0, meetings_held: 0, annual_meeting: null, annual_meeting_flagged: null,
    disputes_raised: 0, disputes_against: 0, disputes_settled: 0, disputes_decided: 0, dispute_settle_days_median: null,
    referrals_sent: 0, referrals_received: 0, referrals_received_on_time: 0, referrals_decided_on_time: 0,
    supervision_documents: 0, rectified_on_time: 0, files_reviewed: 0, files_failed: 0,
    ...over,
  } as BodyFigures
}

const bodies = [
  body('m', '上城区市场监督管理局', { tasks_assigned: 4, tasks_overdue: 1, tasks_overdue_rate: 25, supervision_documents: 3, rectified_on_time: 1 }),
  body('p', '上城区公安分局', { tasks_assigned: 2, tasks_overdue: 2, tasks_overdue_rate: 100, notices_to_acknowledge: 5, notices_unacknowledged_late: 2 }),
  body('t', '湖滨街道办事处', { notices_to_acknowledge: 1 }),
  body('b', '上城区司法局'),
]

describe('figure charts', () => {
  it('ranks the bodies that were assigned tasks by overdue rate, the worst first, and opens their overdue tasks', () => {
    const chart = overdueChart(bodies)
    expect(chart.names).toEqual(['上城区公安分局', '上城区市场监督管理局'])
    expect(chart.series).toHaveLength(1)
    expect(chart.series[0]).toMatchObject({ values: [100, 25], link: 'tasks_overdue' })
    expect(chart.percent).toBe(true)
    expect(barTarget(chart, 0, 1)).toEqual({ figure: 'tasks_overdue', org: 'm' })
  })

  it('stacks notices signed for on time and late, most late first; each part opens its own list', () => {
    const chart = acknowledgementChart(bodies)
    expect(chart.orgIds).toEqual(['p', 't'])
    expect(chart.stacked).toBe(true)
    expect(chart.series.map((s) => [s.link, s.values])).toEqual([
      ['notices_to_acknowledge', [3, 1]],
      ['notices_unacknowledged_late', [2, 0]],
    ])
    expect(barTarget(chart, 1, 0)).toEqual({ figure: 'notices_unacknowledged_late', org: 'p' })
  })

  it('splits supervision documents into rectified on time and the rest, bodies with none left out', () => {
    const chart = rectificationChart(bodies)
    expect(chart.orgIds).toEqual(['m'])
    expect(chart.series.map((s) => s.values)).toEqual([[1], [2]])
    expect(chart.series.map((s) => s.link)).toEqual(['rectified_on_time', 'supervision_documents'])
    expect(barTarget(chart, 2, 0)).toBeNull()
    expect(barTarget(chart, 0, 5)).toBeNull()
  })

  it('draws every chart, empty ones too, and gives each body room', () => {
    expect(figureCharts(bodies).map((c) => c.kind)).toEqual(['overdue', 'acknowledgement', 'rectification'])
    expect(figureCharts([]).every((c) => c.names.length === 0)).toBe(true)
    expect(chartHeight(rectificationChart([]))).toBe(160)
    expect(chartHeight(overdueChart(Array.from({ length: 10 }, (_, i) => body(`o${i}`, `单位${i}`, { tasks_assigned: 1 }))))).toBe(356)
  })
})
