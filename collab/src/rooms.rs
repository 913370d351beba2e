//! The registry of open rooms: `DocId → Room`, loaded once, unloaded when idle.
//!
//! However many clients join the same document at the same moment, it is loaded from storage
//! once: the first joiner runs the load inside a `tokio::sync::OnceCell` and the others await it.
//! A room is unloaded by the maintenance task after it has had no member for
//! [`RoomsConfig::idle_unload_after`]. The member count is raised under the registry lock, and
//! unloading checks it under the same lock, so a room can never be unloaded while a client is
//! joining it (which would let two copies of one document live side by side).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use crate::error::Error;
use bytes::Bytes;
use yrs::sync::AwarenessUpdate;
use yrs::updates::decoder::Decode;

use crate::fanout::{Fanout, RemoteOutcome};
use crate::room::{self, FrozenState, Room};
use crate::store::{DocId, DocStore};

/// Limits and timings of the realtime core. Every field has a sensible default.
#[derive(Debug, Clone)]
pub struct RoomsConfig {
    /// Largest document, in stored bytes (snapshot plus log since it), that accepts updates.
    pub max_doc_bytes: usize,
    /// Largest total of one session's updates that may wait for missing predecessors (they are
    /// parked with the session, never stored).
    pub max_pending_bytes: usize,
    /// Messages queued for one client before it is closed as a slow consumer (presence
    /// coalesced per awareness client id, and updates merged while it receives its initial
    /// state, count one message each; see `queue.rs`).
    pub outgoing_queue: usize,
    /// Bytes queued for one client, not counting its initial state, before it is closed as a
    /// slow consumer.
    pub outgoing_queue_bytes: usize,
    /// An awareness state not renewed within this time is removed (y-protocols: 30 s).
    pub awareness_timeout: Duration,
    /// Presence changes reach a room's clients at most this often: the first after a quiet
    /// interval at once, the rest gathered into one message at the interval's end.
    pub presence_every: Duration,
    /// A room with no client for this long is dropped from memory.
    pub idle_unload_after: Duration,
    /// Compact once this many updates are logged after the snapshot...
    pub compact_after_updates: usize,
    /// ...or this many bytes.
    pub compact_after_bytes: usize,
    /// How often the maintenance task runs.
    pub maintenance_every: Duration,
}

impl Default for RoomsConfig {
    fn default() -> Self {
        RoomsConfig {
            max_doc_bytes: 32 * 1024 * 1024,
            max_pending_bytes: 1024 * 1024,
            outgoing_queue: 1024,
            outgoing_queue_bytes: 16 * 1024 * 1024,
            awareness_timeout: Duration::from_secs(30),
            presence_every: Duration::from_millis(30),
            idle_unload_after: Duration::from_secs(30),
            compact_after_updates: 1000,
            compact_after_bytes: 1024 * 1024,
            maintenance_every: Duration::from_secs(1),
        }
    }
}

/// Counters for the server's metrics endpoint. Read with `Ordering::Relaxed`.
#[derive(Debug, Default)]
pub struct Stats {
    pub sessions: AtomicUsize,
    pub updates_applied: AtomicU64,
    pub updates_rejected: AtomicU64,
    pub compactions: AtomicU64,
    /// Documents loaded from storage (once per room, however many joined at once).
    pub loads: AtomicU64,
    /// Sessions that have joined and not yet had their initial state (first sync step 2)
    /// written to their socket.
    pub joins_in_flight: AtomicU64,
    /// Awareness entries that replaced one of the same client id still waiting: in a room's
    /// batch (see `room.rs`) or in a client's queue.
    pub awareness_coalesced: AtomicU64,
    /// Clients closed (4408) because what waited for them passed a bound.
    pub closed_queue_bound: AtomicU64,
    /// The most bytes ever waiting for one client (without its initial state).
    pub queued_bytes_peak: AtomicU64,
    /// Joiners sent a whole state framed for an earlier joiner of the same moment, rather
    /// than encoded again (see `initial.rs`).
    pub initial_states_shared: AtomicU64,
}

impl Stats {
    pub(crate) fn note_queued_bytes(&self, bytes: usize) {
        self.queued_bytes_peak
            .fetch_max(bytes as u64, Ordering::Relaxed);
    }
}

/// A cheap, cloneable handle on every open room of this node.
#[derive(Clone)]
pub struct Rooms {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Arc<dyn DocStore>,
    pub(crate) fanout: Arc<dyn Fanout>,
    pub(crate) config: RoomsConfig,
    pub(crate) stats: Arc<Stats>,
    slots: Mutex<HashMap<DocId, Arc<Slot>>>,
    next_session: AtomicU64,
    epoch: Instant,
}

/// A registry entry: the room once loaded, and how many sessions hold it.
struct Slot {
    room: OnceCell<Arc<Room>>,
    members: AtomicUsize,
    /// Milliseconds since `Inner::epoch` when `members` last dropped to zero.
    idle_since: AtomicU64,
    /// Other nodes' updates that arrived while the room was loading, as `(seq, prev,
    /// update)`: the load may have read the log just before they were committed.
    early: Mutex<Vec<(i64, i64, Bytes)>>,
}

impl Slot {
    fn empty() -> Arc<Slot> {
        Arc::new(Slot {
            room: OnceCell::new(),
            members: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
            early: Mutex::new(Vec::new()),
        })
    }
}

/// Holds a room for one session; dropping it lets the room become idle.
pub(crate) struct Membership {
    slot: Arc<Slot>,
    rooms: Arc<Inner>,
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.slot
            .idle_since
            .store(self.rooms.millis(), Ordering::Relaxed);
        self.slot.members.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Inner {
    fn millis(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    pub(crate) fn next_session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }
}

impl Rooms {
    pub fn new(store: Arc<dyn DocStore>, fanout: Arc<dyn Fanout>, config: RoomsConfig) -> Rooms {
        Rooms {
            inner: Arc::new(Inner {
                store,
                fanout,
                config,
                stats: Arc::new(Stats::default()),
                slots: Mutex::new(HashMap::new()),
                next_session: AtomicU64::new(1),
                epoch: Instant::now(),
            }),
        }
    }

    pub fn config(&self) -> &RoomsConfig {
        &self.inner.config
    }

    pub fn stats(&self) -> &Stats {
        &self.inner.stats
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<DocId, Arc<Slot>>> {
        self.inner
            .slots
            .lock()
            .expect("rooms registry lock poisoned")
    }

    /// Joins the room of `doc`, loading it if no one has it open.
    pub(crate) async fn join(&self, doc: &DocId) -> Result<(Arc<Room>, Membership), Error> {
        let slot = {
            let mut slots = self.slots();
            let slot = slots.entry(doc.clone()).or_insert_with(Slot::empty);
            // A room whose storage failed is left to its departing sessions; a new joiner
            // gets a fresh copy loaded from storage.
            if slot.room.get().is_some_and(|r| r.has_failed()) {
                *slot = Slot::empty();
            }
            slot.members.fetch_add(1, Ordering::AcqRel);
            slot.clone()
        };
        let membership = Membership {
            slot: slot.clone(),
            rooms: self.inner.clone(),
        };
        let room = slot
            .room
            .get_or_try_init(|| async {
                let stored = self.inner.store.load(doc).await?;
                let (room, repaired) = tokio::task::spawn_blocking({
                    let doc = doc.clone();
                    let fanout = self.inner.fanout.clone();
                    let presence = (self.inner.config.presence_every, self.inner.stats.clone());
                    move || Room::from_stored(doc, stored, fanout, presence)
                })
                .await
                .map_err(|e| Error::CorruptStoredState {
                    doc: doc.to_string(),
                    detail: e.to_string(),
                })??;
                if let Some(repaired) = repaired {
                    // Stored by an older version, which kept updates waiting for predecessors
                    // as part of the document: they poisoned its pending area for every client.
                    tracing::warn!(
                        doc = %doc,
                        discarded_bytes = repaired.bytes,
                        missing_clients = repaired.missing_clients,
                        "document held updates waiting for missing predecessors; discarded them and compacting"
                    );
                    if let Err(e) = self.compact(&room).await {
                        tracing::warn!(doc = %doc, error = %e, "compaction after repair failed; will repair again at the next load");
                    }
                }
                self.inner.stats.loads.fetch_add(1, Ordering::Relaxed);
                self.inner.fanout.loaded(doc);
                tracing::debug!(doc = %doc, "room loaded");
                Ok::<_, Error>(room.shared())
            })
            .await?
            .clone();
        let early = std::mem::take(&mut *lock(&slot.early));
        for (seq, prev, update) in early {
            room.apply_remote(seq, prev, update);
        }
        Ok((room, membership))
    }

    /// Applies an update another node committed to `doc` at `seq` (after `prev`), if this
    /// node holds the document: in log order, once (see `room.rs`).
    pub fn apply_remote(&self, doc: &DocId, seq: i64, prev: i64, update: Bytes) -> RemoteOutcome {
        let Some(slot) = self.slots().get(doc).cloned() else {
            return RemoteOutcome::NotHeld;
        };
        let room = {
            let mut early = lock(&slot.early);
            match slot.room.get() {
                Some(room) => room.clone(),
                None => {
                    early.push((seq, prev, update));
                    return RemoteOutcome::Held;
                }
            }
        };
        room.apply_remote(seq, prev, update)
    }

    /// Applies awareness states other nodes' clients set (a v1 awareness update) to `doc`,
    /// if it is loaded here.
    pub fn apply_remote_awareness(&self, doc: &DocId, update: &[u8]) {
        let Some(room) = self.loaded_room(doc) else {
            return;
        };
        match AwarenessUpdate::decode_v1(update) {
            Ok(update) => room.apply_remote_awareness(update),
            Err(e) => {
                tracing::debug!(doc = %doc, error = %e, "remote awareness update does not decode")
            }
        }
    }

    /// The awareness states this node's clients set on `doc`, for a node that just loaded it.
    pub fn local_awareness(&self, doc: &DocId) -> Option<Bytes> {
        self.loaded_room(doc)?.local_awareness()
    }

    /// Reads what storage holds of `doc` beyond what the room has and applies it: the mend
    /// for missed or lost messages of other nodes. `Ok(None)`: not loaded here; otherwise
    /// whether the document changed.
    pub async fn catch_up(&self, doc: &DocId) -> Result<Option<bool>, Error> {
        let Some(room) = self.loaded_room(doc) else {
            return Ok(None);
        };
        let stored = self.inner.store.load(doc).await?;
        let changed = room.catch_up(&stored)?;
        Ok(Some(changed))
    }

    /// Loaded documents that waited longer than `patience` for an update of another node
    /// (or could not integrate one): they need [`Rooms::catch_up`].
    pub fn lagging(&self, patience: Duration) -> Vec<DocId> {
        self.loaded()
            .into_iter()
            .filter(|r| r.needs_catch_up(patience))
            .map(|r| r.doc_id.clone())
            .collect()
    }

    /// How far this node is behind the other nodes' commits to its loaded documents: their
    /// updates it has received and not applied yet (each waits for a predecessor), and how
    /// long the oldest has waited (`None`: nothing waits).
    pub fn remote_backlog(&self) -> (usize, Option<Duration>) {
        self.loaded()
            .iter()
            .map(|room| room.remote_backlog())
            .fold((0, None), |(count, oldest), (n, since)| {
                (count + n, oldest.max(since))
            })
    }

    /// Every document loaded on this node.
    pub fn loaded_docs(&self) -> Vec<DocId> {
        self.loaded()
            .into_iter()
            .map(|r| r.doc_id.clone())
            .collect()
    }

    /// The seq up to which the loaded room of `doc` holds every stored update.
    pub fn synced(&self, doc: &DocId) -> Option<i64> {
        self.loaded_room(doc).map(|r| r.synced())
    }

    /// Another node froze `doc`: if it is loaded here, it refuses every change from now on
    /// (the sockets re-check their access too, from the announcement that follows).
    pub fn frozen_elsewhere(&self, doc: &DocId) {
        if let Some(room) = self.loaded_room(doc) {
            room.set_read_only(true);
        }
    }

    fn loaded_room(&self, doc: &DocId) -> Option<Arc<Room>> {
        self.slots()
            .get(doc)
            .and_then(|slot| slot.room.get().cloned())
    }

    /// Freezes a document: from now on the room refuses every change, whoever sends it, and
    /// once every update applied before has committed, the returned [`Freeze`] holds the
    /// document's final state. The room stays loaded while the `Freeze` lives, so the caller
    /// can record the freeze (and make every session read-only) before letting go; if it
    /// cannot, [`Freeze::undo`] opens the document again.
    pub async fn freeze(&self, doc: &DocId) -> Result<Freeze, Error> {
        let (room, membership) = self.join(doc).await?;
        let last = room.set_read_only(true);
        if !room.wait_durable(last).await {
            room.set_read_only(false);
            return Err(Error::StorageFailed {
                doc: doc.to_string(),
            });
        }
        let state = room.frozen_state();
        Ok(Freeze {
            room,
            _membership: membership,
            state,
        })
    }

    /// Lets a frozen document change again (minutes reopened as a new version). A room not
    /// loaded has nothing to undo: it is loaded writable, and sessions get their access
    /// from the server's records.
    pub fn thaw(&self, doc: &DocId) {
        let room = self
            .slots()
            .get(doc)
            .and_then(|slot| slot.room.get().cloned());
        if let Some(room) = room {
            room.set_read_only(false);
        }
    }

    /// Number of rooms loaded in memory.
    pub fn open_rooms(&self) -> usize {
        self.slots()
            .values()
            .filter(|s| s.room.initialized())
            .count()
    }

    /// Messages queued for clients across all rooms (the fan-out queue depth).
    pub fn queued_messages(&self) -> usize {
        self.loaded().iter().map(|r| r.queued_messages()).sum()
    }

    /// The most bytes waiting for any one client now (without its initial state).
    pub fn max_queued_bytes(&self) -> usize {
        self.loaded()
            .iter()
            .map(|r| r.max_queued_bytes())
            .max()
            .unwrap_or(0)
    }

    fn loaded(&self) -> Vec<Arc<Room>> {
        self.slots()
            .values()
            .filter_map(|s| s.room.get().cloned())
            .collect()
    }

    /// Runs periodic upkeep until the returned future is dropped: expires stale awareness
    /// states, compacts long logs, unloads idle and failed rooms. The server spawns it once.
    pub async fn maintain(self) {
        let mut tick = tokio::time::interval(self.inner.config.maintenance_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            self.maintain_once().await;
        }
    }

    /// One round of upkeep; public so tests can drive it without waiting for the timer.
    pub async fn maintain_once(&self) {
        let config = &self.inner.config;
        for room in self.loaded() {
            room.expire_awareness(config.awareness_timeout);
            let long = room.tail_updates.load(Ordering::Relaxed) >= config.compact_after_updates
                || room.tail_bytes.load(Ordering::Relaxed) >= config.compact_after_bytes;
            if long && !room.has_failed() {
                if let Err(e) = self.compact(&room).await {
                    tracing::warn!(doc = %room.doc_id, error = %e, "compaction failed; will retry");
                }
            }
        }
        self.unload_idle();
    }

    /// Merges the snapshot and the log into a new snapshot. Reads the log afresh, so an update
    /// that arrives while this runs is simply after `through_seq` and stays in the log.
    async fn compact(&self, room: &Room) -> Result<(), Error> {
        if room.compacting.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let result = self.compact_stored(&room.doc_id).await;
        room.compacting.store(false, Ordering::Release);
        let (merged_updates, merged_bytes) = result?;
        room.tail_updates
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(merged_updates))
            })
            .ok();
        room.tail_bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_sub(merged_bytes))
            })
            .ok();
        Ok(())
    }

    /// Returns how many log updates and bytes the new snapshot merged.
    async fn compact_stored(&self, doc: &DocId) -> Result<(usize, usize), Error> {
        let stored = self.inner.store.load(doc).await?;
        let Some(through) = stored.updates.last().map(|u| u.seq) else {
            return Ok((0, 0));
        };
        let counts = (
            stored.updates.len(),
            stored.updates.iter().map(|u| u.data.len()).sum(),
        );
        let doc_name = doc.to_string();
        let merged = tokio::task::spawn_blocking(move || {
            let parts = stored
                .snapshot
                .iter()
                .map(|s| s.data.as_slice())
                .chain(stored.updates.iter().map(|u| u.data.as_slice()));
            // A part that does not decode or apply refuses the snapshot; what waits for
            // missing predecessors is left out of it.
            room::compacted_state(parts)
        })
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r)
        .map_err(|detail| Error::CorruptStoredState {
            doc: doc_name,
            detail,
        })?;
        self.inner.store.compact(doc, merged, through).await?;
        self.inner.stats.compactions.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(doc = %doc, through, "document compacted");
        Ok(counts)
    }

    fn unload_idle(&self) {
        let now = self.inner.millis();
        let idle_ms = self.inner.config.idle_unload_after.as_millis() as u64;
        self.slots().retain(|doc, slot| {
            let unused = slot.members.load(Ordering::Acquire) == 0;
            let failed = slot.room.get().is_some_and(|r| r.has_failed());
            let idle = now.saturating_sub(slot.idle_since.load(Ordering::Relaxed)) >= idle_ms;
            let keep = !(unused && (idle || failed || !slot.room.initialized()));
            if !keep {
                tracing::debug!(doc = %doc, "room unloaded");
            }
            keep
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every critical section is a push or a take that cannot panic halfway.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A frozen document, held loaded until its freeze is recorded.
pub struct Freeze {
    room: Arc<Room>,
    _membership: Membership,
    /// Everything committed before the freeze, and nothing after.
    pub state: FrozenState,
}

impl Freeze {
    /// The freeze could not be recorded: the document accepts changes again.
    pub fn undo(self) {
        self.room.set_read_only(false);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use yrs::sync::{Message, SyncMessage};
    use yrs::updates::encoder::Encode;
    use yrs::{Text, Transact};

    use super::*;
    use crate::store::{Appended, MemoryStore};
    use crate::{Access, Fanout, FanoutError, Principal, Session};

    /// What one node published: its committed updates, in order.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<(Appended, Bytes)>>);

    #[async_trait::async_trait]
    impl Fanout for Recorder {
        async fn publish(
            &self,
            _doc: &DocId,
            at: Appended,
            update: Bytes,
        ) -> Result<(), FanoutError> {
            self.0.lock().unwrap().push((at, update));
            Ok(())
        }
    }

    fn writer() -> Principal {
        Principal {
            user_id: "u".into(),
            name: "u".into(),
            org: "o".into(),
        }
    }

    /// A client's edit appending `s`, as the frame it sends.
    fn edit(client: &yrs::Doc, s: &str) -> Vec<u8> {
        let text = client.get_or_insert_text("t");
        let mut txn = client.transact_mut();
        let len = text.len(&txn);
        text.insert(&mut txn, len, s);
        let update = txn.encode_update_v1();
        Message::Sync(SyncMessage::Update(update)).encode_v1()
    }

    fn text_of(rooms: &Rooms, doc: &DocId) -> String {
        rooms.loaded_room(doc).unwrap().text("t")
    }

    #[test]
    fn a_compacted_state_of_thousands_of_edits_holds_them_all_and_nothing_pending() {
        use yrs::updates::decoder::Decode;
        use yrs::{GetString, ReadTxn};
        // A long tail of one-line edits, as sustained writing leaves between compactions,
        // after a snapshot of the first ones.
        let client = yrs::Doc::with_client_id(7);
        let text = client.get_or_insert_text("t");
        let mut updates = Vec::new();
        for i in 0..3000 {
            let mut txn = client.transact_mut();
            let len = text.len(&txn);
            text.insert(&mut txn, len, &format!("第{i}行;"));
            updates.push(txn.encode_update_v1());
        }
        let snapshot = yrs::merge_updates_v1(updates[..100].iter().map(Vec::as_slice)).unwrap();
        // And an edit of another client whose predecessor the log never got.
        let other = yrs::Doc::with_client_id(8);
        let other_text = other.get_or_insert_text("t");
        other_text.insert(&mut other.transact_mut(), 0, "lost");
        let after_lost = {
            let mut txn = other.transact_mut();
            other_text.insert(&mut txn, 4, "+waiting");
            txn.encode_update_v1()
        };
        let parts = std::iter::once(snapshot.as_slice())
            .chain(updates[100..].iter().map(Vec::as_slice))
            .chain(std::iter::once(after_lost.as_slice()));

        let state = crate::room::compacted_state(parts).unwrap();

        let loaded = yrs::Doc::new();
        let loaded_text = loaded.get_or_insert_text("t");
        let mut txn = loaded.transact_mut();
        txn.apply_update(yrs::Update::decode_v1(&state).unwrap())
            .unwrap();
        assert_eq!(
            loaded_text.get_string(&txn),
            text.get_string(&client.transact())
        );
        assert!(
            txn.store().pending_update().is_none(),
            "the edit waiting for its predecessor is left out of the snapshot"
        );
    }

    #[tokio::test]
    async fn another_nodes_updates_apply_in_log_order_whatever_order_they_arrive_in() {
        let store: Arc<MemoryStore> = Arc::default();
        let published: Arc<Recorder> = Arc::default();
        let node_a = Rooms::new(store.clone(), published.clone(), RoomsConfig::default());
        let node_b = Rooms::new(
            store.clone(),
            Arc::new(Recorder::default()),
            RoomsConfig::default(),
        );
        let doc = DocId::parse("d").unwrap();
        let (mut at_a, _outbox) = Session::join(&node_a, doc.clone(), writer(), Access::Write)
            .await
            .unwrap();
        let (_at_b, _outbox_b) = Session::join(&node_b, doc.clone(), writer(), Access::Write)
            .await
            .unwrap();
        let client = yrs::Doc::new();
        for s in ["one;", "two;", "three;"] {
            at_a.receive(&edit(&client, s)).await.unwrap();
        }
        let sent: Vec<(Appended, Bytes)> = published.0.lock().unwrap().clone();
        assert_eq!(sent.len(), 3);
        let apply = |i: usize| {
            let (at, update) = sent[i].clone();
            node_b.apply_remote(&doc, at.seq, at.prev.unwrap(), update)
        };

        // The third and second arrive before the first: they wait for it.
        assert_eq!(apply(2), RemoteOutcome::Waiting);
        assert_eq!(apply(1), RemoteOutcome::Waiting);
        assert_eq!(text_of(&node_b, &doc), "");
        assert_eq!(apply(0), RemoteOutcome::Applied);
        assert_eq!(text_of(&node_b, &doc), "one;two;three;");
        // Once is enough: a repeat changes nothing.
        assert_eq!(apply(1), RemoteOutcome::Duplicate);
        assert_eq!(node_b.synced(&doc), Some(sent[2].0.seq));
    }

    #[tokio::test]
    async fn the_backlog_counts_other_nodes_updates_that_wait_and_empties_once_they_apply() {
        let store: Arc<MemoryStore> = Arc::default();
        let published: Arc<Recorder> = Arc::default();
        let node_a = Rooms::new(store.clone(), published.clone(), RoomsConfig::default());
        let node_b = Rooms::new(
            store.clone(),
            Arc::new(Recorder::default()),
            RoomsConfig::default(),
        );
        let doc = DocId::parse("d").unwrap();
        let (mut at_a, _outbox) = Session::join(&node_a, doc.clone(), writer(), Access::Write)
            .await
            .unwrap();
        let (_at_b, _outbox_b) = Session::join(&node_b, doc.clone(), writer(), Access::Write)
            .await
            .unwrap();
        let client = yrs::Doc::new();
        for s in ["one;", "two;", "three;"] {
            at_a.receive(&edit(&client, s)).await.unwrap();
        }
        let sent: Vec<(Appended, Bytes)> = published.0.lock().unwrap().clone();
        let apply = |i: usize| {
            let (at, update) = sent[i].clone();
            node_b.apply_remote(&doc, at.seq, at.prev.unwrap(), update)
        };
        assert_eq!(node_b.remote_backlog(), (0, None));

        apply(2);
        apply(1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let (waiting, oldest) = node_b.remote_backlog();
        assert_eq!(waiting, 2, "the third and second wait for the first");
        assert!(oldest.unwrap() >= Duration::from_millis(20), "{oldest:?}");

        apply(0);
        assert_eq!(node_b.remote_backlog(), (0, None));
    }

    #[tokio::test]
    async fn a_room_that_missed_an_update_catches_up_from_storage() {
        let store: Arc<MemoryStore> = Arc::default();
        let published: Arc<Recorder> = Arc::default();
        let node_a = Rooms::new(store.clone(), published.clone(), RoomsConfig::default());
        let node_b = Rooms::new(
            store.clone(),
            Arc::new(Recorder::default()),
            RoomsConfig::default(),
        );
        let doc = DocId::parse("d").unwrap();
        let (mut at_a, _outbox) = Session::join(&node_a, doc.clone(), writer(), Access::Write)
            .await
            .unwrap();
        let (_at_b, _outbox_b) = Session::join(&node_b, doc.clone(), writer(), Access::Write)
            .await
            .unwrap();
        let client = yrs::Doc::new();
        for s in ["lost;", "kept;"] {
            at_a.receive(&edit(&client, s)).await.unwrap();
        }
        let (at, update) = published.0.lock().unwrap()[1].clone();

        // The first never arrives: the second waits, and the room says it needs storage.
        assert_eq!(
            node_b.apply_remote(&doc, at.seq, at.prev.unwrap(), update),
            RemoteOutcome::Waiting
        );
        assert!(node_b.lagging(Duration::from_secs(3600)).is_empty());
        assert_eq!(node_b.lagging(Duration::ZERO), vec![doc.clone()]);
        assert_eq!(node_b.catch_up(&doc).await.unwrap(), Some(true));
        assert_eq!(text_of(&node_b, &doc), "lost;kept;");
        assert!(node_b.lagging(Duration::ZERO).is_empty());
        assert_eq!(node_b.synced(&doc), Some(at.seq));
        // Nothing more to read: a second catch-up changes nothing.
        assert_eq!(node_b.catch_up(&doc).await.unwrap(), Some(false));
    }
}
