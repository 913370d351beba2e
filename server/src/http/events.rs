//! `GET /api/events`: the caller's events as Server-Sent Events, live, resumable.
//!
//! Each event is `id: <seq>`, `event: <kind>`, `data: {"id", "kind", "subject", "at",
//! "payload"}`. A client that reconnects with `Last-Event-ID: <seq>` (browsers do it by
//! themselves) or `?after=<seq>` gets every event it missed, in order, exactly once, then the
//! live ones. Without either it gets only events from now on.
//!
//! How "exactly once" holds: the stream subscribes to the hub *before* it replays from the
//! database, so an event committed meanwhile is in the replay or in the subscription (or
//! both); it forwards only seqs above the last one it passed, and when the subscription
//! lagged it re-reads the database from there. The caller sees events addressed to them or to
//! their body only, and only kinds the policy lets them see.
//!
//! The stream ends when the server shuts down or when the caller's access may have changed
//! (a revoked session, a disabled account); the client reconnects and is checked again.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures_util::Stream;
use serde::Deserialize;
use tokio::sync::broadcast;

use crate::auth::Caller;
use crate::db::{Audience, Event};
use crate::domain::policy::{self, Action};
use crate::error::ApiError;
use crate::http::extract::Query;
use crate::services::event_json;
use crate::services::AccessChange;
use crate::state::AppState;

/// Events read from the database per round trip while replaying.
const REPLAY_BATCH: i64 = 500;

/// A comment line this often keeps proxies from closing an idle stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/events", get(stream))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamQuery {
    after: Option<i64>,
}

async fn stream(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, ApiError> {
    caller.allow(&state.services.db, Action::ReadEvents).await?;
    let last_event_id = match headers.get("last-event-id") {
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .filter(|seq| *seq >= 0)
                .ok_or_else(|| {
                    ApiError::BadRequest("Last-Event-ID must be an event number".into())
                })?,
        ),
        None => None,
    };
    if query.after.is_some_and(|a| a < 0) {
        return Err(ApiError::BadRequest(
            "after must be an event number (0 or more)".into(),
        ));
    }
    // Subscribe first: whatever commits from here on is in the subscription.
    let live = state.services.events.subscribe();
    let changes = state.services.access.subscribe();
    let cursor = match last_event_id.or(query.after) {
        Some(after) => after,
        None => state.services.db.last_event_seq().await?,
    };
    let reader = Reader {
        state: state.clone(),
        caller,
        cursor,
        replaying: true,
        pending: VecDeque::new(),
        live,
        changes,
        done: false,
    };
    let events = futures_util::stream::unfold(reader, |mut reader| async move {
        let event = reader.next().await?;
        Some((Ok(sse_event(&event)), reader))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT)))
}

fn sse_event(event: &Event) -> SseEvent {
    SseEvent::default()
        .id(event.seq.to_string())
        .event(event.kind.clone())
        .data(event_json(event))
}

/// One client's position in the stream.
struct Reader {
    state: AppState,
    caller: Caller,
    /// The highest seq passed (or skipped as not for this caller).
    cursor: i64,
    /// Reading the database rather than the subscription: at the start, and after a lag.
    replaying: bool,
    pending: VecDeque<Event>,
    live: broadcast::Receiver<Arc<Event>>,
    changes: broadcast::Receiver<AccessChange>,
    done: bool,
}

impl Reader {
    /// The next event for this caller; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if self.done {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.replaying {
                if let Err(e) = self.replay().await {
                    tracing::warn!(error = %e, "replaying events failed; ending the stream");
                    return None;
                }
                continue;
            }
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => {
                        if event.seq <= self.cursor {
                            continue;
                        }
                        self.cursor = event.seq;
                        if self.is_for_caller(&event) {
                            return Some(Event::clone(&event));
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => self.replaying = true,
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                change = self.changes.recv() => match change {
                    Ok(change) if self.concerns_caller(&change) => self.done = true,
                    Ok(_) => {}
                    // Missed announcements might have concerned us: be safe, end.
                    Err(broadcast::error::RecvError::Lagged(_)) => self.done = true,
                    Err(broadcast::error::RecvError::Closed) => self.done = true,
                },
                () = self.state.shutdown.cancelled() => self.done = true,
            }
        }
    }

    /// Reads one batch of the caller's events after the cursor from the database.
    async fn replay(&mut self) -> Result<(), crate::db::DbError> {
        let org = self.caller.org.as_ref().map(|o| o.id.as_str());
        let batch = self
            .state
            .services
            .db
            .events_for(&self.caller.actor.user_id, org, self.cursor, REPLAY_BATCH)
            .await?;
        if i64::try_from(batch.len()).unwrap_or(i64::MAX) < REPLAY_BATCH {
            self.replaying = false;
        }
        for event in batch {
            self.cursor = self.cursor.max(event.seq);
            if policy::event_visible(&self.caller.actor, &event.kind) {
                self.pending.push_back(event);
            }
        }
        Ok(())
    }

    fn is_for_caller(&self, event: &Event) -> bool {
        let addressed = match &event.audience {
            Audience::User(id) => *id == self.caller.actor.user_id,
            Audience::Org(id) => self.caller.org.as_ref().is_some_and(|o| o.id == *id),
        };
        addressed && policy::event_visible(&self.caller.actor, &event.kind)
    }

    fn concerns_caller(&self, change: &AccessChange) -> bool {
        let credential = self.caller.credential();
        change.user_id.as_deref() == Some(self.caller.actor.user_id.as_str())
            || (change.credential.is_some() && change.credential == credential)
    }
}
