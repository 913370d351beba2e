//! Who is on the other end of a session and what they may do.
//!
//! `collab` never decides access itself: the server's one authorization point does, and hands
//! the result to [`crate::Session::join`]. `collab` only enforces it, on every message.

/// What a session may do to its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No access at all: such a client is refused before it ever reaches a room.
    None,
    /// May sync and see others' presence, may not change the document.
    Read,
    /// May change the document.
    Write,
}

impl Access {
    /// Whether updates from a client with this access may be applied and stored.
    pub fn can_write(self) -> bool {
        matches!(self, Access::Write)
    }
}

/// The authenticated person behind a session, as the server established it.
///
/// These fields, never what the client claims, are written into stored updates and into the
/// `user` field of the client's awareness state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable user id; recorded with every stored update.
    pub user_id: String,
    /// Display name shown to other participants.
    pub name: String,
    /// The organization the user acts for (every user acts for exactly one).
    pub org: String,
}
