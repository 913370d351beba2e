//! The live side of the event stream: committed events, fanned out to every open SSE stream.
//!
//! Events are rows first (`db::events`, numbered 1, 2, 3, … in commit order); the hub only
//! says "these rows exist now". One pump per node reads `events_after(cursor)` when a writer
//! on this node calls [`EventHub::wake`] after its commit, or another node's wake arrives
//! (relayed by `crate::cluster`), and otherwise once a second (once every
//! [`RELAYED_POLL`] when wakes are relayed: the poll is then only the safety net), and
//! broadcasts each event once, in order. A stream that falls behind the
//! broadcast re-reads the database, so the hub may drop nothing a client needs.
//!
//! The hub must never publish an event that is not committed, nor publish one twice.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;
use utoipa::ToSchema;

use crate::db::{Db, DbError, Event};

/// Events kept for slow streams before they must re-read the database.
const BROADCAST_CAPACITY: usize = 4096;

/// Events read per database round trip.
const PUMP_BATCH: i64 = 1000;

/// How often the pump looks for other nodes' events without being woken.
const PUMP_POLL: Duration = Duration::from_secs(1);

/// The same, when other nodes' wakes are relayed: a lost wake is found this late at worst.
pub const RELAYED_POLL: Duration = Duration::from_secs(10);

/// An event as people's browsers and agency systems receive it: in the inbox, as SSE
/// `data:` and as a webhook's body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventBody {
    /// The event's seq: 1, 2, 3, … in commit order (SSE's `id`, `Last-Event-ID`).
    pub id: i64,
    /// `task.dispatched`, `notice.received`, `meeting.notice_issued`, …
    pub kind: String,
    /// `task:<id>`, `notice:<id>`, `meeting:<id>`, …
    pub subject: String,
    /// Unix milliseconds.
    pub at: i64,
    /// Always a `title` and the ids needed to link; never a secret.
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub payload: Value,
}

impl From<&Event> for EventBody {
    fn from(event: &Event) -> EventBody {
        EventBody {
            id: event.seq,
            kind: event.kind.clone(),
            subject: event.subject.clone(),
            at: event.at,
            payload: event.payload.clone(),
        }
    }
}

/// The JSON text of an event, as SSE `data:` and as a webhook's body.
pub fn event_json(event: &Event) -> String {
    serde_json::to_string(&EventBody::from(event)).unwrap_or_default()
}

/// Cheap to clone; every clone is the same hub.
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Inner>,
}

struct Inner {
    live: broadcast::Sender<Arc<Event>>,
    wake: Notify,
    /// Tells other nodes that this one committed events (set once, by `crate::cluster`).
    relay: std::sync::OnceLock<Arc<dyn Fn() + Send + Sync>>,
    /// The highest seq broadcast so far; -1 before the pump's first read.
    published: AtomicI64,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub::new()
    }
}

impl EventHub {
    pub fn new() -> EventHub {
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        EventHub {
            inner: Arc::new(Inner {
                live,
                wake: Notify::new(),
                relay: std::sync::OnceLock::new(),
                published: AtomicI64::new(-1),
            }),
        }
    }

    /// Says that events were just committed: the pump reads them now instead of within a
    /// second.
    pub fn wake(&self) {
        if let Some(relay) = self.inner.relay.get() {
            relay();
        }
        self.inner.wake.notify_one();
    }

    /// Another node committed events: read them now (no relaying back).
    pub fn wake_here(&self) {
        self.inner.wake.notify_one();
    }

    /// From now on every [`EventHub::wake`] also calls `relay`, and the pump polls only every
    /// [`RELAYED_POLL`]. Set once, at start-up.
    pub fn relay_to(&self, relay: Arc<dyn Fn() + Send + Sync>) {
        let _ = self.inner.relay.set(relay);
    }

    /// Every event broadcast from now on, in seq order.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.inner.live.subscribe()
    }

    /// Reads what was committed since the last read and broadcasts it; returns how many.
    pub async fn pump_once(&self, db: &Db) -> Result<usize, DbError> {
        let mut cursor = self.inner.published.load(Ordering::SeqCst);
        if cursor < 0 {
            // The first read starts at what exists now: streams replay older events from
            // the database themselves.
            cursor = db.last_event_seq().await?;
            self.inner.published.store(cursor, Ordering::SeqCst);
        }
        let mut count = 0;
        loop {
            let batch = db.events_after(cursor, PUMP_BATCH).await?;
            let full = i64::try_from(batch.len()).unwrap_or(i64::MAX) >= PUMP_BATCH;
            for event in batch {
                cursor = event.seq;
                // No subscribers is not an error.
                let _ = self.inner.live.send(Arc::new(event));
                count += 1;
            }
            self.inner.published.store(cursor, Ordering::SeqCst);
            if !full {
                return Ok(count);
            }
        }
    }

    fn poll(&self) -> Duration {
        if self.inner.relay.get().is_some() {
            RELAYED_POLL
        } else {
            PUMP_POLL
        }
    }

    /// The pump: one per node, until `shutdown`.
    pub async fn pump(self, db: Db, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.pump_once(&db).await {
                tracing::warn!(error = %e, "reading new events failed; trying again");
            }
            tokio::select! {
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(self.poll()) => {}
                () = shutdown.cancelled() => return,
            }
        }
    }
}
