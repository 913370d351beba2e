// The supervision desk (监督台, server/src/work/supervision.rs) of a judicial bureau: in its
// region and below, what is overdue, unacknowledged (签收) or escalated (督办), by the body that
// owes it. The desk counts each body's lines of each kind and shows the region's most urgent
// ones; the lines behind a body's count are read a page at a time (loadDeskLines). Each line
// opens the page of its task, notification, referral or dispute.
import { get } from './api'
import type { Schema } from './schema'

export type SupervisionDesk = Schema<'SupervisionDesk'>
export type SupervisedBody = Schema<'SupervisedBody'>
export type DeskLine = Schema<'DeskLine'>
export type DeskKind = DeskLine['kind']
export type DeskCounts = Schema<'DeskCounts'>
export type DeskLines = Schema<'DeskLines'>

export const DESK_KINDS: readonly DeskKind[] = ['task', 'notice', 'referral', 'dispute', 'supervision', 'annual_report']

/** The desk of `region` (a region code), the caller's body's region when not given. */
export function loadDesk(region?: string): Promise<SupervisionDesk> {
  const query = region ? `?${new URLSearchParams({ region }).toString()}` : ''
  return get<SupervisionDesk>(`/api/supervision/desk${query}`)
}

/** One page of the lines of `kind` that body `org` owes (after the page whose `next` is `after`). */
export function loadDeskLines(org: string, kind: DeskKind, opts: { region?: string; after?: string | null } = {}): Promise<DeskLines> {
  const query = new URLSearchParams({ kind, org })
  if (opts.region) query.set('region', opts.region)
  if (opts.after) query.set('after', opts.after)
  return get<DeskLines>(`/api/supervision/desk/lines?${query.toString()}`)
}

/** The field of the counts that counts `kind`. */
const COUNT_OF: Record<DeskKind, Exclude<keyof DeskCounts, 'escalated'>> = {
  task: 'tasks', notice: 'notices', referral: 'referrals', dispute: 'disputes', supervision: 'supervisions', annual_report: 'annual_reports',
}

/** How many lines of `kind` the counts hold. */
export function countOf(counts: DeskCounts, kind: DeskKind): number {
  return counts[COUNT_OF[kind]]
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

/**
 * The bodies `filter` keeps, with only the shown lines it keeps: every body for 'all', those
 * owing lines of a kind, or those with lines escalated (督办), by their counts (most of a body's
 * lines are not shown until asked for).
 */
export function filterDesk(bodies: SupervisedBody[], filter: DeskFilter): SupervisedBody[] {
  const keep = (l: DeskLine) => filter === 'all' || (filter === 'escalated' ? l.escalated : l.kind === filter)
  const owes = (b: SupervisedBody) =>
    filter === 'all' || (filter === 'escalated' ? b.counts.escalated > 0 : countOf(b.counts, filter) > 0)
  return bodies.filter(owes).map((b) => ({ ...b, lines: b.lines.filter(keep) }))
}

/** Every line a body owes, of every kind. */
export function bodyTotal(counts: DeskCounts): number {
  return DESK_KINDS.reduce((n, k) => n + countOf(counts, k), 0)
}

/** How many lines each filter keeps, for its button. */
export function filterCounts(desk: Pick<SupervisionDesk, 'counts'>): Record<DeskFilter, number> {
  const c = desk.counts
  return {
    all: bodyTotal(c),
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
