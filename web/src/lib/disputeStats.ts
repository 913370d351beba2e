// Dispute statistics (争议统计, server/src/work/dispute_stats.rs): the table of a region for a
// period of raise dates, and the URL of the same table as CSV.
import { get } from './api'
import type { Schema } from './schema'

export type DisputeStats = Schema<'DisputeStats'>
export type StatsRow = Schema<'StatsRow'>

/** The period (and region, when given) as a query string. */
function statsQuery(from: string, to: string, region?: string): string {
  const q = new URLSearchParams({ from, to })
  if (region) q.set('region', region)
  return q.toString()
}

/** The table; the caller's body's region unless `region` is given. */
export function loadDisputeStats(from: string, to: string, region?: string): Promise<DisputeStats> {
  return get<DisputeStats>(`/api/disputes/stats?${statsQuery(from, to, region)}`)
}

/** Where the browser downloads the same table as a CSV file (UTF-8 with BOM, for Excel). */
export function disputeStatsCsvUrl(from: string, to: string, region?: string): string {
  return `/api/disputes/stats.csv?${statsQuery(from, to, region)}`
}
