// A body's webhooks (`/api/orgs/{id}/webhooks`, `/api/webhooks/{id}/…`) and its official
// mailbox (机构邮箱, `/api/orgs/{id}/mailbox`): where the body's events go besides the inbox.
// Only the body's admins see or change them.
//
// A webhook's signing secret is answered once, by `createWebhook`; this module must never keep it.
import { get, post, put } from './api'

export interface Webhook {
  id: string
  org_id: string
  url: string
  description: string
  /** An inactive webhook is not called. */
  active: boolean
  created_by: string
  created_at: number
}

/** A webhook just made, with the secret (`whsec_…`) that signs its calls: answered this once. */
export interface CreatedWebhook extends Webhook {
  secret: string
}

/** One delivery attempt of an event to a webhook. */
export interface Delivery {
  id: string
  webhook_id: string
  event_seq: number
  job_id: string
  /** 1 for the first try. */
  attempt: number
  at: number
  outcome: 'delivered' | 'failed' | string
  http_status: number | null
  error: string | null
  duration_ms: number
}

export interface Mailbox {
  org_id: string
  /** Null: no e-mail is sent. */
  email: string | null
}

const orgPath = (orgId: string) => `/api/orgs/${encodeURIComponent(orgId)}`
const hookPath = (id: string) => `/api/webhooks/${encodeURIComponent(id)}`

/** The body's webhooks. */
export async function listWebhooks(orgId: string): Promise<Webhook[]> {
  const { webhooks } = await get<{ webhooks: Webhook[] }>(`${orgPath(orgId)}/webhooks`)
  return webhooks
}

/** Registers a webhook; the answer carries its signing secret, this once. */
export function createWebhook(orgId: string, url: string, description: string): Promise<CreatedWebhook> {
  return post<CreatedWebhook>(`${orgPath(orgId)}/webhooks`, { url, description })
}

/** Turns a webhook on or off. */
export function setWebhookActive(id: string, active: boolean): Promise<Webhook> {
  return put<Webhook>(`${hookPath(id)}/active`, { active })
}

/** A webhook's delivery attempts, newest first. */
export async function listDeliveries(id: string, limit = 50): Promise<Delivery[]> {
  const { deliveries } = await get<{ deliveries: Delivery[] }>(`${hookPath(id)}/deliveries?limit=${limit}`)
  return deliveries
}

/** The address the body's events are e-mailed to. */
export function loadMailbox(orgId: string): Promise<Mailbox> {
  return get<Mailbox>(`${orgPath(orgId)}/mailbox`)
}

/** Sets the body's mailbox; `null` removes it (no e-mail is sent). */
export function setMailbox(orgId: string, email: string | null): Promise<Mailbox> {
  return put<Mailbox>(`${orgPath(orgId)}/mailbox`, { email })
}
