//! The realtime core of concord: collaborative documents that many clients edit at once.
//!
//! It speaks the standard y-websocket protocol (via `yrs::sync`) as bytes in, bytes out, and
//! knows nothing of HTTP, sockets or SQL: storage is reached only through [`DocStore`], other
//! nodes only through [`Fanout`]. The server supplies both.
//!
//! # Layout
//!
//! - [`access`]: who a client is ([`Principal`]) and what it may do ([`Access`]).
//! - [`store`]: the [`DocStore`] trait and document ids.
//! - [`fanout`]: the [`Fanout`] trait and its single-node no-op.
//! - [`fuzzing`]: bytes-in entry points for the fuzz targets in `fuzz/` and the bounded run in
//!   the tests.
//! - [`guard`]: a pre-scan of what clients send, so that decoding costs memory in proportion
//!   to the bytes received, whatever counts they declare.
//! - `room`: one loaded document, its sessions, and the durable watermark.
//! - `queue`: what waits for one client: presence coalesced per awareness client id, updates
//!   merged while it receives its initial state, bounded by count and bytes.
//! - [`rooms`]: the registry that loads each document once and unloads it when idle.
//! - [`session`]: one client in one room; per-message access checks.
//! - [`error`]: close codes and errors.
//!
//! # Invariants
//!
//! - No update reaches another client before [`DocStore::append`] has returned: apply (which
//!   validates), append, then broadcast, then echo to the sender.
//! - A client's sync step 2 never contains an update that is not yet committed.
//! - The `user` field of every awareness state is the server's [`Principal`], never the
//!   client's claim; a session can only change awareness states it created.
//! - A refused message changes nothing: not the in-memory doc, not storage.
//! - Another node's update reaches a room only after it is stored, in log order, once; a
//!   room that missed one catches up from storage, never from another node.

pub mod access;
pub mod error;
pub mod fanout;
pub mod fuzzing;
pub mod guard;
mod initial;
mod queue;
mod room;
pub mod rooms;
pub mod session;
pub mod store;

pub use access::{Access, Principal};
pub use error::{close_code, Close, Error};
pub use fanout::{Fanout, FanoutError, RemoteOutcome, SingleNode};
pub use room::FrozenState;
pub use rooms::{Freeze, Rooms, RoomsConfig, Stats};
pub use session::{Closing, Outbox, Outgoing, Session, READ_ONLY_REASON};
pub use store::{
    Appended, DocId, DocStore, InvalidDocId, MemoryStore, Snapshot, StoreError, StoredDoc,
    StoredUpdate,
};
