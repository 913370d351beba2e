//! Announcements that someone's access to documents may have dropped.
//!
//! Operations that lower access (a revoked session or token, a body removed from a space, a
//! user disabled, minutes frozen) announce it here; every open websocket whose credential,
//! user, organization or space is concerned re-asks the policy at once and closes with 4403
//! or drops to read-only. With several nodes, `crate::cluster` relays every announcement to
//! the others (see [`AccessChanges::relay_to`]), which announce it to their own sockets.
//!
//! It must never decide access itself: it only says "ask again".

use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// Announcements kept for sockets that are slow to read them; one that falls further behind
/// re-checks anyway (a lagged receiver is treated as "something changed").
const CAPACITY: usize = 1024;

/// What changed; an open socket re-checks its access when any field concerns it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AccessChange {
    pub user_id: Option<String>,
    pub org_id: Option<String>,
    pub space_id: Option<String>,
    /// `session:<id>` or `token:<id>`.
    pub credential: Option<String>,
    /// A document frozen (`true`) or opened again (`false`): other nodes' rooms of it follow
    /// at once, before their sockets have re-checked.
    #[serde(default)]
    pub doc_frozen: Option<(String, bool)>,
}

/// Where announcements go besides this node's sockets (the other nodes).
pub type Relay = Arc<dyn Fn(&AccessChange) + Send + Sync>;

/// The broadcast every open socket listens to. Cheap to clone.
#[derive(Clone)]
pub struct AccessChanges {
    sender: broadcast::Sender<AccessChange>,
    relay: Arc<OnceLock<Relay>>,
}

impl Default for AccessChanges {
    fn default() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        AccessChanges {
            sender,
            relay: Arc::default(),
        }
    }
}

impl AccessChanges {
    /// Tells open websockets, on this node and the others, that someone's access may have
    /// dropped.
    pub fn announce(&self, change: AccessChange) {
        if let Some(relay) = self.relay.get() {
            relay(&change);
        }
        self.announce_here(change);
    }

    /// Tells this node's websockets only (an announcement another node relayed).
    pub fn announce_here(&self, change: AccessChange) {
        // No receivers (no open sockets) is not an error.
        let _ = self.sender.send(change);
    }

    /// From now on every [`AccessChanges::announce`] also goes to `relay`. Set once, at
    /// start-up; a second relay is ignored.
    pub fn relay_to(&self, relay: Relay) {
        let _ = self.relay.set(relay);
    }

    /// Every announcement from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<AccessChange> {
        self.sender.subscribe()
    }
}
