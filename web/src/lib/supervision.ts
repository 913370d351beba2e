// The supervision desk (监督台, server/src/work/supervision.rs) of a judicial bureau: in its
// region and below, what is overdue, unacknowledged (签收) or escalated (督办), by the body that
// owes it. Each line opens the page of its task, notification, referral or dispute.
import { get } from './api'
import type { Schema } from './schema'

export type SupervisionDesk = Schema<'SupervisionDesk'>
export type SupervisedBody = Schema<'SupervisedBody'>
export type DeskLine = Schema<'DeskLine'>
export type DeskKind = DeskLine['kind']

export const DESK_KINDS: readonly DeskKind[] = ['task', 'notice', 'referral', 'dispute', 'supervision', 'annual_report']

/** The desk of `region` (a region code), the caller's body's region when not given. */
export function loadDesk(region?: string): Promise<SupervisionDesk> {
  const query = region ? `?${new URLSearchParams({ region }).toString()}` : ''
  return get<SupervisionDesk>(`/api/supervision/desk${query}`)
}

/** Whether a body has a desk: a judicial bureau (the server refuses everyone else). */
export function hasDesk(org: { kind: string } | null | undefined): boolean {
  return org?.kind === 'judicial_bureau'
}

/** The page a line opens. */
export function lineLink(line: Pick<DeskLine, 'kind' | 'id'>): string {
  const id = encodeURIComponent(line.id)
  switch (line.kind) {
    case 'task': return `/tasks/${id}`
    case 'notice': return `/notices/${id}`
    case 'referral': return `/referrals/${id}`
    case 'dispute': return `/disputes/${id}`
    case 'supervision': return `/supervision-docs/${id}`
    // An annual report not filed (its id `<body>:<year>`): the bureau's filings and plans.
    case 'annual_report': return '/filings'
  }
}

const DAY_MS = 24 * 3_600_000

/** Whole days past the limit at `asOf` (0 within the first day); `null` while not overdue. */
export function daysOverdue(line: Pick<DeskLine, 'due_at' | 'overdue'>, asOf: number): number | null {
  if (!line.overdue) return null
  return Math.max(0, Math.floor((asOf - line.due_at) / DAY_MS))
}

/** Which lines the page shows: all, one kind, or those escalated (督办). */
export type DeskFilter = 'all' | DeskKind | 'escalated'

/** The bodies with only the lines `filter` keeps; bodies left with none are dropped. */
export function filterDesk(bodies: SupervisedBody[], filter: DeskFilter): SupervisedBody[] {
  const keep = (l: DeskLine) => filter === 'all' || (filter === 'escalated' ? l.escalated : l.kind === filter)
  return bodies
    .map((b) => ({ ...b, lines: b.lines.filter(keep) }))
    .filter((b) => b.lines.length > 0)
}

/** How many lines each filter keeps, for its button. */
export function filterCounts(desk: Pick<SupervisionDesk, 'counts'>): Record<DeskFilter, number> {
  const c = desk.counts
  return {
    all: c.tasks + c.notices + c.referrals + c.disputes + c.supervisions + c.annual_reports,
    task: c.tasks,
    notice: c.notices,
    referral: c.referrals,
    dispute: c.disputes,
    supervision: c.supervisions,
    annual_report: c.annual_reports,
    escalated: c.escalated,
  }
}

/**
 * The events after which the page reads the desk again. Nothing is pushed to the desk itself:
 * a task's or notification's events go to its parties, so these are only what the bureau's own
 * body hears; the page also reads it again every minute.
 */
export const DESK_EVENTS = ['task.', 'notice.', 'referral.', 'dispute.', 'supervision.', 'filing.', 'annual_report.'] as const
export const DESK_REFRESH_MS = 60_000
