//! The storage seam: what a room needs from durable storage, and nothing more.
//!
//! The server implements [`DocStore`] over SQL; `collab` never sees a connection. A document is
//! an append-only log of CRDT updates plus, at most, one snapshot that merges a prefix of that
//! log (written by compaction). Loading means: apply the snapshot, then every update whose
//! sequence number is greater than the snapshot's `through_seq`.

use std::fmt;

use async_trait::async_trait;
use bytes::Bytes;

use crate::access::Principal;

/// Identifies one collaborative document. Parsed, so it is always safe to log and store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocId(String);

impl DocId {
    /// Longest document id accepted.
    pub const MAX_LEN: usize = 128;

    /// Accepts 1 to 128 characters from `[A-Za-z0-9._:-]`.
    pub fn parse(raw: &str) -> Result<DocId, InvalidDocId> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        if ok {
            Ok(DocId(raw.to_owned()))
        } else {
            Err(InvalidDocId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A document id that is empty, too long or has characters outside `[A-Za-z0-9._:-]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a document id is 1 to 128 characters from A-Z, a-z, 0-9, '.', '_', ':' and '-'")]
pub struct InvalidDocId;

/// A compacted prefix of a document's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// One v1 update equivalent to every logged update with `seq <= through_seq`.
    pub data: Vec<u8>,
    /// The last log sequence number merged into `data`.
    pub through_seq: i64,
}

/// One logged v1 update, as it was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUpdate {
    /// Increases with every append to any document; only the order within a document matters.
    pub seq: i64,
    pub data: Vec<u8>,
}

/// Everything needed to rebuild a document: the snapshot, then the updates after it in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredDoc {
    pub snapshot: Option<Snapshot>,
    /// Updates with `seq > snapshot.through_seq` (all of them without a snapshot), by `seq`.
    pub updates: Vec<StoredUpdate>,
}

impl StoredDoc {
    /// Bytes stored for the document: snapshot plus log tail.
    pub fn stored_bytes(&self) -> usize {
        self.snapshot.as_ref().map_or(0, |s| s.data.len())
            + self.updates.iter().map(|u| u.data.len()).sum::<usize>()
    }
}

/// Where [`DocStore::append`] put an update in the document's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The update's sequence number.
    pub seq: i64,
    /// The sequence number of the document's update just before it in the log (0 when it is
    /// the first), when the store knows it. Other nodes follow this chain to apply what they
    /// receive in log order and to notice what they missed.
    pub prev: Option<i64>,
}

/// Durable storage for documents, implemented by the server.
///
/// Implementations must make [`DocStore::append`] durable before it returns: a room broadcasts
/// an update only after its append has returned `Ok`.
#[async_trait]
pub trait DocStore: Send + Sync + 'static {
    /// Reads the snapshot (if any) and the log after it.
    async fn load(&self, doc: &DocId) -> Result<StoredDoc, StoreError>;

    /// Appends one update, recording who sent it and when (the store's clock), and returns its
    /// place in the log once it is committed.
    async fn append(
        &self,
        doc: &DocId,
        update: Bytes,
        author: &Principal,
    ) -> Result<Appended, StoreError>;

    /// Replaces the document's snapshot with `snapshot`, which merges every update with
    /// `seq <= through_seq`. Must be a no-op when the stored snapshot already reaches further, so
    /// that two compactions racing (on one node or several) can never move it backwards. Updates
    /// stay in the log: they are the document's edit history.
    async fn compact(
        &self,
        doc: &DocId,
        snapshot: Vec<u8>,
        through_seq: i64,
    ) -> Result<(), StoreError>;
}

/// A storage failure. Opaque on purpose: its text is for logs, never for clients.
#[derive(Debug, thiserror::Error)]
#[error("document storage failed: {0}")]
pub struct StoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

impl StoreError {
    pub fn new(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError(Box::new(err))
    }
}

/// A [`DocStore`] in memory, for tests and fuzzing. Not durable: everything is lost with it.
#[derive(Debug, Default)]
pub struct MemoryStore {
    docs: std::sync::Mutex<std::collections::HashMap<DocId, StoredDoc>>,
    next_seq: std::sync::atomic::AtomicI64,
}

impl MemoryStore {
    fn docs(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<DocId, StoredDoc>> {
        // Every critical section is a plain map operation that cannot panic halfway.
        self.docs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl DocStore for MemoryStore {
    async fn load(&self, doc: &DocId) -> Result<StoredDoc, StoreError> {
        Ok(self.docs().get(doc).cloned().unwrap_or_default())
    }

    async fn append(
        &self,
        doc: &DocId,
        update: Bytes,
        _author: &Principal,
    ) -> Result<Appended, StoreError> {
        let mut docs = self.docs();
        let seq = self
            .next_seq
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let stored = docs.entry(doc.clone()).or_default();
        let prev = stored
            .updates
            .last()
            .map(|u| u.seq)
            .or(stored.snapshot.as_ref().map(|s| s.through_seq))
            .unwrap_or(0);
        stored.updates.push(StoredUpdate {
            seq,
            data: update.to_vec(),
        });
        Ok(Appended {
            seq,
            prev: Some(prev),
        })
    }

    async fn compact(
        &self,
        doc: &DocId,
        snapshot: Vec<u8>,
        through_seq: i64,
    ) -> Result<(), StoreError> {
        let mut docs = self.docs();
        let stored = docs.entry(doc.clone()).or_default();
        if stored
            .snapshot
            .as_ref()
            .is_some_and(|s| s.through_seq >= through_seq)
        {
            return Ok(());
        }
        stored.updates.retain(|u| u.seq > through_seq);
        stored.snapshot = Some(Snapshot {
            data: snapshot,
            through_seq,
        });
        Ok(())
    }
}
