//! The caller's events, live and resumable: what `GET /api/events` streams.
//!
//! A client that comes back with the last event it saw (`Last-Event-ID: <seq>`, which browsers
//! send by themselves, or `?after=<seq>`) gets every event it missed, in order, exactly once,
//! then the live ones. Without either it gets only events from now on.
//!
//! How "exactly once" holds: the stream subscribes to the hub *before* it replays from the
//! database, so an event committed meanwhile is in the replay or in the subscription (or
//! both); it passes only seqs above the last one it passed, and when the subscription lagged
//! it re-reads the database from there. The caller sees events addressed to them or to their
//! body only, and only kinds the policy lets them see.
//!
//! The stream ends when the server shuts down or when the caller's access may have changed
//! (a revoked session, a disabled account); the client reconnects and is checked again.
//!
//! This module knows nothing of Server-Sent Events: the HTTP layer frames what it yields.

use std::collections::VecDeque;
use std::sync::Arc;

use futures_util::Stream;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use super::Error;
use crate::auth::Caller;
use crate::db::{Audience, DbError, Event};
use crate::domain::policy::{self, Action};
use crate::services::{AccessChange, Services};

/// Events read from the database per round trip while replaying.
const REPLAY_BATCH: i64 = 500;

/// Where a stream starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resume<'a> {
    /// The `Last-Event-ID` a reconnecting browser sends, as it came.
    pub last_event_id: Option<&'a [u8]>,
    /// `?after=<seq>`, for clients that cannot set the header.
    pub after: Option<i64>,
}

impl Resume<'_> {
    /// The seq after which to start; `None`: from now on.
    fn after(self) -> Result<Option<i64>, Error> {
        let last_event_id = match self.last_event_id {
            Some(value) => Some(
                std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .filter(|seq| *seq >= 0)
                    .ok_or_else(|| {
                        Error::invalid("Last-Event-ID", &crate::domain::phrases::LAST_EVENT_ID)
                    })?,
            ),
            None => None,
        };
        if self.after.is_some_and(|a| a < 0) {
            return Err(Error::invalid(
                "after",
                &crate::domain::phrases::AFTER_EVENT_NUMBER,
            ));
        }
        Ok(last_event_id.or(self.after))
    }
}

/// The caller's events from `resume` on, until `shutdown` or until their access may have
/// changed.
pub async fn follow(
    services: &Services,
    caller: Caller,
    resume: Resume<'_>,
    shutdown: CancellationToken,
) -> Result<impl Stream<Item = Event> + Send + 'static, Error> {
    caller.allow(&services.db, Action::ReadEvents).await?;
    let after = resume.after()?;
    // Subscribe first: whatever commits from here on is in the subscription.
    let live = services.events.subscribe();
    let changes = services.access.subscribe();
    let cursor = match after {
        Some(after) => after,
        None => services.db.last_event_seq().await?,
    };
    let reader = Reader {
        services: services.clone(),
        caller,
        cursor,
        replaying: true,
        pending: VecDeque::new(),
        live,
        changes,
        shutdown,
        done: false,
    };
    Ok(futures_util::stream::unfold(
        reader,
        |mut reader| async move {
            let event = reader.next().await?;
            Some((event, reader))
        },
    ))
}

/// One client's position in the stream.
struct Reader {
    services: Services,
    caller: Caller,
    /// The highest seq passed (or skipped as not for this caller).
    cursor: i64,
    /// Reading the database rather than the subscription: at the start, and after a lag.
    replaying: bool,
    pending: VecDeque<Event>,
    live: broadcast::Receiver<Arc<Event>>,
    changes: broadcast::Receiver<AccessChange>,
    shutdown: CancellationToken,
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
                () = self.shutdown.cancelled() => self.done = true,
            }
        }
    }

    /// Reads one batch of the caller's events after the cursor from the database.
    async fn replay(&mut self) -> Result<(), DbError> {
        let org = self.caller.org.as_ref().map(|o| o.id.as_str());
        let batch = self
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_resumes_after_the_last_event_id_before_after() {
        let resume = |id: Option<&'static str>, after| Resume {
            last_event_id: id.map(str::as_bytes),
            after,
        };

        assert_eq!(resume(Some(" 7 "), Some(3)).after().unwrap(), Some(7));
        assert_eq!(resume(None, Some(3)).after().unwrap(), Some(3));
        assert_eq!(resume(None, None).after().unwrap(), None);
        assert!(resume(Some("x"), None).after().is_err());
        assert!(resume(Some("-1"), None).after().is_err());
        assert!(resume(None, Some(-1)).after().is_err());
    }
}
