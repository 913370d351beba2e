// The live event stream (`GET /api/events`, Server-Sent Events), shared by every page.
//
// One EventSource per tab, opened after sign-in. The browser reconnects by itself and sends
// `Last-Event-ID`, and the server replays what was missed exactly once. Each event arrives
// under its kind as the SSE event name, so the client listens for every kind it knows; a page
// subscribes with `onEvent` and refreshes what it shows.
import type { Schema } from './schema'
import { ref } from 'vue'

/** An event as the stream, the inbox and webhooks carry it (the server's `EventBody`). */
export type ConcordEvent = Schema<'EventBody'>

export const KINDS = [
  'task.dispatched', 'task.acknowledged', 'task.started', 'task.submitted', 'task.returned',
  'task.verified', 'task.reopened', 'task.closed', 'task.cancelled', 'task.reassigned',
  'task.comment', 'task.extension_requested', 'task.extension_decided', 'task.reminder',
  'task.overdue', 'task.escalated',
  'notice.received', 'notice.acknowledged', 'notice.replied', 'notice.corrected',
  'notice.recalled', 'notice.reminder', 'notice.escalated', 'notice.reply_overdue',
  'meeting.scheduled', 'meeting.started', 'meeting.ended', 'meeting.agenda_proposed',
  'meeting.agenda_decided',
  'meeting.invitation_answered', 'meeting.invitation_withdrawn', 'meeting.reply_reminder',
  'meeting.reply_escalated', 'meeting.starting_soon', 'meeting.minutes_reminder',
  'minutes.frozen', 'minutes.sign_requested', 'minutes.signed', 'minutes.reopened',
  'minutes.archived',
] as const

type Handler = (event: ConcordEvent) => void

const handlers = new Set<Handler>()
let source: EventSource | null = null

/** Whether the stream is connected (for an indicator). */
export const streamOpen = ref(false)

export function startEvents() {
  if (source || typeof EventSource === 'undefined') return
  source = new EventSource('/api/events')
  source.onopen = () => (streamOpen.value = true)
  source.onerror = () => (streamOpen.value = false)
  const dispatch = (message: MessageEvent) => {
    let event: ConcordEvent
    try {
      event = JSON.parse(message.data)
    } catch {
      return
    }
    for (const handler of handlers) handler(event)
  }
  source.onmessage = dispatch
  for (const kind of KINDS) source.addEventListener(kind, dispatch as EventListener)
}

export function stopEvents() {
  source?.close()
  source = null
  streamOpen.value = false
}

/** Calls `handler` for every event whose kind starts with one of `prefixes` (all if none). */
export function onEvent(handler: Handler, ...prefixes: string[]): () => void {
  const filtered: Handler = (event) => {
    if (prefixes.length === 0 || prefixes.some((p) => event.kind.startsWith(p))) handler(event)
  }
  handlers.add(filtered)
  return () => handlers.delete(filtered)
}
