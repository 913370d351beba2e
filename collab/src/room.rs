//! One open document: its yrs `Doc` and `Awareness`, and the sessions connected to it.
//!
//! A room is the only place where the document's in-memory state changes. Its invariant is the
//! project's first one: **nothing reaches another client before it is durably stored.** An
//! update is applied to the in-memory doc (which validates it), appended to the store, and only
//! when the store has committed it is it broadcast. A joining client's sync step 2 is built from
//! the in-memory doc, which may already hold updates whose commit is still under way, so the
//! answer waits until the *durable watermark* has caught up with everything it contains.
//!
//! **Pending updates are never part of the document.** An update whose predecessors the server
//! has not seen yet (y-websocket sends a fresh edit on reconnect before its sync step 2; a tab
//! may edit on top of another tab's edit that is still on its way) cannot be integrated. yrs
//! would park it in the doc's pending area, and storing it with the document made it reload
//! there, where it counted against every later client's pending limit for good. Instead:
//!
//! - what integrates is stored (the update as received when all of it integrated, otherwise
//!   the part that did, as yrs encodes the transaction), and the rest is taken out of the doc's
//!   pending area at once and *parked* with the session that sent it, within
//!   `max_pending_bytes` per session;
//! - after every change to the document, each session's parked update is tried again, and
//!   what integrates then is stored in the name of the session that sent it;
//! - a parked update is dropped with its session: the client still has it and sends it again
//!   in its next sync step 2, after its predecessors;
//! - a document loaded with something in its pending area (stored by an older version) is
//!   repaired: the pending part is discarded from memory (logged with counts, never content)
//!   and the rooms registry writes a snapshot of what remains (see `Rooms::join`).
//!
//! So the doc's own pending area is empty whenever the lock is released.
//!
//! **Other nodes' updates are applied in log order.** Each carries its seq and the seq of the
//! document's update before it (`prev`); the room knows up to which seq it holds every update
//! (`Chain::synced`), applies a remote update only when its predecessor is the last one it
//! holds, and lets it wait otherwise. Its predecessor may still be on its way from a third
//! node; if it does not come, the server catches the room up from storage. So every remote
//! update integrates whole (its dependencies have lower seqs) and none is applied twice.
//!
//! **Presence goes out in batches under load.** Every awareness change is applied at once, but
//! it reaches the room's clients at most once per `presence_every` (`RoomsConfig`): the first
//! change after a quiet interval goes out at once, later ones gather (the latest entry of each
//! awareness client id) and go out together when the interval ends, encoded once and shared by
//! every client that is keeping up. Five hundred people moving their cursors once a second each
//! were 250,000 frames a second, one per change per client, and a whole core; batched every
//! 30 ms they are at most 33 messages a second per client, whatever the room's size, and a
//! quarter of a core (issue #22, BENCHMARKS.md).
//!
//! Locking: `state` is a `std::sync::Mutex` because every critical section is short and
//! synchronous (decode is done before taking it, storage after releasing it); it is never held
//! across an `.await`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::watch;
use yrs::block::ClientID;
use yrs::sync::awareness::AwarenessUpdateEntry;
use yrs::sync::{Awareness, AwarenessUpdate, Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{Doc, ReadTxn, StateVector, Transact, TransactionMut, Update, WriteTxn};

use crate::access::Principal;
use crate::error::{close_code, Close, Error};
use crate::fanout::{Fanout, RemoteOutcome};
use crate::initial::{InitialFrames, SharedInitial};
pub(crate) use crate::queue::Peer;
use crate::queue::UpdateFrame;
use crate::rooms::Stats;
use crate::store::{Appended, DocId, StoredDoc};

/// Identifies a session within its room.
pub(crate) type SessionId = u64;

/// The owner of awareness states set by clients of other nodes: no session of this node may
/// take them over (it would rewrite another person's presence as its own user).
const REMOTE: SessionId = SessionId::MAX;

/// How far the store has caught up with the in-memory doc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Durable {
    /// Every applied generation up to and including this one is committed.
    pub(crate) through: u64,
    /// Storage failed: the in-memory doc is ahead of the store and must not be served.
    pub(crate) failed: bool,
}

pub(crate) struct Room {
    pub(crate) doc_id: DocId,
    /// Where this node's awareness changes go (other nodes).
    fanout: Arc<dyn Fanout>,
    state: Mutex<RoomState>,
    durable: watch::Sender<Durable>,
    /// Bytes stored for this document (snapshot + log), checked against the size limit.
    pub(crate) stored_bytes: AtomicUsize,
    /// Updates and bytes logged since the last snapshot: compaction runs past a threshold.
    pub(crate) tail_updates: AtomicUsize,
    pub(crate) tail_bytes: AtomicUsize,
    pub(crate) compacting: AtomicBool,
    /// The whole state as last framed for joiners, shared while any of them still waits for it
    /// (see `initial.rs`). An async lock: joiners of the same moment wait for one encoding.
    shared_initial: tokio::sync::Mutex<SharedInitial>,
    /// The shortest time between two presence broadcasts (see the module doc).
    presence_every: Duration,
    /// Counts presence entries replaced in a batch.
    stats: Arc<Stats>,
    /// This room, for the timer that sends a batch of presence later.
    this: Weak<Room>,
}

/// Presence changes not yet broadcast (see the module doc).
#[derive(Default)]
struct Presence {
    /// The latest changed entry of each awareness client id.
    pending: HashMap<ClientID, AwarenessUpdateEntry>,
    /// When presence was last broadcast.
    last: Option<Instant>,
    /// A broadcast is scheduled for the end of the current interval.
    scheduled: bool,
}

/// The session that set an awareness client id, and whose it is.
struct Owner {
    session: SessionId,
    user_id: Arc<str>,
}

struct RoomState {
    awareness: Awareness,
    sessions: HashMap<SessionId, Arc<Peer>>,
    /// Which session (of which user) set each awareness client id: a session may only change
    /// its own, or take over one its own user's earlier session set (see `apply_awareness`).
    owners: HashMap<u64, Owner>,
    /// Generation of the last update applied to the in-memory doc.
    applied: u64,
    /// Counts every change to the in-memory doc, this node's and other nodes' (which have no
    /// generation here: they are committed already).
    version: u64,
    /// Applied generations whose commit has not finished yet.
    in_flight: BTreeSet<u64>,
    /// Per session, the part of its updates that waits for predecessors (see the module doc).
    parked: HashMap<SessionId, Parked>,
    /// Set when the document is frozen (minutes awaiting signatures): every update that would
    /// change it is refused, whatever access the sending session was given. Checked under the
    /// same lock as applying, so no update slips in between the freeze and the frozen state.
    read_only: bool,
    /// Where the document stands in the stored log (see the module doc).
    chain: Chain,
    presence: Presence,
}

/// How far the room holds the document's stored log, for updates other nodes committed.
#[derive(Default)]
struct Chain {
    /// Every update of the document with a seq up to this one is in the doc.
    synced: i64,
    /// Updates in the doc beyond `synced`, as `prev → seq`: this node's own commits whose
    /// predecessor (another node's) has not arrived yet.
    ahead: HashMap<i64, i64>,
    /// Other nodes' updates whose predecessor is not in the doc yet, as `prev → (seq, update)`.
    waiting: BTreeMap<i64, (i64, Bytes)>,
    /// Since when something has been waiting.
    waiting_since: Option<Instant>,
    /// A remote update did not integrate whole: only storage can mend the room.
    broken: bool,
}

/// What a session sent that waits for predecessors, and whose it is.
struct Parked {
    /// A v1 update: the blocks and deletions yrs could not integrate yet.
    update: Vec<u8>,
    author: Principal,
}

/// What applying a client's update did to the in-memory doc.
pub(crate) enum Applied {
    /// The changes to commit, in order; none when it added nothing new (or only parked).
    Changed(Vec<Change>),
    /// It would change the doc, but the room is read-only (frozen): nothing was applied.
    ReadOnly,
}

/// One change to the in-memory doc, to be committed as generation `gen`.
pub(crate) struct Change {
    pub(crate) gen: u64,
    /// Whose update it comes from: the sender, or a session whose parked update it integrated.
    pub(crate) author: Principal,
    /// The v1 update to store and broadcast; `None`: the sender's update exactly as received.
    pub(crate) update: Option<Vec<u8>>,
}

/// What a document held in its pending area when it was loaded, now discarded.
pub(crate) struct Repaired {
    /// Bytes of the discarded pending update and delete set, v1-encoded.
    pub(crate) bytes: usize,
    /// How many clients' missing predecessors it was waiting for.
    pub(crate) missing_clients: usize,
}

/// A document's state at the moment it was frozen: everything committed, nothing after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrozenState {
    /// `encode_state_as_update_v1` of the whole document.
    pub update_v1: Vec<u8>,
    /// The document's state vector (v1 encoding).
    pub state_vector_v1: Vec<u8>,
}

impl Room {
    /// Rebuilds a document from storage. Whatever is left in the pending area is discarded and
    /// reported, so that the caller can log it and store a clean snapshot.
    pub(crate) fn from_stored(
        doc_id: DocId,
        stored: StoredDoc,
        fanout: Arc<dyn Fanout>,
        (presence_every, stats): (Duration, Arc<Stats>),
    ) -> Result<(Room, Option<Repaired>), Error> {
        let synced = stored_through(&stored);
        let corrupt = |detail: String| Error::CorruptStoredState {
            doc: doc_id.to_string(),
            detail,
        };
        let doc = Doc::new();
        {
            let mut txn = doc.transact_mut();
            let parts = stored
                .snapshot
                .iter()
                .map(|s| (&s.data, -1))
                .chain(stored.updates.iter().map(|u| (&u.data, u.seq)));
            for (data, seq) in parts {
                let update = Update::decode_v1(data)
                    .map_err(|e| corrupt(format!("entry {seq} does not decode: {e}")))?;
                txn.apply_update(update)
                    .map_err(|e| corrupt(format!("entry {seq} does not apply: {e}")))?;
            }
        }
        let repaired = {
            let mut txn = doc.transact_mut();
            let missing_clients = txn.store().pending_update().map_or(0, |p| p.missing.len());
            take_pending(&mut txn).map(|pending| Repaired {
                bytes: pending.len(),
                missing_clients,
            })
        };
        let room = Room {
            doc_id,
            fanout,
            state: Mutex::new(RoomState {
                awareness: Awareness::new(doc),
                sessions: HashMap::new(),
                owners: HashMap::new(),
                parked: HashMap::new(),
                applied: 0,
                version: 0,
                in_flight: BTreeSet::new(),
                read_only: false,
                chain: Chain {
                    synced,
                    ..Chain::default()
                },
                presence: Presence::default(),
            }),
            durable: watch::Sender::new(Durable {
                through: 0,
                failed: false,
            }),
            stored_bytes: AtomicUsize::new(stored.stored_bytes()),
            tail_updates: AtomicUsize::new(stored.updates.len()),
            tail_bytes: AtomicUsize::new(stored.updates.iter().map(|u| u.data.len()).sum()),
            compacting: AtomicBool::new(false),
            shared_initial: tokio::sync::Mutex::default(),
            presence_every,
            stats,
            this: Weak::new(),
        };
        Ok((room, repaired))
    }

    /// The room, shared; it knows itself so that it can schedule a batch of presence.
    pub(crate) fn shared(mut self) -> Arc<Room> {
        Arc::new_cyclic(|this| {
            self.this = this.clone();
            self
        })
    }

    fn lock(&self) -> MutexGuard<'_, RoomState> {
        // A panic while holding the lock leaves the doc in an unknown state; refusing to go on
        // (by propagating the poison as a panic of this session's task) is the safe choice.
        self.state.lock().expect("room state lock poisoned")
    }

    /// Registers a session and queues what the server says first: sync step 1 and, when
    /// anyone is present, the awareness states.
    pub(crate) fn add_session(&self, id: SessionId, peer: Arc<Peer>) {
        let mut state = self.lock();
        let sv = state.awareness.doc().transact().state_vector();
        peer.send(encode(Message::Sync(SyncMessage::SyncStep1(sv))));
        if let Ok(update) = state.awareness.update() {
            peer.send_awareness(&update);
        }
        state.sessions.insert(id, peer);
    }

    /// Unregisters a session, drops what it had parked, removes the awareness states it set and
    /// tells the others.
    pub(crate) fn remove_session(&self, id: SessionId) {
        let mut state = self.lock();
        state.sessions.remove(&id);
        if let Some(parked) = state.parked.remove(&id) {
            tracing::debug!(
                doc = %self.doc_id,
                bytes = parked.update.len(),
                "dropped a leaving session's updates that waited for predecessors"
            );
        }
        let owned: Vec<u64> = state
            .owners
            .iter()
            .filter(|(_, owner)| owner.session == id)
            .map(|(c, _)| *c)
            .collect();
        for client in &owned {
            state.owners.remove(client);
        }
        if let Some(update) = remove_awareness(&mut state, &owned) {
            self.fanout
                .publish_awareness(&self.doc_id, Bytes::from(update.encode_v1()));
            self.broadcast_presence(&mut state, update);
        }
    }

    /// What a client with state vector `sv` is missing, framed in slices, and the generation
    /// it reflects. A client with nothing gets the whole state, framed once for everyone who
    /// joins while the document stays the same (see `initial.rs`).
    pub(crate) async fn initial_state(&self, sv: &StateVector) -> (InitialFrames, u64, bool) {
        if !sv.is_empty() {
            let (diff, gen, _) = self.diff(sv);
            return (InitialFrames::new(&diff), gen, false);
        }
        let mut shared = self.shared_initial.lock().await;
        {
            let state = self.lock();
            if let Some(frames) = shared.get(state.version) {
                return (frames, state.applied, true);
            }
        }
        let (full, gen, version) = self.diff(sv);
        (shared.put(version, &full), gen, false)
    }

    /// The diff a client with state vector `sv` is missing, the generation it reflects and the
    /// document's version.
    fn diff(&self, sv: &StateVector) -> (Vec<u8>, u64, u64) {
        let state = self.lock();
        let diff = state.awareness.doc().transact().encode_diff_v1(sv);
        (diff, state.applied, state.version)
    }

    /// Waits until every generation up to `gen` is committed. `false` if storage failed.
    pub(crate) async fn wait_durable(&self, gen: u64) -> bool {
        let mut rx = self.durable.subscribe();
        let ok = match rx.wait_for(|d| d.failed || d.through >= gen).await {
            Ok(d) => !d.failed,
            Err(_) => false,
        };
        ok
    }

    /// Whether `update` would change the doc. Used for read-only clients, whose sync step 2
    /// routinely carries a delete set the server already has: only real changes are refused.
    pub(crate) fn would_change(&self, update: &Update) -> bool {
        would_change(&self.lock(), update)
    }

    /// Makes the room refuse (or accept again) every change, and returns the generation of
    /// the last update applied before: once that is durable, the stored document is final.
    pub(crate) fn set_read_only(&self, read_only: bool) -> u64 {
        let mut state = self.lock();
        state.read_only = read_only;
        state.applied
    }

    /// The whole document as it is in memory, with its state vector.
    pub(crate) fn frozen_state(&self) -> FrozenState {
        let state = self.lock();
        let txn = state.awareness.doc().transact();
        FrozenState {
            update_v1: txn.encode_state_as_update_v1(&StateVector::default()),
            state_vector_v1: txn.state_vector().encode_v1(),
        }
    }

    /// Applies a session's validated update to the in-memory doc, refusing it when it would
    /// break a limit. What cannot integrate yet is parked with the session; what the change lets
    /// integrate of any session's parked update comes back as further changes.
    pub(crate) fn apply(
        &self,
        from: SessionId,
        author: &Principal,
        update: Update,
        limits: &Limits,
    ) -> Result<Applied, Close> {
        let mut state = self.lock();
        if state.read_only {
            return Ok(if would_change(&state, &update) {
                Applied::ReadOnly
            } else {
                Applied::Changed(Vec::new())
            });
        }
        let doc = state.awareness.doc().clone();

        // An update whose predecessors are missing may be parked; cap what the session parks
        // before applying, so that refusing it leaves nothing behind.
        let sv = doc.transact().state_vector();
        let has_gap = update
            .state_vector_lower()
            .iter()
            .any(|(client, clock)| *clock > sv.get(client));
        if has_gap {
            let parked = state.parked.get(&from).map_or(0, |p| p.update.len());
            if parked + limits.incoming_len > limits.max_pending_bytes {
                return Err(Close::new(
                    close_code::TOO_MANY_PENDING,
                    "too many updates wait for missing predecessors; reconnect to resync",
                ));
            }
        }

        let mut changes = Vec::new();
        let (integrated, pending) = apply_one(&doc, update, false).map_err(|e| {
            Close::new(
                close_code::CORRUPT_UPDATE,
                format!("update does not apply: {e}"),
            )
        })?;
        if let Some(integrated) = integrated {
            // Stored as received when all of it integrated: the log keeps what clients sent.
            changes.push(self.next_change(&mut state, author.clone(), integrated));
        }
        if let Some(pending) = pending {
            park(&mut state, from, author, pending);
        }
        if !changes.is_empty() {
            self.retry_parked(&mut state, &doc, &mut changes);
        }
        Ok(Applied::Changed(changes))
    }

    /// Tries every parked update again until none integrates any further.
    fn retry_parked(&self, state: &mut RoomState, doc: &Doc, changes: &mut Vec<Change>) {
        loop {
            let mut progress = false;
            let mut sessions: Vec<SessionId> = state.parked.keys().copied().collect();
            sessions.sort_unstable();
            for id in sessions {
                let Some(parked) = state.parked.remove(&id) else {
                    continue;
                };
                let outcome = Update::decode_v1(&parked.update)
                    .map_err(|e| e.to_string())
                    .and_then(|u| apply_one(doc, u, true).map_err(|e| e.to_string()));
                match outcome {
                    Ok((integrated, pending)) => {
                        if let Some(integrated) = integrated {
                            progress = true;
                            changes.push(self.next_change(
                                state,
                                parked.author.clone(),
                                integrated,
                            ));
                        }
                        if let Some(pending) = pending {
                            park(state, id, &parked.author, pending);
                        }
                    }
                    // yrs encoded it itself; should it ever not apply, it is dropped like a
                    // leaving session's: its client sends it again after reconnecting.
                    Err(e) => {
                        tracing::warn!(doc = %self.doc_id, error = %e, "a parked update no longer applies; dropped");
                    }
                }
            }
            if !progress {
                return;
            }
        }
    }

    fn next_change(
        &self,
        state: &mut RoomState,
        author: Principal,
        update: Option<Vec<u8>>,
    ) -> Change {
        state.applied += 1;
        state.version += 1;
        let gen = state.applied;
        state.in_flight.insert(gen);
        Change {
            gen,
            author,
            update,
        }
    }

    /// Marks generation `gen` as committed and moves the durable watermark.
    pub(crate) fn committed(&self, gen: u64) {
        let mut state = self.lock();
        state.in_flight.remove(&gen);
        let through = state
            .in_flight
            .first()
            .map_or(state.applied, |first| first - 1);
        self.durable.send_if_modified(|d| {
            let moved = d.through < through;
            d.through = d.through.max(through);
            moved
        });
    }

    /// Storage failed for this room: the in-memory doc holds an update the store does not, so
    /// the room stops serving, every session is closed, and the next join reloads from storage.
    pub(crate) fn fail(&self) {
        self.durable.send_modify(|d| d.failed = true);
        let state = self.lock();
        for peer in state.sessions.values() {
            peer.kick(Close::new(
                close_code::STORAGE_FAILED,
                "storage is unavailable; reconnect to resync",
            ));
        }
    }

    pub(crate) fn has_failed(&self) -> bool {
        self.durable.borrow().failed
    }

    /// Sends a committed update to every other session, then echoes it to its sender (the
    /// y-websocket client takes the echo as confirmation).
    pub(crate) fn broadcast_update(&self, from: SessionId, update: &UpdateFrame) {
        let state = self.lock();
        for (id, peer) in &state.sessions {
            if *id != from {
                peer.send_update(update);
            }
        }
        if let Some(peer) = state.sessions.get(&from) {
            peer.send_update(update);
        }
    }

    /// Applies a session's awareness update after rewriting each state's `user` with
    /// `user_json`, and broadcasts the result. Returns the client ids this session now owns.
    ///
    /// Who may write a client id's entry:
    ///
    /// - the session that owns it, always (a null entry is the client leaving);
    /// - a session that sets a state (not null) for an id nobody owns: it becomes the owner;
    /// - a *later* session of the owner's user that sets a state: it takes the id over. A browser
    ///   that lost its network reconnects with the same Yjs client id before the server has
    ///   noticed its old socket is dead, and its presence must show at once, not vanish when the
    ///   old session is finally closed.
    ///
    /// Everything else is dropped. In particular a null entry for an id the session does not
    /// own never claims it: stock y-websocket clients echo every awareness change they receive,
    /// so the removal the server broadcasts when a socket closes comes back from the other
    /// participants. Claiming on such an echo gave the id to another user, and the person's
    /// own states were refused from then on (presence gone after a reconnect, issue #16). Nor
    /// does an older session take an id back from a newer one (its frames may arrive late,
    /// after the reconnect, and its close would then remove the new connection's presence).
    pub(crate) fn apply_awareness(
        &self,
        from: SessionId,
        user_id: &str,
        update: AwarenessUpdate,
        rewrite: impl Fn(&str) -> Arc<str>,
    ) -> Vec<u64> {
        let mut state = self.lock();
        let mut accepted = AwarenessUpdate {
            clients: HashMap::new(),
        };
        let mut claimed = Vec::new();
        for (client, mut entry) in update.clients {
            let id = client.get();
            let sets_state = &*entry.json != "null";
            let may_claim = match state.owners.get(&id) {
                Some(owner) if owner.session == from => None,
                None => Some(sets_state),
                Some(owner) => {
                    Some(sets_state && &*owner.user_id == user_id && owner.session < from)
                }
            };
            match may_claim {
                None => {}
                Some(true) => {
                    state.owners.insert(
                        id,
                        Owner {
                            session: from,
                            user_id: Arc::from(user_id),
                        },
                    );
                    claimed.push(id);
                }
                Some(false) => {
                    tracing::debug!(
                        client = id,
                        sets_state,
                        "awareness entry for a client id this session does not own dropped"
                    );
                    continue;
                }
            }
            if sets_state {
                entry.json = rewrite(&entry.json);
            }
            accepted.clients.insert(client, entry);
        }
        if accepted.clients.is_empty() {
            return claimed;
        }
        if let Err(e) = state.awareness.apply_update(accepted.clone()) {
            tracing::debug!(error = %e, "awareness update not applied");
            return claimed;
        }
        self.fanout
            .publish_awareness(&self.doc_id, Bytes::from(accepted.encode_v1()));
        self.broadcast_presence(&mut state, accepted);
        claimed
    }

    /// The full awareness state, for a client that asks for it.
    pub(crate) fn awareness_state(&self) -> Option<Bytes> {
        let state = self.lock();
        state
            .awareness
            .update()
            .ok()
            .map(|u| encode(Message::Awareness(u)))
    }

    /// Removes awareness states not renewed within `timeout` (y-protocols renews every 15 s)
    /// and tells everyone.
    pub(crate) fn expire_awareness(&self, timeout: Duration) {
        let now = now_millis();
        let mut state = self.lock();
        let stale: Vec<u64> = state
            .awareness
            .iter()
            .filter(|(_, s)| {
                s.data.is_some() && now.saturating_sub(s.last_updated) > timeout.as_millis() as u64
            })
            .map(|(client, _)| client.get())
            .collect();
        // Only this node's clients' states are the others' business; theirs expire there.
        let local: Vec<u64> = stale
            .iter()
            .copied()
            .filter(|c| state.owners.get(c).is_some_and(|o| o.session != REMOTE))
            .collect();
        let local_update = state
            .awareness
            .update_with_clients(local.iter().map(|c| yrs::block::ClientID::new(*c)))
            .ok();
        for client in &stale {
            if state
                .owners
                .get(client)
                .is_some_and(|o| o.session == REMOTE)
            {
                state.owners.remove(client);
            }
        }
        if let Some(removal) = remove_awareness(&mut state, &stale) {
            self.broadcast_presence(&mut state, removal);
        }
        if let Some(update) = local_update.filter(|_| !local.is_empty()) {
            // The states as they were, marked removed: null entries with a later clock.
            let mut removed = AwarenessUpdate {
                clients: HashMap::new(),
            };
            for (client, mut entry) in update.clients {
                entry.clock += 1;
                entry.json = Arc::from("null");
                removed.clients.insert(client, entry);
            }
            self.fanout
                .publish_awareness(&self.doc_id, Bytes::from(removed.encode_v1()));
        }
    }

    /// Awareness states other nodes' clients set: applied and sent to this node's clients.
    /// A state a session of this node owns is never changed by another node.
    pub(crate) fn apply_remote_awareness(&self, update: AwarenessUpdate) {
        let mut state = self.lock();
        let mut accepted = AwarenessUpdate {
            clients: HashMap::new(),
        };
        for (client, entry) in update.clients {
            let id = client.get();
            if state.owners.get(&id).is_some_and(|o| o.session != REMOTE) {
                continue;
            }
            if &*entry.json == "null" {
                state.owners.remove(&id);
            } else {
                state.owners.insert(
                    id,
                    Owner {
                        session: REMOTE,
                        user_id: Arc::from(""),
                    },
                );
            }
            accepted.clients.insert(client, entry);
        }
        if accepted.clients.is_empty() {
            return;
        }
        if let Err(e) = state.awareness.apply_update(accepted.clone()) {
            tracing::debug!(error = %e, "remote awareness update not applied");
            return;
        }
        self.broadcast_presence(&mut state, accepted);
    }

    /// Sends presence changes to the room's clients: at once after a quiet interval, else
    /// with the batch at the interval's end (see the module doc).
    fn broadcast_presence(&self, state: &mut RoomState, update: AwarenessUpdate) {
        let presence = &mut state.presence;
        let mut coalesced = 0;
        for (client, entry) in update.clients {
            match presence.pending.get_mut(&client) {
                Some(old) => {
                    coalesced += 1;
                    // Never let an entry's clock go back: clients would ignore the newer state.
                    let clock = old.clock.max(entry.clock);
                    *old = entry;
                    old.clock = clock;
                }
                None => {
                    presence.pending.insert(client, entry);
                }
            }
        }
        if coalesced > 0 {
            self.stats
                .awareness_coalesced
                .fetch_add(coalesced, Ordering::Relaxed);
        }
        if presence.scheduled {
            return;
        }
        let now = Instant::now();
        let due = presence.last.map(|last| last + self.presence_every);
        let later = due.filter(|due| *due > now && self.this.strong_count() > 0);
        if let (Some(due), Ok(runtime)) = (later, tokio::runtime::Handle::try_current()) {
            presence.scheduled = true;
            let room = self.this.clone();
            runtime.spawn(async move {
                tokio::time::sleep_until(due.into()).await;
                if let Some(room) = room.upgrade() {
                    let mut state = room.lock();
                    state.presence.scheduled = false;
                    room.flush_presence(&mut state);
                }
            });
            return;
        }
        self.flush_presence(state);
    }

    /// Broadcasts the presence changes gathered so far, encoded once for every client.
    fn flush_presence(&self, state: &mut RoomState) {
        let clients = std::mem::take(&mut state.presence.pending);
        if clients.is_empty() {
            return;
        }
        state.presence.last = Some(Instant::now());
        let update = AwarenessUpdate { clients };
        let frame = encode(Message::Awareness(update.clone()));
        for peer in state.sessions.values() {
            peer.send_presence(&update, &frame);
        }
    }

    /// The awareness states this node's sessions own, as one v1 awareness update.
    pub(crate) fn local_awareness(&self) -> Option<Bytes> {
        let state = self.lock();
        let local: Vec<_> = state
            .owners
            .iter()
            .filter(|(_, o)| o.session != REMOTE)
            .map(|(c, _)| yrs::block::ClientID::new(*c))
            .collect();
        if local.is_empty() {
            return None;
        }
        let update = state.awareness.update_with_clients(local).ok()?;
        Some(Bytes::from(update.encode_v1()))
    }

    /// This node committed an update at `at`: the chain may move on (and let waiting remote
    /// updates in).
    pub(crate) fn committed_at(&self, at: Appended) {
        let Some(prev) = at.prev else { return };
        let mut state = self.lock();
        if at.seq <= state.chain.synced {
            return;
        }
        state.chain.ahead.insert(prev, at.seq);
        self.advance(&mut state);
    }

    /// An update another node committed at `seq`, after `prev`.
    pub(crate) fn apply_remote(&self, seq: i64, prev: i64, update: Bytes) -> RemoteOutcome {
        let mut state = self.lock();
        let chain = &mut state.chain;
        if seq <= chain.synced
            || chain.ahead.get(&prev) == Some(&seq)
            || chain.waiting.contains_key(&prev)
        {
            return RemoteOutcome::Duplicate;
        }
        chain.waiting.insert(prev, (seq, update));
        chain.waiting_since.get_or_insert_with(Instant::now);
        self.advance(&mut state);
        if state.chain.waiting.is_empty() {
            RemoteOutcome::Applied
        } else {
            RemoteOutcome::Waiting
        }
    }

    /// Whether the room needs storage to mend it: something waited longer than `patience`
    /// for its predecessor, or a remote update did not integrate whole.
    pub(crate) fn needs_catch_up(&self, patience: Duration) -> bool {
        let state = self.lock();
        state.chain.broken
            || state
                .chain
                .waiting_since
                .is_some_and(|since| since.elapsed() >= patience)
    }

    /// Other nodes' updates received and not yet applied (waiting for a predecessor), and
    /// how long the oldest has waited.
    pub(crate) fn remote_backlog(&self) -> (usize, Option<Duration>) {
        let state = self.lock();
        let since = state.chain.waiting_since.map(|since| since.elapsed());
        (state.chain.waiting.len(), since)
    }

    /// The seq up to which the room holds every update of the stored log.
    pub(crate) fn synced(&self) -> i64 {
        self.lock().chain.synced
    }

    /// Applies what storage holds beyond `synced` (read after the room was found behind) and
    /// sends this node's clients what changed, as one update. Returns whether the document
    /// changed.
    pub(crate) fn catch_up(&self, stored: &StoredDoc) -> Result<bool, Error> {
        let mut state = self.lock();
        let doc = state.awareness.doc().clone();
        let from = state.chain.synced;
        let (before, deleted_before) = {
            let txn = doc.transact();
            (txn.state_vector(), txn.snapshot().delete_set)
        };
        {
            let mut txn = doc.transact_mut();
            let snapshot = stored
                .snapshot
                .iter()
                .filter(|s| s.through_seq > from)
                .map(|s| (&s.data, s.through_seq));
            let updates = stored
                .updates
                .iter()
                .filter(|u| u.seq > from)
                .map(|u| (&u.data, u.seq));
            for (data, seq) in snapshot.chain(updates) {
                let update = Update::decode_v1(data).map_err(|e| Error::CorruptStoredState {
                    doc: self.doc_id.to_string(),
                    detail: format!("entry {seq} does not decode: {e}"),
                })?;
                txn.apply_update(update)
                    .map_err(|e| Error::CorruptStoredState {
                        doc: self.doc_id.to_string(),
                        detail: format!("entry {seq} does not apply: {e}"),
                    })?;
            }
            if let Some(pending) = take_pending(&mut txn) {
                tracing::warn!(doc = %self.doc_id, bytes = pending.len(), "stored updates wait for missing predecessors; discarded");
            }
        }
        let through = stored_through(stored);
        let chain = &mut state.chain;
        chain.synced = chain.synced.max(through);
        chain.broken = false;
        let synced = chain.synced;
        chain.ahead.retain(|_, seq| *seq > synced);
        chain.waiting.retain(|_, (seq, _)| *seq > synced);
        self.advance(&mut state);
        let changed = {
            let txn = doc.transact();
            txn.state_vector() != before || txn.snapshot().delete_set != deleted_before
        };
        if changed {
            state.version += 1;
            let diff = UpdateFrame::new(doc.transact().encode_diff_v1(&before));
            for peer in state.sessions.values() {
                peer.send_update(&diff);
            }
        }
        Ok(changed)
    }

    /// Moves `synced` along this node's commits and the remote updates that waited for it.
    fn advance(&self, state: &mut RoomState) {
        loop {
            let synced = state.chain.synced;
            if let Some(seq) = state.chain.ahead.remove(&synced) {
                state.chain.synced = seq;
                continue;
            }
            if let Some((seq, update)) = state.chain.waiting.remove(&synced) {
                self.integrate_remote(state, &update);
                state.chain.synced = seq;
                continue;
            }
            break;
        }
        // Stale entries (below what a catch-up read) can never be reached.
        let synced = state.chain.synced;
        state.chain.waiting.retain(|prev, _| *prev > synced);
        if state.chain.waiting.is_empty() {
            state.chain.waiting_since = None;
        }
    }

    /// Applies one committed remote update and sends it to this node's clients.
    fn integrate_remote(&self, state: &mut RoomState, update: &Bytes) {
        let doc = state.awareness.doc().clone();
        let outcome = Update::decode_v1(update)
            .map_err(|e| e.to_string())
            .and_then(|u| apply_one(&doc, u, false).map_err(|e| e.to_string()));
        match outcome {
            Ok((integrated, pending)) => {
                if pending.is_some() {
                    tracing::warn!(doc = %self.doc_id, "a remote update waits for predecessors; catching up from storage");
                    state.chain.broken = true;
                }
                if integrated.is_some() {
                    state.version += 1;
                    let update = UpdateFrame::new(update.to_vec());
                    for peer in state.sessions.values() {
                        peer.send_update(&update);
                    }
                }
            }
            Err(e) => {
                tracing::warn!(doc = %self.doc_id, error = %e, "a remote update does not apply; catching up from storage");
                state.chain.broken = true;
            }
        }
    }

    /// The text `name` of the in-memory doc, for tests.
    #[cfg(test)]
    pub(crate) fn text(&self, name: &str) -> String {
        use yrs::GetString;
        let state = self.lock();
        let text = state.awareness.doc().get_or_insert_text(name);
        let txn = state.awareness.doc().transact();
        text.get_string(&txn)
    }

    pub(crate) fn queued_messages(&self) -> usize {
        self.lock().sessions.values().map(|p| p.queued()).sum()
    }

    pub(crate) fn max_queued_bytes(&self) -> usize {
        self.lock()
            .sessions
            .values()
            .map(|p| p.queued_bytes())
            .max()
            .unwrap_or(0)
    }
}

/// Limits that apply to one incoming update.
pub(crate) struct Limits {
    pub(crate) incoming_len: usize,
    pub(crate) max_pending_bytes: usize,
}

/// The state of the document made of `parts` (a snapshot, then the log after it, in order),
/// as one v1 update, without anything left waiting for missing predecessors.
///
/// The parts are applied one by one to a fresh document, never merged first: loading the
/// merge of many small updates (`yrs::merge_updates_v1`) costs memory quadratic in their
/// number (9,000 one-line edits: a 259 KB merge took +945 MB to load, where applying them
/// one by one takes 24 ms; BENCHMARKS.md, throughput), and the merge itself is slow.
pub(crate) fn compacted_state<'a>(
    parts: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, String> {
    let doc = Doc::new();
    for part in parts {
        let decoded = Update::decode_v1(part).map_err(|e| e.to_string())?;
        doc.transact_mut()
            .apply_update(decoded)
            .map_err(|e| e.to_string())?;
    }
    let mut txn = doc.transact_mut();
    take_pending(&mut txn);
    Ok(txn.encode_state_as_update_v1(&StateVector::default()))
}

/// What integrated of an update: nothing, or a change, encoded by yrs when asked to or when
/// part of the update went to the pending area (`None` inside: the update as it came).
type Integrated = Option<Option<Vec<u8>>>;

/// Applies one update in its own transaction. Returns what integrated and what went to the
/// pending area, taken out of it. `encode`: always encode what integrated (a parked update,
/// of which only a part may integrate and which is not what its client sent in one piece).
fn apply_one(
    doc: &Doc,
    update: Update,
    encode: bool,
) -> Result<(Integrated, Option<Vec<u8>>), yrs::error::UpdateError> {
    let mut txn = doc.transact_mut();
    txn.apply_update(update)?;
    let pending = take_pending(&mut txn);
    let changed = txn.before_state() != txn.after_state() || !txn.delete_set().is_empty();
    let integrated = changed.then(|| (encode || pending.is_some()).then(|| txn.encode_update_v1()));
    Ok((integrated, pending))
}

/// Empties the doc's pending area; returns what it held as one v1 update, if anything.
///
/// yrs has no call to clear it: the pending update and delete set are taken out through
/// their `_mut` accessors, which leaves them empty (and an empty pending area is ignored).
fn take_pending(txn: &mut TransactionMut) -> Option<Vec<u8>> {
    let store = txn.store_mut();
    let blocks = store.pending_update_mut().map(|p| {
        p.missing = StateVector::default();
        std::mem::take(&mut p.update)
    });
    let deletes = store.pending_ds_mut().map(std::mem::take);
    let mut parts = Vec::new();
    if let Some(blocks) = blocks.filter(|u| !u.is_empty()) {
        parts.push(blocks.encode_v1());
    }
    if let Some(deletes) = deletes.filter(|d| !d.is_empty()) {
        // An update with no blocks: a zero client count, then the delete set.
        let mut update = vec![0];
        update.extend(deletes.encode_v1());
        parts.push(update);
    }
    match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => yrs::merge_updates_v1(&parts).ok(),
    }
}

/// Adds `pending` to what session `id` has parked.
fn park(state: &mut RoomState, id: SessionId, author: &Principal, pending: Vec<u8>) {
    let update = match state.parked.remove(&id) {
        Some(old) => {
            yrs::merge_updates_v1([old.update.as_slice(), pending.as_slice()]).unwrap_or(pending)
        }
        None => pending,
    };
    state.parked.insert(
        id,
        Parked {
            update,
            author: author.clone(),
        },
    );
}

fn would_change(state: &RoomState, update: &Update) -> bool {
    let txn = state.awareness.doc().transact();
    if update.extends(&txn.state_vector()) {
        return true;
    }
    if update.delete_set().is_empty() {
        return false;
    }
    let deleted = txn.snapshot().delete_set;
    deleted.merge(update.delete_set()) != deleted
}

/// The seq through which a loaded document holds the stored log.
fn stored_through(stored: &StoredDoc) -> i64 {
    let snapshot = stored.snapshot.as_ref().map_or(0, |s| s.through_seq);
    stored
        .updates
        .last()
        .map_or(snapshot, |u| u.seq.max(snapshot))
}

/// Removes `clients`' awareness states. Returns the removal, for this node's sessions and
/// other nodes.
fn remove_awareness(state: &mut RoomState, clients: &[u64]) -> Option<AwarenessUpdate> {
    if clients.is_empty() {
        return None;
    }
    for client in clients {
        state
            .awareness
            .remove_state(yrs::block::ClientID::new(*client));
    }
    let ids = clients.iter().map(|c| yrs::block::ClientID::new(*c));
    state.awareness.update_with_clients(ids).ok()
}

pub(crate) fn encode(msg: Message) -> Bytes {
    Bytes::from(msg.encode_v1())
}

fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
