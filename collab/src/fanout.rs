//! The seam to other nodes serving the same deployment.
//!
//! A room publishes every committed update and every change of its own clients' awareness
//! states through [`Fanout`]. On a single node there is nobody to tell, and [`SingleNode`]
//! does nothing. A multi-node implementation (Redis pub/sub) lives in the server, which also
//! feeds what other nodes publish back into local rooms with [`crate::Rooms::apply_remote`],
//! [`crate::Rooms::apply_remote_awareness`] and, when it may have missed something,
//! [`crate::Rooms::catch_up`] (which reads storage, never the other nodes).

use async_trait::async_trait;
use bytes::Bytes;

use crate::store::{Appended, DocId};

/// Publishes committed updates and awareness changes to the other nodes that have the same
/// document open.
#[async_trait]
pub trait Fanout: Send + Sync + 'static {
    /// Called after the update is durably stored, with its place in the log. Failure is
    /// logged by the caller and does not undo the update: other nodes catch up from storage.
    async fn publish(&self, doc: &DocId, at: Appended, update: Bytes) -> Result<(), FanoutError>;

    /// Called when this node's clients changed their awareness states of `doc` (a v1
    /// awareness update holding only states this node's sessions own). Must not wait: it is
    /// called under the room's lock and from `Drop`. Awareness is ephemeral: losing one is
    /// mended by the client's next renewal.
    fn publish_awareness(&self, _doc: &DocId, _update: Bytes) {}

    /// This node has just loaded `doc`; the other nodes holding it may answer with their
    /// clients' awareness states (see [`crate::Rooms::local_awareness`]). Must not wait.
    fn loaded(&self, _doc: &DocId) {}
}

/// Fan-out for a deployment of one node: there are no other nodes to tell.
#[derive(Debug, Default, Clone, Copy)]
pub struct SingleNode;

#[async_trait]
impl Fanout for SingleNode {
    async fn publish(
        &self,
        _doc: &DocId,
        _at: Appended,
        _update: Bytes,
    ) -> Result<(), FanoutError> {
        Ok(())
    }
}

/// A failure to publish to other nodes.
#[derive(Debug, thiserror::Error)]
#[error("fan-out to other nodes failed: {0}")]
pub struct FanoutError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// What became of an update another node committed (see [`crate::Rooms::apply_remote`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteOutcome {
    /// This node does not hold the document: its next load reads the update from storage.
    NotHeld,
    /// The room is loading; the update is applied once it has loaded.
    Held,
    /// Already in the document (the load read it, or it came twice).
    Duplicate,
    /// Applied, with every update before it in the log, and sent to this node's clients.
    Applied,
    /// An update before it in the log has not arrived yet; it waits. If it still waits after
    /// a short while, the server calls [`crate::Rooms::catch_up`].
    Waiting,
}
