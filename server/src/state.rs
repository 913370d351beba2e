//! `AppState`: the cheap, cloneable handle every handler receives: the [`Services`] that
//! operations take, and beside them what only the web needs.
//!
//! Handlers pass `&state.services` to [`crate::work`]; nothing below the HTTP layer ever sees
//! an `AppState`.

use std::sync::Arc;

use axum::extract::FromRef;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::{DocGate, Identity, TicketKey};
use crate::config::Limits;
use crate::services::Services;
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    /// What operations need: database, clock, calendar, event hub, job waker, keyring,
    /// settings, open documents, access announcements.
    pub services: Services,
    /// Signs and checks websocket tickets.
    pub tickets: TicketKey,
    /// Sign-in settings, rate limits and OpenID providers.
    pub identity: Arc<Identity>,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<Limits>,
    /// Cancelled when the node starts draining (SIGTERM): `/readyz` answers 503, new requests
    /// are refused, every websocket loop closes with 1012, event streams and background loops
    /// end.
    pub shutdown: CancellationToken,
    /// Tracks the requests being answered (not the health and metrics routes), so the drain
    /// can wait for those that began before it.
    pub requests: TaskTracker,
    /// Tracks websocket connections (they outlive the HTTP request that upgraded them), so
    /// shutdown can wait for each to close.
    pub connections: TaskTracker,
    /// Where the built web client lives (`--web-dir`).
    pub web_dir: Arc<std::path::Path>,
    /// Uploads in progress, limited, and where they are spooled.
    pub uploads: Arc<Uploads>,
    /// The other nodes, when there are: `/readyz` reports the subscription to Redis.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
}

/// The places for uploads in progress (`--max-concurrent-uploads`) and the directory their
/// bodies are spooled to while they arrive.
pub struct Uploads {
    pub permits: Arc<tokio::sync::Semaphore>,
    /// Temporary files are made here, unnamed, and vanish when closed (or the process dies).
    pub spool_dir: std::path::PathBuf,
}

impl AppState {
    /// What document authorization needs of this state.
    pub fn doc_gate(&self) -> DocGate<'_> {
        DocGate {
            db: &self.services.db,
            identity: &self.identity,
            tickets: &self.tickets,
        }
    }
}

impl FromRef<AppState> for Services {
    fn from_ref(state: &AppState) -> Services {
        state.services.clone()
    }
}
