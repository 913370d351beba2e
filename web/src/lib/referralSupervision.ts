// The supervision of referrals (server/src/http/referral_supervision.rs): the referral
// statistics (移送统计) of a region for a period, the URL of the same table as CSV, and the
// procuratorate's suggestion to refer (建议移送), with the small rules the pages need to offer
// only what the server would accept (which bodies see the statistics, which regions they may
// choose, which bodies a suggestion may go to). The server decides again every time.
import { get, post } from './api'
import type { Notice } from './notices'
import type { Schema } from './schema'

export type ReferralStats = Schema<'ReferralStats'>
export type ReferralStatsRow = Schema<'ReferralStatsRow'>
export type SuggestBody = Schema<'SuggestReferral'>
export type RegionNode = Schema<'RegionNode'>

/**
 * The kinds of body that see a region's referral statistics (policy `ReadReferralStats`): a
 * judicial bureau or a procuratorate, of its own region and those below it (an operator too,
 * but an operator has no body and no referral page).
 */
export const STATS_READERS: readonly string[] = ['judicial_bureau', 'procuratorate']

/** Whether a body of `orgKind` may see its region's referral statistics. */
export function mayReadStats(orgKind: string | null | undefined): boolean {
  return STATS_READERS.includes(orgKind ?? '')
}

/** Whether a body of `orgKind` may send a suggestion to refer (`referral::may_suggest`). */
export function maySuggest(orgKind: string | null | undefined): boolean {
  return orgKind === 'procuratorate'
}

/** The kinds of body a suggestion may go to: those that refer a suspected crime
 * (`ReferralKind::Criminal.may_refer`). */
export const SUGGESTION_TARGET_KINDS: readonly string[] = ['enforcement_department', 'township_government']

// ---- regions ----

/** The region with code `code` and everything below it, as a list, parents first, each with
 * its depth below that region (for indenting); empty when the tree does not hold it. */
export function regionsUnder(tree: readonly RegionNode[], code: string | null | undefined): { region: RegionNode; depth: number }[] {
  if (!code) return []
  const find = (nodes: readonly RegionNode[]): RegionNode | null => {
    for (const n of nodes) {
      if (n.code === code) return n
      const found = find(n.children ?? [])
      if (found) return found
    }
    return null
  }
  const root = find(tree)
  if (!root) return []
  const walk = (n: RegionNode, depth: number): { region: RegionNode; depth: number }[] => [
    { region: n, depth },
    ...(n.children ?? []).flatMap((c) => walk(c, depth + 1)),
  ]
  return walk(root, 0)
}

/** The bodies of the directory a procuratorate of region `code` may suggest a referral to:
 * enforcement departments and township governments of that region or below, by name. */
export function suggestionTargets<O extends { id: string; kind: string; region: string; name_zh: string }>(
  orgs: readonly O[],
  tree: readonly RegionNode[],
  code: string | null | undefined,
): O[] {
  const regions = new Set(regionsUnder(tree, code).map((r) => r.region.code))
  return orgs
    .filter((o) => SUGGESTION_TARGET_KINDS.includes(o.kind) && regions.has(o.region))
    .sort((a, b) => a.name_zh.localeCompare(b.name_zh, 'zh-CN'))
}

// ---- the statistics ----

/** The query string of a table: the period, and the region when given (else the caller's). */
export function statsQuery(from: string, to: string, region?: string | null): string {
  const q = new URLSearchParams({ from, to })
  if (region) q.set('region', region)
  return q.toString()
}

/** The table of a region for a period (the caller's body's region unless `region` is given). */
export function loadReferralStats(from: string, to: string, region?: string | null): Promise<ReferralStats> {
  return get<ReferralStats>(`/api/referrals/stats?${statsQuery(from, to, region)}`)
}

/** Where the browser downloads the same table as a CSV file (UTF-8 with BOM, for Excel). */
export function referralStatsCsvUrl(from: string, to: string, region?: string | null): string {
  return `/api/referrals/stats.csv?${statsQuery(from, to, region)}`
}

/** One region of the table: its scope, code and name, and its rows (every kind together
 * first, then each kind). */
export interface RegionBlock {
  scope: ReferralStatsRow['scope']
  region: string
  region_name: string
  rows: ReferralStatsRow[]
}

/**
 * The table's rows grouped by region, in the server's order (the children, 本级, 合计). When
 * the caller counts a single kind (a procuratorate: the suspected crimes alone), the row of
 * every kind together says the same as that kind's and is left out.
 */
export function regionBlocks(stats: Pick<ReferralStats, 'rows' | 'kinds'>): RegionBlock[] {
  const blocks: RegionBlock[] = []
  for (const row of stats.rows) {
    if (stats.kinds.length === 1 && row.kind == null) continue
    const last = blocks[blocks.length - 1]
    if (last && last.scope === row.scope && last.region === row.region) last.rows.push(row)
    else blocks.push({ scope: row.scope, region: row.region, region_name: row.region_name, rows: [row] })
  }
  return blocks
}

/** A median number of working days as shown: one decimal at most, `—` when none. */
export function days(value: number | null | undefined): string {
  if (value == null) return '—'
  return String(Math.round(value * 10) / 10)
}

/** Whether `from`..`to` is a period the server takes: two `YYYY-MM-DD` dates, in order. */
export function periodValid(from: string, to: string): boolean {
  const date = /^\d{4}-\d{2}-\d{2}$/
  return date.test(from) && date.test(to) && from <= to
}

// ---- the suggestion to refer ----

/** What the suggestion form holds. */
export interface SuggestionForm {
  org_id: string
  case_name: string
  case_number: string
  reason: string
}

export const emptySuggestion = (): SuggestionForm => ({ org_id: '', case_name: '', case_number: '', reason: '' })

/** The longest case name and case number (domain `Title`, `Line`). */
export const MAX_CASE_NAME = 200
export const MAX_CASE_NUMBER = 200
/** The longest reasons (domain `Text`). */
export const MAX_REASON = 20_000

/** What is wrong with the form, as keys under `referralSuggest.invalid`; empty when it may be sent. */
export function validateSuggestion(form: SuggestionForm): string[] {
  const problems: string[] = []
  if (!form.org_id) problems.push('org')
  const name = form.case_name.trim()
  if (!name) problems.push('caseName')
  else if ([...name].length > MAX_CASE_NAME || /[\r\n]/.test(name)) problems.push('caseNameShape')
  if ([...form.case_number.trim()].length > MAX_CASE_NUMBER || /[\r\n]/.test(form.case_number.trim())) problems.push('caseNumber')
  const reason = form.reason.trim()
  if (!reason) problems.push('reason')
  else if ([...reason].length > MAX_REASON) problems.push('reasonLength')
  return problems
}

/** The body of `POST /api/referrals/suggestions`: trimmed, the case number left out when empty. */
export function suggestionBody(form: SuggestionForm): SuggestBody {
  const body: SuggestBody = { org_id: form.org_id, case_name: form.case_name.trim(), reason: form.reason.trim() }
  const number = form.case_number.trim()
  if (number) body.case_number = number
  return body
}

/** Sends a suggestion to refer: the case letter (a notice requiring 签收 and a reply) made. */
export function suggestReferral(body: SuggestBody): Promise<Notice> {
  return post<Notice>('/api/referrals/suggestions', body)
}
