// The activity feed (`GET /api/inbox`): every event addressed to the person or their body,
// newest first, a page at a time.
//
// Only the request lives here; it must never subscribe to the live stream (that is
// `events.ts`) nor decide which events a page shows.
import { get } from './api'
import type { Schema } from './schema'

/** A page of events; pass `next_before` as `before` for the next (older) page. */
export type InboxPage = Schema<'InboxPage'>

/** A page of the feed: `limit` events older than `before` (the newest when absent). */
export function loadInbox(limit: number, before?: number | null): Promise<InboxPage> {
  const older = before != null ? `&before=${before}` : ''
  return get<InboxPage>(`/api/inbox?limit=${limit}${older}`)
}
