//! `AppState`: the cheap, cloneable handle every handler receives.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::{Identity, TicketKey};
use crate::clock::Clock;
use crate::config::{Limits, WorkArgs};
use crate::db::Db;
use crate::jobs::{CalendarCache, EventHub, JobRunnerHandle};
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
    /// What deadlines, reminders and jobs are measured against (a test's hand, or the
    /// system); sessions keep the real clock.
    pub clock: Clock,
    /// The working-day calendar every deadline is counted in.
    pub calendar: Arc<CalendarCache>,
    /// Live fan-out of committed events; a writer calls `events.wake()` after its commit.
    pub events: EventHub,
    /// Wakes the job worker after a write scheduled a job due now.
    pub jobs: JobRunnerHandle,
    /// Settings of tasks, notices and their delivery.
    pub work: Arc<WorkArgs>,
    /// The master key and the signed log's key (signed minutes).
    pub keyring: crate::keyring::Keyring,
    /// Where the built web client lives (`--web-dir`).
    pub web_dir: Arc<std::path::Path>,
}
