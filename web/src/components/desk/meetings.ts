// What the dashboard needs of meetings (`listMeetings`) and of the annual obligation
// (`annualStatus`, both in `lib/meetings.ts`).
import type { AnnualLine } from '../../lib/meetings'

export type { AnnualLine, AnnualReport } from '../../lib/meetings'

export interface MeetingSummary {
  id: string
  kind: string
  title: string
  convener_org_id: string
  convener_name?: string
  starts_at: number
  ends_at: number
  place: string | null
  online_link: string | null
  state: string
  my_role: string
}

const FINISHED = new Set(['ended', 'closed', 'cancelled'])

/** Meetings still to come or under way (not ended, closed or cancelled), soonest first. */
export function upcomingMeetings<T extends Pick<MeetingSummary, 'state' | 'starts_at'>>(meetings: T[], limit = Infinity): T[] {
  return meetings
    .filter((m) => !FINISHED.has(m.state))
    .sort((a, b) => a.starts_at - b.starts_at)
    .slice(0, limit)
}

/** How many bureaus held, scheduled or have no annual meeting. */
export function annualCounts(lines: Pick<AnnualLine, 'status'>[]): { held: number; scheduled: number; none: number } {
  const counts = { held: 0, scheduled: 0, none: 0 }
  for (const line of lines) counts[line.status]++
  return counts
}

/** `YYYY-MM-DD` as local midnight in Unix ms (for `formatDate`), or null. */
export function dateMs(date: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!m) return null
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime()
}
