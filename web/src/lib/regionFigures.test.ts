import { describe, expect, it } from 'vitest'
import { rateText, regionFiguresUrl } from './regionFigures'

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
})
