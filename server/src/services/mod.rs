//! [`Services`]: what operations need to do their work, and nothing about the web.
//!
//! An operation of [`crate::work`] (set a task, freeze minutes, answer an invitation) and a
//! job of [`crate::jobs`] take a `&Services`: the database, the clock deadlines are measured
//! against, the working-day calendar, the event hub that pushes committed events live, the
//! handle that wakes the job worker, the keyring of seals and the log key, the settings of
//! supervision, the open documents (freezing minutes makes their sockets read-only) and the
//! announcements of lowered access. A request handler, the command line (`concord admin`)
//! and the job worker all reach the same operations through it, so an operation never needs
//! to know which of them called.
//!
//! What it must never hold: anything of HTTP (cookies, the ticket key, sign-in settings,
//! the web directory, metrics). Those live in [`crate::state::AppState`], which holds a
//! `Services` beside them.
//!
//! # Layout
//!
//! - here: [`Services`] and [`JobWaker`].
//! - [`events`]: [`EventHub`], the live fan-out of committed events to SSE streams.
//! - [`calendar`]: [`CalendarCache`], the working-day calendar every deadline is counted in.
//! - [`access`]: [`AccessChanges`], announcements that someone's access may have dropped, so
//!   open websockets re-check theirs at once.

pub mod access;
pub mod calendar;
pub mod events;

use std::sync::Arc;

use tokio::sync::Notify;

pub use access::{AccessChange, AccessChanges};
pub use calendar::CalendarCache;
pub use events::{event_json, EventBody, EventHub};

use crate::clock::Clock;
use crate::config::WorkArgs;
use crate::db::Db;
use crate::keyring::Keyring;

/// The cheap, cloneable handle every operation and job receives.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    /// What deadlines, reminders and jobs are measured against (a test's hand, or the
    /// system). Sessions and sign-in limits keep the real clock.
    pub clock: Clock,
    /// The working-day calendar every deadline is counted in.
    pub calendar: Arc<CalendarCache>,
    /// Live fan-out of committed events; a writer calls [`Services::wake`] after its commit.
    pub events: EventHub,
    /// Wakes the job worker after a write scheduled a job due now.
    pub jobs: JobWaker,
    /// The master key, the bodies' seals and the signed log's key.
    pub keyring: Keyring,
    /// Settings of tasks, notices and their delivery.
    pub settings: Arc<WorkArgs>,
    /// The open documents: freezing minutes stops their edits under the lock that applies
    /// them.
    pub rooms: collab::Rooms,
    /// Announces changes that may lower someone's access to open documents.
    pub access: AccessChanges,
    /// The Chinese font the PDF renditions of signed documents are typeset with.
    pub fonts: crate::fonts::FontSource,
}

impl Services {
    /// Tells the event pump and the job worker that a write committed events or jobs, so the
    /// change reaches people at once instead of at the next poll.
    pub fn wake(&self) {
        self.events.wake();
        self.jobs.wake();
    }
}

/// Wakes the job worker early: a write that scheduled a job due now need not wait for the
/// next poll. Cheap to clone; every clone wakes the same worker.
#[derive(Clone, Default)]
pub struct JobWaker {
    notify: Arc<Notify>,
}

impl JobWaker {
    /// Tells the worker loop to look for due jobs now.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    /// Resolves at the next [`JobWaker::wake`] (or at once if one is pending).
    pub async fn woken(&self) {
        self.notify.notified().await;
    }
}
