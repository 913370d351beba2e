//! `AppState`: the cheap, cloneable handle every handler receives.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::{Identity, TicketKey};
use crate::config::Limits;
use crate::db::Db;
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub rooms: collab::Rooms,
    pub tickets: TicketKey,
    /// Sign-in settings, rate limits, OpenID providers and access-change announcements.
    pub identity: Arc<Identity>,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub limits: Arc<Limits>,
    /// Cancelled when the server shuts down: every websocket loop watches it.
    pub shutdown: CancellationToken,
    /// Tracks websocket connections (they outlive the HTTP request that upgraded them), so
    /// shutdown can wait for each to close.
    pub connections: TaskTracker,
}
