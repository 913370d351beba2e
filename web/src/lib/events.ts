// The live event stream (`GET /api/events`, Server-Sent Events), shared by every page.
//
// One EventSource per tab, opened after sign-in. The browser reconnects by itself and sends
// `Last-Event-ID`, and the server replays what was missed exactly once. When the browser comes
// back online with the stream not open, or the browser gave up on it, a new EventSource is made
// that resumes after the last event seen (`?after=`), so nothing is missed either. Each event
// arrives under its kind as the SSE event name, so the client listens for every kind it knows;
// a page subscribes with `onEvent` and refreshes what it shows.
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
  'dispute.raised', 'dispute.negotiating', 'dispute.settled', 'dispute.escalated', 'dispute.accepted',
  'dispute.refused', 'dispute.coordinating', 'dispute.decided', 'dispute.referred',
  'dispute.government_decided', 'dispute.implementing', 'dispute.closed', 'dispute.withdrawn',
  'dispute.position_stated', 'dispute.negotiation_failed', 'dispute.replied', 'dispute.lead_named',
  'dispute.reminder', 'dispute.overdue', 'dispute.supervised',
  'decision.frozen', 'decision.sign_requested', 'decision.signed', 'decision.reopened',
  'decision.archived',
  'agreement.frozen', 'agreement.sign_requested', 'agreement.signed', 'agreement.reopened',
  'agreement.archived',
  'investigation.proposed', 'investigation.formed', 'investigation.started', 'investigation.concluded',
  'investigation.archived', 'investigation.dissolved', 'investigation.member_confirmed',
  'investigation.member_declined', 'investigation.member_left', 'investigation.changed',
  'investigation.dossier_frozen', 'investigation.evidence_added', 'investigation.evidence_withdrawn',
  'report.frozen', 'report.sign_requested', 'report.signed', 'report.reopened', 'report.archived',
  'referral.submitted', 'referral.approved', 'referral.sent_back', 'referral.sent', 'referral.received',
  'referral.accepted', 'referral.not_accepted', 'referral.returned', 'referral.disputed', 'referral.feedback',
  'referral.closed', 'referral.withdrawn', 'referral.item_supplied', 'referral.item_checked',
  'referral.reminder', 'referral.overdue', 'referral.supervised',
  'referral_receipt.frozen', 'referral_receipt.sign_requested', 'referral_receipt.signed',
  'referral_receipt.reopened', 'referral_receipt.archived',
  'supervision.issued', 'supervision.received', 'supervision.reported', 'supervision.accepted',
  'supervision.sent_back', 'supervision.closed', 'supervision.withdrawn', 'supervision.reminder',
  'supervision.overdue', 'supervision.supervised',
  'supervision_doc.frozen', 'supervision_doc.sign_requested', 'supervision_doc.signed',
  'supervision_doc.reopened', 'supervision_doc.archived',
  'filing.filed', 'filing.acknowledged', 'filing.sent_back', 'filing.refiled',
  'annual_report.reminder', 'annual_report.overdue', 'annual_report.supervised', 'plan.published',
  'campaign.launched', 'campaign.concluded', 'campaign.withdrawn', 'campaign.summarised',
  'campaign_summary.frozen', 'campaign_summary.sign_requested', 'campaign_summary.signed',
  'campaign_summary.reopened', 'campaign_summary.archived',
  'review.launched', 'review.drawn', 'review.concluded', 'review.withdrawn', 'review.summarised',
  'review.file_submitted', 'review.file_answered', 'review.file_confirmed', 'review.file_reviewers_named',
  'review_summary.frozen', 'review_summary.sign_requested', 'review_summary.signed',
  'review_summary.reopened', 'review_summary.archived',
  'library.drafting', 'library.checking', 'library.published', 'library.withdrawn',
] as const

type Handler = (event: ConcordEvent) => void

const handlers = new Set<Handler>()
let source: EventSource | null = null
/** The id (seq) of the last event received, to resume after it when the stream is made anew. */
let lastSeq: string | null = null
let retryTimer: ReturnType<typeof setTimeout> | null = null
let retryDelay = 1000

/** Whether the stream is connected (for an indicator). */
export const streamOpen = ref(false)

/** Where the stream is read: after `lastSeq` when resuming (a new EventSource sends no `Last-Event-ID`). */
export function eventsUrl(after: string | null = null): string {
  return after && /^\d+$/.test(after) ? `/api/events?after=${after}` : '/api/events'
}

function open() {
  source = new EventSource(eventsUrl(lastSeq))
  const mine = source
  source.onopen = () => {
    streamOpen.value = true
    retryDelay = 1000
  }
  source.onerror = () => {
    streamOpen.value = false
    // The browser retries by itself while the stream is CONNECTING; once it gave up (CLOSED:
    // the server answered an error, a proxy cut it) only a new EventSource tries again.
    if (mine.readyState === EventSource.CLOSED) scheduleRetry()
  }
  const dispatch = (message: MessageEvent) => {
    if (message.lastEventId) lastSeq = message.lastEventId
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

function reopen() {
  if (retryTimer) clearTimeout(retryTimer)
  retryTimer = null
  source?.close()
  open()
}

function scheduleRetry() {
  if (retryTimer) return
  retryTimer = setTimeout(() => {
    retryTimer = null
    if (source) reopen()
  }, retryDelay)
  retryDelay = Math.min(retryDelay * 2, 60_000)
}

/** Back on the network: a stream that is not open is made anew at once, resuming after the last event. */
function onOnline() {
  if (source && source.readyState !== EventSource.OPEN) reopen()
}

export function startEvents() {
  if (source || typeof EventSource === 'undefined') return
  lastSeq = null
  open()
  window.addEventListener('online', onOnline)
}

export function stopEvents() {
  if (retryTimer) clearTimeout(retryTimer)
  retryTimer = null
  window.removeEventListener('online', onOnline)
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
