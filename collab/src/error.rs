//! Why a session ends, and why joining a room can fail.
//!
//! A websocket close frame carries a code and a short reason; [`Close`] is exactly that, so the
//! server can send it unchanged. The codes are part of the public protocol: they are listed in
//! the README and must never be renumbered.

use crate::store::StoreError;

/// Close codes concord sends, besides the standard ones (1001 going away, 1009 message too big,
/// 1011 internal error, 1012 service restart). A y-websocket client reconnects after any of
/// them and resyncs.
pub mod close_code {
    /// 1001: the session ended on the server's side.
    pub const GOING_AWAY: u16 = 1001;
    /// 1012 (service restart): this node is draining before it stops; reconnecting reaches
    /// another node (through the load balancer) or this one once it is back.
    pub const SERVICE_RESTART: u16 = 1012;
    /// 1009: a frame is larger than the configured maximum.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// 1011: storage failed; the room was dropped from memory and reloads on reconnect.
    pub const STORAGE_FAILED: u16 = 1011;
    /// 4400: the frame is not a sequence of well-formed y-protocol messages.
    pub const MALFORMED: u16 = 4400;
    /// 4402: a document update that cannot be decoded or applied.
    pub const CORRUPT_UPDATE: u16 = 4402;
    /// 4403: the client's access to the document was withdrawn while it was connected (its
    /// session was revoked, its organization left the space). Reconnecting asks again.
    pub const ACCESS_REVOKED: u16 = 4403;
    /// 4404: a message type this server does not speak.
    pub const UNKNOWN_MESSAGE: u16 = 4404;
    /// 4408: the client did not read its messages fast enough; its queue overflowed.
    pub const SLOW_CONSUMER: u16 = 4408;
    /// 4410: no byte moved to the client for the configured time while something waited to
    /// be sent to it (or a ping went unanswered meanwhile): it stopped reading, or its network
    /// did. A client that keeps reading, however slowly, is never closed for slowness.
    pub const NO_PROGRESS: u16 = 4410;
    /// 4413: the update would grow the document past the configured maximum size.
    pub const DOCUMENT_TOO_LARGE: u16 = 4413;
    /// 4429: too many updates wait for missing predecessors.
    pub const TOO_MANY_PENDING: u16 = 4429;
}

/// A reason to close one client's connection: a websocket close code and a reason for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    /// At most 123 bytes (the websocket limit for a close reason).
    pub reason: String,
}

impl Close {
    pub fn new(code: u16, reason: impl Into<String>) -> Close {
        let mut reason = reason.into();
        if reason.len() > 123 {
            let mut cut = 123;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
        }
        Close { code, reason }
    }
}

/// Why a client could not join a room.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Stored bytes that no longer decode: never expected, since only validated updates are
    /// stored, and worth an alarm when it happens.
    #[error("stored state of document {doc} is corrupt: {detail}")]
    CorruptStoredState { doc: String, detail: String },
    #[error("access denied")]
    AccessDenied,
    /// Storage failed while the document's last updates were being committed.
    #[error("storage failed for document {doc}")]
    StorageFailed { doc: String },
}
