import { describe, expect, it } from 'vitest'
import { LINKED_FIGURES, disputeFigureFromQuery, figureFilterFromQuery, figureLink, rateText, regionFiguresUrl } from './regionFigures'

describe('region figures', () => {
  it('names the period and the region in each download URL', () => {
    expect(regionFiguresUrl('csv', '2026-01-01', '2026-12-31')).toBe('/api/figures.csv?from=2026-01-01&to=2026-12-31')
    expect(regionFiguresUrl('xlsx', '2026-01-01', '2026-06-30', '330102')).toBe(
      '/api/figures.xlsx?from=2026-01-01&to=2026-06-30&region=330102',
    )
  })

  it('shows the overdue rate with one decimal, or a dash when nothing was assigned', () => {
    expect(rateText(50)).toBe('50.0%')
    expect(rateText(33.3)).toBe('33.3%')
    expect(rateText(null)).toBe('—')
  })

  const of = { org: 'o1', from: '2026-01-01', to: '2026-06-30' }

  it('links each figure to its list, filtered to the body, the period and what it counts', () => {
    expect(figureLink('tasks_assigned', of)).toEqual({ path: '/tasks', query: { list: 'assigned', ...of } })
    expect(figureLink('tasks_overdue', of)).toEqual({ path: '/tasks', query: { list: 'assigned', ...of, overdue: 'true' } })
    expect(figureLink('notices_to_acknowledge', of)).toEqual({ path: '/inbox', query: { box: 'received', ...of } })
    expect(figureLink('notices_unacknowledged_late', of)).toEqual({ path: '/inbox', query: { box: 'received', ...of, late: 'true' } })
    expect(figureLink('supervision_documents', of)).toEqual({ path: '/supervision-docs', query: of })
    expect(figureLink('rectified_on_time', of)).toEqual({ path: '/supervision-docs', query: { ...of, on_time: 'true' } })
    expect(figureLink('files_reviewed', of)).toEqual({ path: '/reviews', query: of })
    expect(figureLink('files_failed', of)).toEqual({ path: '/reviews', query: { ...of, failed: 'true' } })
  })

  it('reads back from a page\'s address the filter each link wrote', () => {
    const flags = {
      tasks_assigned: 'overdue', tasks_overdue: 'overdue', notices_to_acknowledge: 'late',
      notices_unacknowledged_late: 'late', supervision_documents: 'on_time', rectified_on_time: 'on_time',
      files_reviewed: 'failed', files_failed: 'failed',
    } as const
    for (const figure of LINKED_FIGURES) {
      if (figure.startsWith('disputes_')) {
        const { path, query } = figureLink(figure, of)
        expect(path).toBe('/disputes')
        expect(disputeFigureFromQuery(query), figure).toEqual({ ...of, figure, asked: figure.slice('disputes_'.length) })
        continue
      }
      const { query } = figureLink(figure, of)
      const narrow = ['tasks_overdue', 'notices_unacknowledged_late', 'rectified_on_time', 'files_failed'].includes(figure)
      expect(figureFilterFromQuery(query, flags[figure as keyof typeof flags]), figure).toEqual({ ...of, only: narrow })
    }
    // Without a body the page shows its own lists.
    expect(figureFilterFromQuery({ list: 'overdue' }, 'overdue')).toBeNull()
    expect(figureFilterFromQuery({ org: ['a', 'b'] }, 'late')).toBeNull()
    expect(disputeFigureFromQuery({ ...of, figure: 'withdrawn' })).toBeNull()
  })
})
