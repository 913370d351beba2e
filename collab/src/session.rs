//! One client in one room: frames in, frames out.
//!
//! The server owns the socket and calls [`Session::receive`] with each binary frame; what the
//! client must be sent comes out of the [`Outbox`]. A session never touches a socket, so the
//! whole protocol can be tested without one.
//!
//! Access is enforced here on every message, whatever the client claims: a read-only session's
//! update is refused with the y-protocols auth message (permission denied) and nothing is
//! applied or stored.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{json, Value};
use yrs::sync::{Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::Update;

use crate::access::{Access, Principal};
use crate::error::{close_code, Close, Error};
use crate::guard::{self, FrameRefused};
use crate::queue::{QueueLimits, Taken, UpdateFrame};
use crate::room::{encode, Applied, Limits, Peer, Room, SessionId};
use crate::rooms::{Inner, Membership, Rooms};
use crate::store::DocId;

/// The reason sent with a refused update, as y-websocket clients display it.
pub const READ_ONLY_REASON: &str = "permission denied: read-only access";

/// One connected client.
pub struct Session {
    id: SessionId,
    room: Arc<Room>,
    rooms: Arc<Inner>,
    principal: Principal,
    access: Access,
    peer: Arc<Peer>,
    // Declared last so the room is released only after the session has left it.
    _membership: Membership,
}

/// What the server must send to a session's client, in order.
pub struct Outbox {
    peer: Arc<Peer>,
    /// The frame handed out last is the client's initial state.
    state_out: bool,
}

/// The next thing to do on a client's socket.
#[derive(Debug)]
pub enum Outgoing {
    /// Send this binary frame.
    Frame(Bytes),
    /// Close the socket with this code and reason.
    Close(Close),
}

impl Outbox {
    /// Waits for the next frame, or for the room to close the session (slow consumer, storage
    /// failure, shutdown). A close wins over frames still queued: the client resyncs anyway.
    ///
    /// Ask for the next frame only once the previous one is written, and say so with
    /// [`Outbox::sent`]: what is not taken yet can still be coalesced or merged.
    pub async fn next(&mut self) -> Outgoing {
        loop {
            if let Some(close) = self.peer.kicked_now() {
                return Outgoing::Close(close);
            }
            match self.peer.take() {
                Taken::Frame(frame) => return Outgoing::Frame(frame),
                Taken::State(frame) => {
                    self.state_out = true;
                    return Outgoing::Frame(frame);
                }
                Taken::Empty => {}
            }
            tokio::select! {
                biased;
                close = self.peer.kicked() => return Outgoing::Close(close),
                () = self.peer.ready() => {}
            }
        }
    }

    /// The frame handed out last has been written to the socket (taken by the kernel).
    pub fn sent(&mut self) {
        if std::mem::take(&mut self.state_out) {
            self.peer.state_sent();
        }
    }

    /// A handle that resolves when the room closes the session, to watch while a frame is
    /// being written.
    pub fn closing(&self) -> Closing {
        Closing(self.peer.clone())
    }
}

/// Resolves when the room closes a session (see [`Outbox::closing`]).
pub struct Closing(Arc<Peer>);

impl Closing {
    pub async fn closed(&self) -> Close {
        self.0.kicked().await
    }
}

impl Session {
    /// Joins the room of `doc` (loading it if needed) with the access the server decided.
    /// The outbox already holds the server's greeting: sync step 1 and the awareness states.
    pub async fn join(
        rooms: &Rooms,
        doc: DocId,
        principal: Principal,
        access: Access,
    ) -> Result<(Session, Outbox), Error> {
        if access == Access::None {
            return Err(Error::AccessDenied);
        }
        let (room, membership) = rooms.join(&doc).await?;
        let config = rooms.config();
        let limits = QueueLimits {
            messages: config.outgoing_queue,
            bytes: config.outgoing_queue_bytes,
        };
        let peer = Arc::new(Peer::new(limits, rooms.inner.stats.clone()));
        let id = rooms.inner.next_session_id();
        room.add_session(id, peer.clone());
        rooms.inner.stats.sessions.fetch_add(1, Ordering::Relaxed);
        let session = Session {
            id,
            room,
            rooms: rooms.inner.clone(),
            principal,
            access,
            peer: peer.clone(),
            _membership: membership,
        };
        Ok((
            session,
            Outbox {
                peer,
                state_out: false,
            },
        ))
    }

    /// The access this session acts with now.
    pub fn access(&self) -> Access {
        self.access
    }

    /// Changes the access of an open session, when the server learns that the client's rights
    /// changed (a document frozen for signing, an organization made observer). Takes effect
    /// from the next message. `Access::None` is not a state a session can be in: the server
    /// closes it instead (close code 4403).
    pub fn set_access(&mut self, access: Access) {
        debug_assert!(access != Access::None, "close the session instead");
        if access != Access::None {
            self.access = access;
        }
    }

    /// Handles every message of one binary frame, in order. `Err` means: close the client with
    /// this code and reason. Nothing of a refused update is applied or stored.
    pub async fn receive(&mut self, frame: &[u8]) -> Result<(), Close> {
        let messages = decode_frame(frame).inspect_err(|_| self.rejected())?;
        for message in messages {
            match message {
                Message::Sync(SyncMessage::SyncStep1(sv)) => {
                    let (frames, gen, shared) = self.room.initial_state(&sv).await;
                    if shared {
                        self.rooms
                            .stats
                            .initial_states_shared
                            .fetch_add(1, Ordering::Relaxed);
                    }
                    if !self.room.wait_durable(gen).await {
                        return Err(storage_failed());
                    }
                    self.peer.send_state(frames);
                }
                Message::Sync(SyncMessage::SyncStep2(update) | SyncMessage::Update(update)) => {
                    self.update(update).await.inspect_err(|_| self.rejected())?;
                }
                Message::Awareness(update) => {
                    let principal = &self.principal;
                    self.room
                        .apply_awareness(self.id, &principal.user_id, update, |json| {
                            server_user(json, principal)
                        });
                }
                Message::AwarenessQuery => {
                    if let Some(state) = self.room.awareness_state() {
                        self.peer.send(state);
                    }
                }
                // Only a server grants or denies; a client's auth message carries nothing for us.
                Message::Auth(_) => {}
                // `decode_frame` refuses these already; closing keeps it so if that ever changes.
                Message::Custom(tag, _) => {
                    return Err(Close::new(
                        close_code::UNKNOWN_MESSAGE,
                        format!("unknown message type {tag}"),
                    ));
                }
            }
        }
        Ok(())
    }

    async fn update(&mut self, update: Vec<u8>) -> Result<(), Close> {
        let decoded = Update::decode_v1(&update).map_err(|e| {
            Close::new(
                close_code::CORRUPT_UPDATE,
                format!("update does not decode: {e}"),
            )
        })?;
        if !self.access.can_write() {
            if self.room.would_change(&decoded) {
                self.rejected();
                self.peer
                    .send(encode(Message::Auth(Some(READ_ONLY_REASON.into()))));
            }
            return Ok(());
        }
        let len = update.len();
        let config = &self.rooms.config;
        if self.room.stored_bytes.load(Ordering::Relaxed) + len > config.max_doc_bytes {
            return Err(Close::new(
                close_code::DOCUMENT_TOO_LARGE,
                format!(
                    "document would exceed its limit of {} bytes",
                    config.max_doc_bytes
                ),
            ));
        }
        let limits = Limits {
            incoming_len: len,
            max_pending_bytes: config.max_pending_bytes,
        };
        let changes = match self
            .room
            .apply(self.id, &self.principal, decoded, &limits)?
        {
            Applied::Changed(changes) => changes,
            // Frozen since this session was given write access: refused like a reader's.
            Applied::ReadOnly => {
                self.rejected();
                self.peer
                    .send(encode(Message::Auth(Some(READ_ONLY_REASON.into()))));
                return Ok(());
            }
        };
        let mut received = Some(update);
        for change in changes {
            // The sender's update as received, or what yrs encoded of a partial or parked one.
            let Some(update) = change.update.or_else(|| received.take()) else {
                continue;
            };
            self.commit(change.gen, &change.author, update).await?;
        }
        Ok(())
    }

    /// Stores one applied change, then broadcasts it (the sender hears it last).
    async fn commit(&self, gen: u64, author: &Principal, update: Vec<u8>) -> Result<(), Close> {
        let len = update.len();
        // Encode the broadcast once; the raw update is its tail, so nothing is copied again.
        let frame = UpdateFrame::new(update);
        let raw = frame.raw.clone();
        let at = match self
            .rooms
            .store
            .append(&self.room.doc_id, raw.clone(), author)
            .await
        {
            Ok(at) => at,
            Err(e) => {
                tracing::error!(doc = %self.room.doc_id, error = %e, "append failed; closing the room");
                self.room.fail();
                return Err(storage_failed());
            }
        };
        self.room.committed(gen);
        self.room.committed_at(at);
        self.room.stored_bytes.fetch_add(len, Ordering::Relaxed);
        self.room.tail_updates.fetch_add(1, Ordering::Relaxed);
        self.room.tail_bytes.fetch_add(len, Ordering::Relaxed);
        self.rooms
            .stats
            .updates_applied
            .fetch_add(1, Ordering::Relaxed);
        self.room.broadcast_update(self.id, &frame);
        if let Err(e) = self.rooms.fanout.publish(&self.room.doc_id, at, raw).await {
            tracing::warn!(doc = %self.room.doc_id, error = %e, "fan-out to other nodes failed");
        }
        Ok(())
    }

    fn rejected(&self) {
        self.rooms
            .stats
            .updates_rejected
            .fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.room.remove_session(self.id);
        self.rooms.stats.sessions.fetch_sub(1, Ordering::Relaxed);
    }
}

fn storage_failed() -> Close {
    Close::new(
        close_code::STORAGE_FAILED,
        "storage is unavailable; reconnect to resync",
    )
}

/// Splits a frame into messages. The frame must be nothing but whole, known messages.
///
/// The whole frame is scanned first ([`guard::check_frame`]), so that no count it declares
/// makes yrs reserve more memory than the frame's own size warrants.
fn decode_frame(frame: &[u8]) -> Result<Vec<Message>, Close> {
    let malformed = |what: String| Close::new(close_code::MALFORMED, what);
    if frame.is_empty() {
        return Err(malformed("empty frame".into()));
    }
    guard::check_frame(frame).map_err(|refused| match refused {
        FrameRefused::Message(why) => malformed(format!("malformed message: {why}")),
        FrameRefused::Update(why) => Close::new(
            close_code::CORRUPT_UPDATE,
            format!("update does not decode: {why}"),
        ),
    })?;
    let mut decoder = DecoderV1::from(frame);
    let mut messages = Vec::new();
    let mut consumed = 0;
    for message in MessageReader::new(&mut decoder) {
        let message = message.map_err(|e| malformed(format!("malformed message: {e}")))?;
        if let Message::Custom(tag, _) = message {
            return Err(Close::new(
                close_code::UNKNOWN_MESSAGE,
                format!("unknown message type {tag}"),
            ));
        }
        // The reader treats a message cut short at the end as the end of the frame; counting
        // what it decoded catches that.
        consumed += message.encode_v1().len();
        messages.push(message);
    }
    if consumed != frame.len() {
        return Err(malformed("frame ends in the middle of a message".into()));
    }
    Ok(messages)
}

/// Replaces the `user` of an awareness state with the authenticated principal. Only the
/// cursor colours a client picked are kept, and only when they are short strings.
fn server_user(json: &str, principal: &Principal) -> Arc<str> {
    let mut state: Value = serde_json::from_str(json).unwrap_or(Value::Null);
    let mut user = json!({ "id": principal.user_id, "name": principal.name, "org": principal.org });
    for key in ["color", "colorLight"] {
        if let Some(colour) = state
            .pointer(&format!("/user/{key}"))
            .and_then(Value::as_str)
        {
            if colour.len() <= 32 {
                user[key] = Value::from(colour);
            }
        }
    }
    if !state.is_object() {
        state = json!({});
    }
    state["user"] = user;
    state.to_string().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            user_id: "u1".into(),
            name: "李四".into(),
            org: "county-market".into(),
        }
    }

    #[test]
    fn awareness_user_is_replaced_by_the_principal() {
        let json =
            r##"{"user":{"name":"Mallory","org":"bureau","color":"#30bced"},"cursor":null}"##;
        let out: Value = serde_json::from_str(&server_user(json, &principal())).unwrap();
        assert_eq!(out["user"]["name"], "李四");
        assert_eq!(out["user"]["org"], "county-market");
        assert_eq!(out["user"]["color"], "#30bced");
        assert!(out["cursor"].is_null());
    }

    #[test]
    fn a_frame_cut_short_is_malformed() {
        let whole = encode(Message::Sync(SyncMessage::Update(vec![0, 0])));
        assert!(decode_frame(&whole).is_ok());
        let err = decode_frame(&whole[..whole.len() - 1]).unwrap_err();
        assert_eq!(err.code, close_code::MALFORMED);
    }

    #[test]
    fn a_frame_declaring_more_than_it_holds_is_refused_with_the_update_code() {
        // Issue #15's frame: sync step 2 with an update declaring 300 million client groups.
        let bomb = [
            0x00, 0x02, 0x08, 0x80, 0xc6, 0x86, 0x8f, 0x01, 0x00, 0x7f, 0x73,
        ];
        let err = decode_frame(&bomb).unwrap_err();
        assert_eq!(err.code, close_code::CORRUPT_UPDATE);
        assert!(err.reason.contains("300000000"), "{}", err.reason);
        // A sync step 1 whose state vector declares as many entries is a malformed message.
        let err =
            decode_frame(&[0x00, 0x00, 0x06, 0x80, 0xc6, 0x86, 0x8f, 0x01, 0x00]).unwrap_err();
        assert_eq!(err.code, close_code::MALFORMED);
    }

    #[test]
    fn an_unknown_message_type_is_named() {
        let err = decode_frame(&[9, 1, 0]).unwrap_err();
        assert_eq!(err.code, close_code::UNKNOWN_MESSAGE);
        assert!(err.reason.contains('9'));
    }

    #[test]
    fn close_reasons_fit_a_close_frame() {
        let close = Close::new(4400, "é".repeat(100));
        assert!(close.reason.len() <= 123);
    }
}

/// The initial state as a real client meets it: in slices, shared by joiners of the same
/// moment, and resumed rather than restarted after a drop.
#[cfg(test)]
mod initial_state_tests {
    use std::sync::Arc;

    use yrs::updates::decoder::Decode;
    use yrs::updates::encoder::Encode;
    use yrs::{Doc, GetString, ReadTxn, StateVector, Text, Transact, Update};

    use super::*;
    use crate::fanout::SingleNode;
    use crate::initial::SLICE_BYTES;
    use crate::rooms::RoomsConfig;
    use crate::store::MemoryStore;

    pub(super) fn writer(n: u32) -> Principal {
        Principal {
            user_id: format!("u{n}"),
            name: format!("用户{n}"),
            org: "o".into(),
        }
    }

    fn sync_step_1(sv: &StateVector) -> Vec<u8> {
        Message::Sync(SyncMessage::SyncStep1(sv.clone())).encode_v1()
    }

    /// A room holding about 1.5 MB of text written by three clients, each inserting into the
    /// middle of what the one before wrote (so the slices must be ordered across clients).
    async fn large_room() -> (Rooms, DocId, String) {
        let rooms = Rooms::new(
            Arc::new(MemoryStore::default()),
            Arc::new(SingleNode),
            RoomsConfig::default(),
        );
        let doc = DocId::parse("large").unwrap();
        let (mut session, _outbox) = Session::join(&rooms, doc.clone(), writer(0), Access::Write)
            .await
            .unwrap();
        let source = Doc::new();
        let text = source.get_or_insert_text("t");
        for (client, chunk) in ["甲方记录", "乙方补充", "丙方意见"].iter().enumerate() {
            // Offsets in UTF-16 units, as yjs counts them.
            let author = Doc::with_options(yrs::Options {
                client_id: yrs::ClientID::new(client as u64 + 1),
                offset_kind: yrs::OffsetKind::Utf16,
                ..yrs::Options::default()
            });
            author
                .transact_mut()
                .apply_update(
                    Update::decode_v1(
                        &source
                            .transact()
                            .encode_state_as_update_v1(&StateVector::default()),
                    )
                    .unwrap(),
                )
                .unwrap();
            let t = author.get_or_insert_text("t");
            for i in 0..400 {
                let mut txn = author.transact_mut();
                let len = t.len(&txn);
                t.insert(
                    &mut txn,
                    len / 2,
                    &format!("{chunk}第{i}段：{}", "内容".repeat(200)),
                );
            }
            let update = author
                .transact()
                .encode_diff_v1(&source.transact().state_vector());
            source
                .transact_mut()
                .apply_update(Update::decode_v1(&update).unwrap())
                .unwrap();
            let frame = Message::Sync(SyncMessage::Update(update)).encode_v1();
            session.receive(&frame).await.unwrap();
        }
        let expected = text.get_string(&source.transact());
        (rooms, doc, expected)
    }

    /// Takes `n` frames (or all of the initial state when `None`) and applies them to `client`;
    /// returns the bytes taken.
    async fn take_state(outbox: &mut Outbox, client: &Doc, n: Option<usize>) -> usize {
        let mut bytes = 0;
        let mut taken = 0;
        while n.is_none_or(|n| taken < n) {
            let Outgoing::Frame(frame) =
                tokio::time::timeout(std::time::Duration::from_secs(5), outbox.next())
                    .await
                    .expect("a frame")
            else {
                panic!("closed");
            };
            outbox.sent();
            let mut done = false;
            for msg in decode_frame(&frame).unwrap() {
                let update = match msg {
                    Message::Sync(SyncMessage::Update(u)) => u,
                    Message::Sync(SyncMessage::SyncStep2(u)) => {
                        done = true;
                        u
                    }
                    _ => continue,
                };
                bytes += frame.len();
                taken += 1;
                let mut txn = client.transact_mut();
                txn.apply_update(Update::decode_v1(&update).unwrap())
                    .unwrap();
                assert!(
                    txn.store().pending_update().is_none(),
                    "a slice waits for predecessors"
                );
            }
            if done {
                break;
            }
        }
        bytes
    }

    #[tokio::test]
    async fn a_client_that_drops_mid_state_is_sent_only_what_it_lacks_when_it_reconnects() {
        let (rooms, doc, expected) = large_room().await;

        let whole = Doc::new();
        let (mut session, mut outbox) = Session::join(&rooms, doc.clone(), writer(1), Access::Read)
            .await
            .unwrap();
        session
            .receive(&sync_step_1(&StateVector::default()))
            .await
            .unwrap();
        let whole_bytes = take_state(&mut outbox, &whole, None).await;
        assert_eq!(
            whole.get_or_insert_text("t").get_string(&whole.transact()),
            expected
        );
        assert!(
            whole_bytes > 4 * SLICE_BYTES,
            "the document ({whole_bytes} bytes) is large enough to be sliced"
        );
        drop((session, outbox));

        // Another client reads two slices, then its connection drops.
        let client = Doc::new();
        let (mut session, mut outbox) = Session::join(&rooms, doc.clone(), writer(2), Access::Read)
            .await
            .unwrap();
        session
            .receive(&sync_step_1(&StateVector::default()))
            .await
            .unwrap();
        let first = take_state(&mut outbox, &client, Some(2)).await;
        assert!(
            first < whole_bytes / 2,
            "two frames hold part of the state ({first} of {whole_bytes} bytes)"
        );
        drop((session, outbox));

        // It reconnects with what it has: it is sent the rest, not the whole again.
        let (mut session, mut outbox) = Session::join(&rooms, doc, writer(2), Access::Read)
            .await
            .unwrap();
        let sv = client.transact().state_vector();
        session.receive(&sync_step_1(&sv)).await.unwrap();
        let rest = take_state(&mut outbox, &client, None).await;
        assert_eq!(
            client
                .get_or_insert_text("t")
                .get_string(&client.transact()),
            expected
        );
        assert!(
            rest < whole_bytes - first / 2,
            "after {first} bytes it was sent {rest} more of {whole_bytes}"
        );
    }

    #[tokio::test]
    async fn joiners_of_the_same_moment_share_one_encoding_of_the_state() {
        let (rooms, doc, expected) = large_room().await;
        let mut joined = Vec::new();
        for n in 1..=3 {
            let (mut session, outbox) = Session::join(&rooms, doc.clone(), writer(n), Access::Read)
                .await
                .unwrap();
            session
                .receive(&sync_step_1(&StateVector::default()))
                .await
                .unwrap();
            joined.push((session, outbox));
        }
        assert_eq!(
            rooms
                .inner
                .stats
                .initial_states_shared
                .load(Ordering::Relaxed),
            2,
            "the second and third joiner were sent the first one's encoding"
        );
        for (_session, outbox) in &mut joined {
            let client = Doc::new();
            take_state(outbox, &client, None).await;
            assert_eq!(
                client
                    .get_or_insert_text("t")
                    .get_string(&client.transact()),
                expected
            );
        }
    }
}

/// Presence as the room's clients get it: at once in a quiet room, in batches in a busy one.
#[cfg(test)]
mod presence_tests {
    use std::collections::HashMap;
    use std::time::Duration;

    use yrs::block::ClientID;
    use yrs::sync::awareness::AwarenessUpdateEntry;
    use yrs::sync::AwarenessUpdate;
    use yrs::updates::encoder::Encode;

    use super::initial_state_tests::writer as person;
    use super::*;
    use crate::fanout::SingleNode;
    use crate::rooms::RoomsConfig;
    use crate::store::MemoryStore;

    fn cursor(client: u64, clock: u32) -> Vec<u8> {
        let entry = AwarenessUpdateEntry {
            clock,
            json: Arc::from(format!(r#"{{"cursor":{clock}}}"#)),
        };
        let clients = HashMap::from([(ClientID::new(client), entry)]);
        Message::Awareness(AwarenessUpdate { clients }).encode_v1()
    }

    /// The presence entries of the frame the outbox holds right now, if it holds one.
    async fn presence_now(outbox: &mut Outbox) -> Option<Vec<(u64, u32, String)>> {
        loop {
            // A zero timeout polls once: only what is already queued comes out.
            let Ok(Outgoing::Frame(frame)) =
                tokio::time::timeout(Duration::ZERO, outbox.next()).await
            else {
                return None;
            };
            outbox.sent();
            for msg in decode_frame(&frame).unwrap() {
                if let Message::Awareness(update) = msg {
                    let mut entries: Vec<_> = update
                        .clients
                        .into_iter()
                        .map(|(c, e)| (c.get(), e.clock, e.json.to_string()))
                        .collect();
                    entries.sort();
                    return Some(entries);
                }
            }
        }
    }

    #[tokio::test]
    async fn a_change_in_a_quiet_room_goes_out_at_once_and_a_burst_as_one_message() {
        let every = Duration::from_millis(500);
        let rooms = Rooms::new(
            Arc::new(MemoryStore::default()),
            Arc::new(SingleNode),
            RoomsConfig {
                presence_every: every,
                ..RoomsConfig::default()
            },
        );
        let doc = DocId::parse("presence").unwrap();
        let (mut mover, _own) = Session::join(&rooms, doc.clone(), person(1), Access::Write)
            .await
            .unwrap();
        let (_watcher, mut outbox) = Session::join(&rooms, doc, person(2), Access::Read)
            .await
            .unwrap();
        assert_eq!(
            presence_now(&mut outbox).await,
            None,
            "nobody is present yet"
        );

        mover.receive(&cursor(7, 1)).await.unwrap();
        let first = presence_now(&mut outbox)
            .await
            .expect("the first change at once");
        assert_eq!((first[0].0, first[0].1), (7, 1));

        for clock in 2..=10 {
            mover.receive(&cursor(7, clock)).await.unwrap();
        }
        assert_eq!(
            presence_now(&mut outbox).await,
            None,
            "changes within the interval wait for its end"
        );
        tokio::time::sleep(every + Duration::from_millis(200)).await;
        let batch = presence_now(&mut outbox).await.expect("the batch");
        assert_eq!(batch.len(), 1, "one entry per awareness client id");
        assert_eq!(batch[0].1, 10, "the latest change");
        assert!(batch[0].2.contains(r#""cursor":10"#), "{}", batch[0].2);
        assert_eq!(
            presence_now(&mut outbox).await,
            None,
            "and nothing after it"
        );
    }

    #[tokio::test]
    async fn a_batch_is_encoded_once_for_every_client_keeping_up() {
        let rooms = Rooms::new(
            Arc::new(MemoryStore::default()),
            Arc::new(SingleNode),
            RoomsConfig::default(),
        );
        let doc = DocId::parse("shared-presence").unwrap();
        let (mut mover, _own) = Session::join(&rooms, doc.clone(), person(1), Access::Write)
            .await
            .unwrap();
        let mut outboxes = Vec::new();
        for n in 2..5 {
            let (session, mut outbox) = Session::join(&rooms, doc.clone(), person(n), Access::Read)
                .await
                .unwrap();
            assert_eq!(presence_now(&mut outbox).await, None);
            outboxes.push((session, outbox));
        }
        mover.receive(&cursor(9, 1)).await.unwrap();
        let mut frames = Vec::new();
        for (_, outbox) in &mut outboxes {
            let Ok(Outgoing::Frame(frame)) =
                tokio::time::timeout(Duration::ZERO, outbox.next()).await
            else {
                panic!("no presence frame");
            };
            frames.push(frame);
        }
        assert!(
            frames.windows(2).all(|w| w[0].as_ptr() == w[1].as_ptr()),
            "every client is sent the same buffer"
        );
    }
}
