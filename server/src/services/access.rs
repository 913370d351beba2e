//! Announcements that someone's access to documents may have dropped.
//!
//! Operations that lower access (a revoked session or token, a body removed from a space, a
//! user disabled, minutes frozen) announce it here; every open websocket whose credential,
//! user, organization or space is concerned re-asks the policy at once and closes with 4403
//! or drops to read-only. This is per node: several nodes need the announcement carried over
//! Redis.
//!
//! It must never decide access itself: it only says "ask again".

use tokio::sync::broadcast;

/// Announcements kept for sockets that are slow to read them; one that falls further behind
/// re-checks anyway (a lagged receiver is treated as "something changed").
const CAPACITY: usize = 1024;

/// What changed; an open socket re-checks its access when any field concerns it.
#[derive(Debug, Clone, Default)]
pub struct AccessChange {
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    pub space_id: Option<String>,
    /// `session:<id>` or `token:<id>`.
    pub credential: Option<String>,
}

/// The broadcast every open socket listens to. Cheap to clone.
#[derive(Clone)]
pub struct AccessChanges {
    sender: broadcast::Sender<AccessChange>,
}

impl Default for AccessChanges {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        AccessChanges { sender }
    }
}

impl AccessChanges {
    /// Tells open websockets that someone's access may have dropped.
    pub fn announce(&self, change: AccessChange) {
        // No receivers (no open sockets) is not an error.
        let _ = self.sender.send(change);
    }

    /// Every announcement from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<AccessChange> {
        self.sender.subscribe()
    }
}
