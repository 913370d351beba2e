// Special supervision campaigns (专项监督) and inspections (执法检查), server/src/work/campaigns.rs:
// a judicial bureau's campaign over bodies of its region, what it produced (supervision
// documents, tasks, filed results), its summary report signed and reported to the bureau
// above, and every request under `/api/campaigns`.
//
// Which command is allowed now is always the server's to say (`commands`); this module only
// names what the pages need.
import { get, post } from './api'
import type { Schema } from './schema'
import { signedActionsApi, type SignedDocApi } from './signing'

export type Campaign = Schema<'CampaignBody'>
export type CampaignKind = Schema<'CampaignKind'>
export type CampaignState = Schema<'CampaignState'>
export type CreateBody = Schema<'CreateCampaign'>

export const CAMPAIGN_KINDS: readonly CampaignKind[] = ['special', 'inspection']

/** The fields a bureau most often supervises (seed 004); any other may be typed. */
export const COMMON_FIELDS = ['营商环境', '食品药品', '安全生产', '生态环境', '城市管理', '交通运输'] as const

const path = (id: string) => `/api/campaigns/${encodeURIComponent(id)}`

export async function listCampaigns(): Promise<Campaign[]> {
  return (await get<Schema<'CampaignPage'>>('/api/campaigns')).campaigns
}

export function createCampaign(body: CreateBody): Promise<Campaign> {
  return post<Campaign>('/api/campaigns', body)
}

export function loadCampaign(id: string): Promise<Campaign> {
  return get<Campaign>(path(id))
}

/** Gives a command: `{command, revision, …its words}`. */
export function actOnCampaign(id: string, body: Record<string, unknown>): Promise<Campaign> {
  return post<Campaign>(`${path(id)}/actions`, body)
}

/** Sets a task within the campaign to a body it covers. */
export function assignCampaignTask(id: string, body: Schema<'AssignTask'>): Promise<Schema<'TaskBody'>> {
  return post<Schema<'TaskBody'>>(`${path(id)}/tasks`, body)
}

/** The summary's signing requests: the bureau freezes (定稿), signs (which reports it up) and archives it. */
export function summaryDocument(id: string): SignedDocApi {
  return signedActionsApi(`${path(id)}/summary`)
}

/** The request body of `command` at `revision`, or the message key of what is missing. */
export function commandBody(command: string, revision: number, reason: string): { body: Record<string, unknown> } | { error: string } {
  if (command !== 'withdraw') return { body: { command, revision } }
  const text = reason.trim()
  if (!text) return { error: 'campaigns.dialog.reasonRequired' }
  return { body: { command, revision, reason: text } }
}

/** The form's period as the server takes it, or the message key of what is wrong. */
export function periodOf(range: readonly [string, string] | null | undefined): { starts_on: string; ends_on: string } | { error: string } {
  if (!range || !range[0] || !range[1]) return { error: 'campaigns.create.periodRequired' }
  const [starts_on, ends_on] = range
  if (ends_on < starts_on) return { error: 'campaigns.create.periodOrder' }
  return { starts_on, ends_on }
}

export function stateTagType(state: CampaignState): 'primary' | 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'under_way':
      return 'primary'
    case 'summarising':
      return 'warning'
    case 'summarised':
      return 'success'
    default:
      return 'info'
  }
}

/** Whether an event concerns the campaign `id` (itself or its summary). */
export function eventIsAbout(event: { subject: string; payload?: Record<string, unknown> | null }, id: string): boolean {
  return event.subject === `campaign:${id}` || event.payload?.campaign_id === id
}
