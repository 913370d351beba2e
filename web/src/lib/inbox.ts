// The activity feed (`GET /api/inbox`): every event addressed to the person or their body,
// newest first, a page at a time.
//
// Only the request lives here; it must never subscribe to the live stream (that is
// `events.ts`) nor decide which events a page shows.
import { get } from './api'
import type { ConcordEvent } from './events'

export interface InboxPage {
  events: ConcordEvent[]
  /** Pass as `before` for the next (older) page; null at the end. */
  next_before: number | null
}

/** A page of the feed: `limit` events older than `before` (the newest when absent). */
export function loadInbox(limit: number, before?: number | null): Promise<InboxPage> {
  const older = before != null ? `&before=${before}` : ''
  return get<InboxPage>(`/api/inbox?limit=${limit}${older}`)
}
