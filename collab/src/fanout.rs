//! The seam to other nodes serving the same deployment.
//!
//! A room publishes every committed update through [`Fanout`]. On a single node there is nobody
//! to tell, and [`SingleNode`] does nothing. A multi-node implementation (Redis pub/sub) lives in
//! the server, which also feeds what other nodes publish back into local rooms.

use async_trait::async_trait;
use bytes::Bytes;

use crate::store::DocId;

/// Publishes committed updates to the other nodes that have the same document open.
#[async_trait]
pub trait Fanout: Send + Sync + 'static {
    /// Called after the update is durably stored. Failure is logged by the caller and does not
    /// undo the update: other nodes catch up from storage when their clients resync.
    async fn publish(&self, doc: &DocId, update: Bytes) -> Result<(), FanoutError>;
}

/// Fan-out for a deployment of one node: there are no other nodes to tell.
#[derive(Debug, Default, Clone, Copy)]
pub struct SingleNode;

#[async_trait]
impl Fanout for SingleNode {
    async fn publish(&self, _doc: &DocId, _update: Bytes) -> Result<(), FanoutError> {
        Ok(())
    }
}

/// A failure to publish to other nodes.
#[derive(Debug, thiserror::Error)]
#[error("fan-out to other nodes failed: {0}")]
pub struct FanoutError(#[source] pub Box<dyn std::error::Error + Send + Sync>);
