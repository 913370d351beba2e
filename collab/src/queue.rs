//! What waits to be sent to one client, kept small so that a busy client is not closed for
//! traffic it no longer needs.
//!
//! A client that is applying a large document does not read its socket for a while. Before,
//! every message for it waited in a bounded channel, one by one, and the channel filled with
//! presence (awareness) messages, stale as soon as the next one came, until the client was
//! closed (4408) and started over. Now:
//!
//! - **presence is coalesced per awareness client id**: only the latest entry of each client id
//!   waits, in one awareness message placed where the first of them was queued;
//! - **document updates for a client still receiving its initial state** (its first sync step
//!   2 queued or being written, not yet all taken by the kernel) wait as one update, merged with `merge_updates_v1`
//!   (in batches, so merging stays linear); once the client has its state, updates wait one
//!   by one as before (clients that count echoes see each of theirs);
//! - what waits is bounded by count (`--client-queue`) and by bytes (`--client-queue-bytes`,
//!   not counting the initial state itself, which the document limit bounds); past either
//!   bound the client is closed with 4408, as before.
//!
//! Nothing here changes *what* a client receives, only how it is packed: every update queued
//! was committed before it was queued (the room's invariant), and a merged update holds exactly
//! the updates merged into it.
//!
//! Locking: the queue is a `std::sync::Mutex` held only to push or pop, never across an
//! `.await`; rooms push while holding their own lock (room, then queue: never the reverse).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::{watch, Notify};
use yrs::block::ClientID;
use yrs::sync::awareness::AwarenessUpdateEntry;
use yrs::sync::{AwarenessUpdate, Message, SyncMessage};

use crate::error::{close_code, Close};
use crate::initial::InitialFrames;
use crate::room::encode;
use crate::rooms::Stats;

/// Raw updates merged at once, so that a long burst is merged in batches rather than the
/// growing total being decoded again for every update.
const MERGE_BATCH: usize = 64;

/// Bytes counted for one pending awareness entry besides its JSON.
const AWARENESS_ENTRY_OVERHEAD: usize = 16;

/// The bounds on what may wait for one client.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueLimits {
    pub(crate) messages: usize,
    pub(crate) bytes: usize,
}

/// A committed document update: the encoded `Update` message and its raw v1 update, the
/// message's tail (so merging needs no re-decoding of the message).
#[derive(Clone)]
pub(crate) struct UpdateFrame {
    pub(crate) frame: Bytes,
    pub(crate) raw: Bytes,
}

impl UpdateFrame {
    pub(crate) fn new(update: Vec<u8>) -> UpdateFrame {
        let len = update.len();
        let frame = encode(Message::Sync(SyncMessage::Update(update)));
        let raw = frame.slice(frame.len() - len..);
        UpdateFrame { frame, raw }
    }
}

enum Item {
    Frame(Bytes),
    /// A slice of the client's initial state; the last one is its first sync step 2.
    State {
        frame: Bytes,
        last: bool,
    },
    /// Updates waiting while the client receives its initial state, merged when taken.
    Updates {
        parts: Vec<Bytes>,
        bytes: usize,
    },
    /// The coalesced awareness entries, taken as one message when reached.
    Awareness,
}

/// Where the client is with its initial state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Initial {
    /// Joined; it has not asked for the state yet (stock clients ask at once).
    Waiting,
    /// Its first sync step 2 waits in the queue.
    Queued,
    /// Its last slice (its first sync step 2) was handed out and is being written.
    Sending,
    /// It has its state: updates wait one by one.
    Done,
}

struct Queue {
    items: VecDeque<Item>,
    /// The latest pending awareness entry of each client id (see [`Item::Awareness`]).
    awareness: HashMap<ClientID, AwarenessUpdateEntry>,
    /// Bytes waiting, without the initial state.
    bytes: usize,
    /// Slices of the initial state waiting (not counted against the bounds).
    state_items: usize,
    initial: Initial,
}

/// The room's handle on one session's outgoing side.
pub(crate) struct Peer {
    queue: Mutex<Queue>,
    /// Woken when something is queued (one consumer: the session's outbox).
    ready: Notify,
    /// Set once, when this session must close; the socket loop watches it.
    kicked: watch::Sender<Option<Close>>,
    limits: QueueLimits,
    stats: Arc<Stats>,
}

/// What the outbox takes next.
pub(crate) enum Taken {
    Frame(Bytes),
    /// The initial state: call [`Peer::state_sent`] once it is written.
    State(Bytes),
    Empty,
}

impl Peer {
    pub(crate) fn new(limits: QueueLimits, stats: Arc<Stats>) -> Peer {
        stats.joins_in_flight.fetch_add(1, Ordering::Relaxed);
        Peer {
            queue: Mutex::new(Queue {
                items: VecDeque::new(),
                awareness: HashMap::new(),
                bytes: 0,
                state_items: 0,
                initial: Initial::Waiting,
            }),
            ready: Notify::new(),
            kicked: watch::Sender::new(None),
            limits,
            stats,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().expect("peer queue lock poisoned")
    }

    /// Queues a message as it is.
    pub(crate) fn send(&self, msg: Bytes) {
        let mut queue = self.lock();
        queue.bytes += msg.len();
        queue.items.push_back(Item::Frame(msg));
        self.pushed(queue);
    }

    /// Queues the answer to a sync step 1; the first one is the client's initial state, whose
    /// slices do not count against the bounds (the document limit bounds them).
    pub(crate) fn send_state(&self, frames: InitialFrames) {
        let mut queue = self.lock();
        let count = frames.0.len();
        if queue.initial == Initial::Waiting {
            queue.initial = Initial::Queued;
            queue.state_items += count;
            for (i, frame) in frames.0.into_iter().enumerate() {
                let last = i + 1 == count;
                queue.items.push_back(Item::State { frame, last });
            }
        } else {
            for frame in frames.0 {
                queue.bytes += frame.len();
                queue.items.push_back(Item::Frame(frame));
            }
        }
        self.pushed(queue);
    }

    /// Queues a committed document update: merged with the updates waiting before it while
    /// the client has not got its initial state yet.
    pub(crate) fn send_update(&self, update: &UpdateFrame) {
        let mut guard = self.lock();
        let queue = &mut *guard;
        let len = update.raw.len();
        let merging = matches!(queue.initial, Initial::Queued | Initial::Sending);
        match queue.items.back_mut() {
            Some(Item::Updates { parts, bytes }) if merging => {
                parts.push(update.raw.clone());
                *bytes += len;
                queue.bytes += len;
                if parts.len() >= MERGE_BATCH {
                    if let Some(merged) = merge(parts) {
                        queue.bytes = queue.bytes - *bytes + merged.len();
                        *bytes = merged.len();
                        *parts = vec![merged];
                    }
                }
            }
            _ if merging => {
                queue.bytes += len;
                queue.items.push_back(Item::Updates {
                    parts: vec![update.raw.clone()],
                    bytes: len,
                });
            }
            _ => {
                queue.bytes += update.frame.len();
                queue.items.push_back(Item::Frame(update.frame.clone()));
            }
        }
        self.pushed(guard);
    }

    /// Queues a batch of presence the room encoded once for all its clients (`frame`): as it
    /// is when nothing waits for this client, else coalesced with what waits, as
    /// [`Peer::send_awareness`] does.
    pub(crate) fn send_presence(&self, update: &AwarenessUpdate, frame: &Bytes) {
        let mut queue = self.lock();
        if queue.items.is_empty() {
            queue.bytes += frame.len();
            queue.items.push_back(Item::Frame(frame.clone()));
            self.pushed(queue);
        } else {
            self.coalesce_awareness(queue, update);
        }
    }

    /// Queues awareness entries: each replaces the one of the same client id still waiting.
    pub(crate) fn send_awareness(&self, update: &AwarenessUpdate) {
        let queue = self.lock();
        self.coalesce_awareness(queue, update);
    }

    fn coalesce_awareness(&self, mut queue: MutexGuard<'_, Queue>, update: &AwarenessUpdate) {
        if update.clients.is_empty() {
            return;
        }
        if queue.awareness.is_empty() {
            queue.items.push_back(Item::Awareness);
        }
        let mut coalesced = 0u64;
        for (client, entry) in &update.clients {
            queue.bytes += entry.json.len() + AWARENESS_ENTRY_OVERHEAD;
            if let Some(old) = queue.awareness.insert(*client, entry.clone()) {
                queue.bytes -= old.json.len() + AWARENESS_ENTRY_OVERHEAD;
                coalesced += 1;
                // Never let an entry's clock go back: the client would ignore the newer one.
                if old.clock > entry.clock {
                    if let Some(e) = queue.awareness.get_mut(client) {
                        e.clock = old.clock;
                    }
                }
            }
        }
        if coalesced > 0 {
            self.stats
                .awareness_coalesced
                .fetch_add(coalesced, Ordering::Relaxed);
        }
        self.pushed(queue);
    }

    /// After a push: closes the client past a bound, else wakes the outbox.
    fn pushed(&self, queue: MutexGuard<'_, Queue>) {
        let (count, bytes) = (queue.items.len() - queue.state_items, queue.bytes);
        drop(queue);
        self.stats.note_queued_bytes(bytes);
        if count > self.limits.messages || bytes > self.limits.bytes {
            if self.kick(Close::new(
                close_code::SLOW_CONSUMER,
                "客户端积压过多，请重连 / client fell too far behind; reconnect to resync",
            )) {
                self.stats
                    .closed_queue_bound
                    .fetch_add(1, Ordering::Relaxed);
            }
            return;
        }
        self.ready.notify_one();
    }

    /// Closes the session; `true` if this was the first reason given.
    pub(crate) fn kick(&self, close: Close) -> bool {
        self.kicked.send_if_modified(|kicked| {
            if kicked.is_some() {
                return false;
            }
            *kicked = Some(close);
            true
        })
    }

    pub(crate) async fn kicked(&self) -> Close {
        let mut rx = self.kicked.subscribe();
        let close = match rx.wait_for(Option::is_some).await {
            Ok(close) => close.clone(),
            // Unreachable: `self` holds the sender.
            Err(_) => None,
        };
        close.unwrap_or_else(|| Close::new(close_code::GOING_AWAY, "session ended"))
    }

    pub(crate) fn kicked_now(&self) -> Option<Close> {
        self.kicked.borrow().clone()
    }

    pub(crate) async fn ready(&self) {
        self.ready.notified().await;
    }

    /// Takes the next message to send.
    pub(crate) fn take(&self) -> Taken {
        let mut queue = self.lock();
        let Some(item) = queue.items.pop_front() else {
            return Taken::Empty;
        };
        match item {
            Item::Frame(msg) => {
                queue.bytes -= msg.len();
                Taken::Frame(msg)
            }
            Item::State { frame, last } => {
                queue.state_items -= 1;
                if last {
                    queue.initial = Initial::Sending;
                    Taken::State(frame)
                } else {
                    Taken::Frame(frame)
                }
            }
            Item::Updates { parts, bytes } => {
                queue.bytes -= bytes;
                drop(queue);
                let update = if parts.len() == 1 {
                    parts[0].to_vec()
                } else {
                    match merge(&parts) {
                        Some(merged) => merged.to_vec(),
                        // Committed updates always merge; should they not, send them apart.
                        None => {
                            let mut queue = self.lock();
                            for part in parts.iter().skip(1).rev() {
                                queue.bytes += part.len();
                                queue.items.push_front(Item::Updates {
                                    parts: vec![part.clone()],
                                    bytes: part.len(),
                                });
                            }
                            parts[0].to_vec()
                        }
                    }
                };
                Taken::Frame(encode(Message::Sync(SyncMessage::Update(update))))
            }
            Item::Awareness => {
                let clients = std::mem::take(&mut queue.awareness);
                let pending: usize = clients
                    .values()
                    .map(|e| e.json.len() + AWARENESS_ENTRY_OVERHEAD)
                    .sum();
                queue.bytes -= pending;
                Taken::Frame(encode(Message::Awareness(AwarenessUpdate { clients })))
            }
        }
    }

    /// The initial state handed out by [`Peer::take`] is written: from now on updates wait
    /// one by one.
    pub(crate) fn state_sent(&self) {
        let mut queue = self.lock();
        if queue.initial == Initial::Sending {
            queue.initial = Initial::Done;
            self.stats.joins_in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Messages waiting (a merged update and the coalesced awareness count one each, the
    /// initial state's slices one each).
    pub(crate) fn queued(&self) -> usize {
        self.lock().items.len()
    }

    /// Bytes waiting, without the initial state.
    pub(crate) fn queued_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// Pending awareness entries, for tests: at most one per awareness client id.
    #[cfg(test)]
    fn pending_awareness(&self) -> usize {
        self.lock().awareness.len()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let initial = self.lock().initial;
        if initial != Initial::Done {
            self.stats.joins_in_flight.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

fn merge(parts: &[Bytes]) -> Option<Bytes> {
    match yrs::merge_updates_v1(parts.iter().map(|p| p.as_ref())) {
        Ok(merged) => Some(Bytes::from(merged)),
        Err(e) => {
            tracing::warn!(error = %e, "queued updates did not merge; sent apart");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;
    use yrs::{GetString, Text, Transact, Update};

    fn peer(messages: usize, bytes: usize) -> Peer {
        Peer::new(QueueLimits { messages, bytes }, Arc::new(Stats::default()))
    }

    fn awareness(client: u64, clock: u32, json: &str) -> AwarenessUpdate {
        let mut clients = HashMap::new();
        clients.insert(
            ClientID::new(client),
            AwarenessUpdateEntry {
                clock,
                json: Arc::from(json),
            },
        );
        AwarenessUpdate { clients }
    }

    fn edits(n: usize) -> (yrs::Doc, Vec<Vec<u8>>) {
        let doc = yrs::Doc::new();
        let text = doc.get_or_insert_text("t");
        let mut updates = Vec::new();
        for i in 0..n {
            let mut txn = doc.transact_mut();
            let len = text.len(&txn);
            text.insert(&mut txn, len, &format!("{i};"));
            updates.push(txn.encode_update_v1());
        }
        (doc, updates)
    }

    fn apply(doc: &yrs::Doc, frame: &[u8]) {
        use yrs::sync::MessageReader;
        use yrs::updates::decoder::DecoderV1;
        let mut decoder = DecoderV1::from(frame);
        for msg in MessageReader::new(&mut decoder) {
            if let Message::Sync(SyncMessage::Update(u) | SyncMessage::SyncStep2(u)) = msg.unwrap()
            {
                doc.transact_mut()
                    .apply_update(Update::decode_v1(&u).unwrap())
                    .unwrap();
            }
        }
    }

    #[test]
    fn awareness_waits_once_per_client_id() {
        let peer = peer(16, 1 << 20);
        for clock in 0..5000 {
            peer.send_awareness(&awareness(clock as u64 % 3, clock, r#"{"c":1}"#));
        }
        assert_eq!(peer.queued(), 1);
        assert_eq!(peer.pending_awareness(), 3);
        assert_eq!(peer.stats.awareness_coalesced.load(Ordering::Relaxed), 4997);
        let Taken::Frame(frame) = peer.take() else {
            panic!("an awareness message")
        };
        let mut decoder = yrs::updates::decoder::DecoderV1::from(frame.as_ref());
        let msg = yrs::sync::MessageReader::new(&mut decoder)
            .next()
            .unwrap()
            .unwrap();
        let Message::Awareness(update) = msg else {
            panic!("awareness")
        };
        assert_eq!(update.clients[&ClientID::new(2)].clock, 4997);
        assert_eq!(peer.queued_bytes(), 0);
    }

    #[test]
    fn a_shared_presence_batch_waits_as_it_is_only_for_a_client_with_nothing_waiting() {
        let peer = peer(16, 1 << 20);
        let first = awareness(1, 1, r#"{"c":1}"#);
        let shared = encode(Message::Awareness(first.clone()));
        peer.send_presence(&first, &shared);
        assert_eq!(peer.pending_awareness(), 0, "sent as the shared frame");
        // The client has not taken it yet: later batches coalesce behind it.
        for clock in 2..50 {
            let update = awareness(1, clock, r#"{"c":2}"#);
            peer.send_presence(&update, &encode(Message::Awareness(update.clone())));
        }
        assert_eq!(peer.queued(), 2);
        assert_eq!(peer.pending_awareness(), 1);
        let Taken::Frame(frame) = peer.take() else {
            panic!("the shared frame")
        };
        assert_eq!(frame.as_ptr(), shared.as_ptr());
        assert!(matches!(peer.take(), Taken::Frame(_)));
        assert_eq!(peer.queued_bytes(), 0);
    }

    #[test]
    fn updates_merge_until_the_initial_state_is_written_then_wait_one_by_one() {
        let peer = peer(16, 1 << 20);
        let (source, updates) = edits(200);
        peer.send_state(InitialFrames(vec![encode(Message::Sync(
            SyncMessage::SyncStep2(vec![0, 0]),
        ))]));
        for update in &updates[..150] {
            peer.send_update(&UpdateFrame::new(update.clone()));
        }
        assert_eq!(peer.queued(), 2, "the state and one merged update");
        let Taken::State(_) = peer.take() else {
            panic!("the state first")
        };
        for update in &updates[150..] {
            peer.send_update(&UpdateFrame::new(update.clone()));
        }
        peer.state_sent();
        peer.send_update(&UpdateFrame::new(updates[0].clone()));
        assert_eq!(
            peer.queued(),
            2,
            "the merged update, then one after the state"
        );
        let target = yrs::Doc::new();
        while let Taken::Frame(frame) = peer.take() {
            apply(&target, &frame);
        }
        let read = |d: &yrs::Doc| d.get_or_insert_text("t").get_string(&d.transact());
        assert_eq!(read(&target), read(&source));
        assert_eq!(peer.queued_bytes(), 0);
        assert_eq!(peer.stats.joins_in_flight.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn past_the_byte_bound_the_client_is_closed_with_4408() {
        let peer = peer(1 << 20, 1000);
        let (_, updates) = edits(1);
        peer.send(Bytes::from(vec![0u8; 900]));
        assert!(peer.kicked.borrow().is_none());
        peer.send_update(&UpdateFrame::new(updates[0].clone()));
        peer.send(Bytes::from(vec![0u8; 200]));
        let kicked = peer.kicked.borrow().clone().expect("closed");
        assert_eq!(kicked.code, close_code::SLOW_CONSUMER);
        assert_eq!(peer.stats.closed_queue_bound.load(Ordering::Relaxed), 1);
    }
}
