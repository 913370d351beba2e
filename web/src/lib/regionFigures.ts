// The region's figures (评议考核, server/src/work/region_figures.rs): a judicial bureau's
// figures per body of its region for a period, the URLs of the same figures as CSV and as an
// .xlsx workbook, and where each figure links: the list behind it, filtered to the body, the
// period and what the figure counts (the server's lists take the same filters and count by the
// figures' own predicates, so the list holds exactly the rows counted).
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

/** The body and period of a list behind a figure (the lists' `org`, `from` and `to`). */
export interface BodyPeriod {
  org: string
  from: string
  to: string
}

/** The figures that link to the rows behind them. */
export const LINKED_FIGURES = [
  'tasks_assigned', 'tasks_overdue', 'notices_to_acknowledge', 'notices_unacknowledged_late',
  'supervision_documents', 'rectified_on_time',
  'disputes_raised', 'disputes_against', 'disputes_settled', 'disputes_decided',
  'files_reviewed', 'files_failed',
] as const
export type LinkedFigure = (typeof LINKED_FIGURES)[number]

/** A page of the client and its query: what a router-link takes. */
export interface FigureLink {
  path: string
  query: Record<string, string>
}

/**
 * Where a figure of a body links: 承办任务 and 超期任务 to the task list (`list=assigned`, and
 * `overdue`), 应签收 and 逾期未签收 to the received notices (`late`), 监督文书 and 按时整改 to the
 * supervision documents (`on_time`), 评查案卷数 and 不合格案卷数 to the body's reviewed files on
 * the reviews page (`failed`), each with the body and the period.
 */
export function figureLink(figure: LinkedFigure, of: BodyPeriod): FigureLink {
  const base = { org: of.org, from: of.from, to: of.to }
  switch (figure) {
    case 'tasks_assigned':
      return { path: '/tasks', query: { list: 'assigned', ...base } }
    case 'tasks_overdue':
      return { path: '/tasks', query: { list: 'assigned', ...base, overdue: 'true' } }
    case 'notices_to_acknowledge':
      return { path: '/inbox', query: { box: 'received', ...base } }
    case 'notices_unacknowledged_late':
      return { path: '/inbox', query: { box: 'received', ...base, late: 'true' } }
    case 'supervision_documents':
      return { path: '/supervision-docs', query: base }
    case 'rectified_on_time':
      return { path: '/supervision-docs', query: { ...base, on_time: 'true' } }
    case 'disputes_raised':
    case 'disputes_against':
    case 'disputes_settled':
    case 'disputes_decided':
      return { path: '/disputes', query: { ...base, figure: DISPUTE_FIGURE[figure] } }
    case 'files_reviewed':
      return { path: '/reviews', query: base }
    case 'files_failed':
      return { path: '/reviews', query: { ...base, failed: 'true' } }
  }
}

/** The disputes list's `figure` for each dispute figure. */
const DISPUTE_FIGURE = {
  disputes_raised: 'raised', disputes_against: 'against', disputes_settled: 'settled', disputes_decided: 'decided',
} as const
export type DisputeFigure = (typeof DISPUTE_FIGURE)[keyof typeof DISPUTE_FIGURE]

/** The disputes page's figure filter read back from its address: the body, the period and the
 * dispute figure (`figure`), as {@link figureLink} wrote them; `null` without `org`. */
export function disputeFigureFromQuery(query: Record<string, unknown>): (BodyPeriod & { figure: LinkedFigure; asked: DisputeFigure }) | null {
  const of = figureFilterFromQuery(query, 'figure')
  if (!of) return null
  const figure = (Object.keys(DISPUTE_FIGURE) as (keyof typeof DISPUTE_FIGURE)[]).find((k) => DISPUTE_FIGURE[k] === query.figure)
  return figure ? { org: of.org, from: of.from, to: of.to, figure, asked: DISPUTE_FIGURE[figure] } : null
}

/** A list page's figure filter read back from its address: the body, the period and whether
 * only the rows of the narrower figure (`flag`: overdue, late, on time); `null` without `org`. */
export function figureFilterFromQuery(query: Record<string, unknown>, flag: 'overdue' | 'late' | 'on_time' | 'failed' | 'figure'): (BodyPeriod & { only: boolean }) | null {
  const text = (v: unknown) => (typeof v === 'string' ? v : '')
  const org = text(query.org)
  if (!org) return null
  return { org, from: text(query.from), to: text(query.to), only: query[flag] === 'true' }
}

/** The filter as the lists' query string (`org`, `from`, `to`, and `name=true` when `only`). */
export function figureFilterQuery(of: BodyPeriod, flag: string, only: boolean): string {
  const q = new URLSearchParams({ org: of.org })
  if (of.from) q.set('from', of.from)
  if (of.to) q.set('to', of.to)
  if (only) q.set(flag, 'true')
  return q.toString()
}
