// The region's figures (评议考核, server/src/work/region_figures.rs): a judicial bureau's
// figures per body of its region for a period, and the URLs of the same figures as CSV and
// as an .xlsx workbook.
import { get } from './api'
import type { Schema } from './schema'

export type RegionFigures = Schema<'RegionFigures'>
export type BodyFigures = Schema<'BodyFigures'>

/** The period (and region, when given) as a query string. */
function figuresQuery(from: string, to: string, region?: string): string {
  const q = new URLSearchParams({ from, to })
  if (region) q.set('region', region)
  return q.toString()
}

/** The figures; the caller's body's region unless `region` is given. */
export function loadRegionFigures(from: string, to: string, region?: string): Promise<RegionFigures> {
  return get<RegionFigures>(`/api/figures?${figuresQuery(from, to, region)}`)
}

/** Where the browser downloads the same figures: CSV (UTF-8 with BOM, for Excel) or .xlsx. */
export function regionFiguresUrl(format: 'csv' | 'xlsx', from: string, to: string, region?: string): string {
  return `/api/figures.${format}?${figuresQuery(from, to, region)}`
}

/** The overdue rate as the table shows it: one decimal and a percent sign, or a dash. */
export function rateText(rate: number | null | undefined): string {
  return rate == null ? '—' : `${rate.toFixed(1)}%`
}
