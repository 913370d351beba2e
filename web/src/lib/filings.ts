// Filings (报备) and the annual supervision work plans (年度行政执法监督工作方案) as the server
// shows them (server/src/work/filings.rs, plans.rs), the few helpers the page needs, and every
// request under `/api/filings` and `/api/plans`. Which command is allowed is always the
// server's to say (`commands`); this module never decides it.
import { get, post } from './api'
import type { Schema } from './schema'

export type Filing = Schema<'FilingBody'>
export type FilingKind = Schema<'FilingKind'>
export type CreateFiling = Schema<'CreateFiling'>
export type Plan = Schema<'PlanBody'>
export type Offer = Schema<'CommandOffer'>

export const FILING_KINDS: readonly FilingKind[] = ['annual_report', 'inspection_result', 'campaign_result']

/** Who files with a bureau and owes the annual report (domain `owes_annual_report`). */
export function mayFile(org: { kind: string } | null | undefined): boolean {
  return org?.kind === 'enforcement_department' || org?.kind === 'township_government'
}

/** Who makes an annual plan: a judicial bureau. */
export function mayPlan(org: { kind: string } | null | undefined): boolean {
  return org?.kind === 'judicial_bureau'
}

/** The year whose report is due now: this year (Beijing time). */
export function reportYear(now: number): number {
  return new Date(now + 8 * 3_600_000).getUTCFullYear()
}

/** The body of `POST /api/filings`: a year only for an annual report. */
export function createBody(kind: FilingKind, year: number, title: string, text: string): CreateFiling {
  return kind === 'annual_report' ? { kind, year, title, text } : { kind, title, text }
}

/** The commands worth a button: those allowed now. */
export function allowedCommands(offers: readonly Offer[]): Offer[] {
  return offers.filter((o) => o.allowed)
}

export function stateTagType(state: Filing['state']): 'success' | 'warning' | 'danger' {
  return state === 'acknowledged' ? 'success' : state === 'sent_back' ? 'danger' : 'warning'
}

export function listFilings(role?: 'filed' | 'received'): Promise<Filing[]> {
  const query = role ? `?role=${role}` : ''
  return get<{ filings: Filing[] }>(`/api/filings${query}`).then((p) => p.filings)
}

export function fileFiling(body: CreateFiling): Promise<Filing> {
  return post<Filing>('/api/filings', body)
}

export function actOnFiling(filing: Pick<Filing, 'id' | 'revision'>, command: string, extra: Record<string, unknown> = {}): Promise<Filing> {
  return post<Filing>(`/api/filings/${encodeURIComponent(filing.id)}/actions`, { command, revision: filing.revision, ...extra })
}

export function listPlans(): Promise<Plan[]> {
  return get<{ plans: Plan[] }>('/api/plans').then((p) => p.plans)
}

export function loadPlan(id: string): Promise<Plan> {
  return get<Plan>(`/api/plans/${encodeURIComponent(id)}`)
}

export function createPlan(year: number, title: string): Promise<Plan> {
  return post<Plan>('/api/plans', { year, title })
}

export function publishPlan(plan: Pick<Plan, 'id' | 'revision'>): Promise<Plan> {
  return post<Plan>(`/api/plans/${encodeURIComponent(plan.id)}/actions`, { command: 'publish', revision: plan.revision })
}
