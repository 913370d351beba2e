//! A y-websocket client in Rust (tokio-tungstenite + yrs), behaving like the stock JavaScript
//! provider: it sends sync step 1 on connect, answers the server's step 1 with step 2, applies
//! updates, sends its own edits as updates and keeps an awareness state.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::{Awareness, Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{GetString, ReadTxn, Text, Transact, Update};

/// How a connection ended, as the server said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub code: u16,
    pub reason: String,
}

/// What the reader task has observed. Watchers are woken on every change.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// Server sync step 2 received and applied.
    pub synced: bool,
    /// How many sync step 2 answers arrived. The server answers each sync step 1 in order, and
    /// only once everything this client sent before it is stored (what makes the web client's
    /// "saved" mark), so the n-th answer acknowledges every edit sent before the n-th step 1.
    pub answers: u64,
    /// Permission-denied reasons received.
    pub denied: Vec<String>,
    /// Updates received as `Update` messages (echoes included).
    pub updates: usize,
    pub closed: Option<Closed>,
    /// Bumped on every message, so waiters can re-check derived state.
    pub messages: u64,
}

pub struct TestClient {
    pub awareness: Arc<Mutex<Awareness>>,
    out: mpsc::UnboundedSender<WsMessage>,
    seen: watch::Receiver<Seen>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Dropping a client drops its socket without a close frame, like a vanished browser tab.
impl Drop for TestClient {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

pub const TEXT: &str = "t";
const WAIT: Duration = Duration::from_secs(10);

impl TestClient {
    /// Connects and starts syncing; does not wait for the sync to finish.
    pub async fn connect(url: &str) -> TestClient {
        Self::connect_with(url, yrs::Doc::new()).await
    }

    /// Connects with an existing document (e.g. one edited offline).
    pub async fn connect_with(url: &str, doc: yrs::Doc) -> TestClient {
        Self::try_connect_with(url, doc)
            .await
            .unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
    }

    pub async fn try_connect_with(
        url: &str,
        doc: yrs::Doc,
    ) -> Result<TestClient, tokio_tungstenite::tungstenite::Error> {
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        let (mut sink, mut stream) = ws.split();
        let awareness = Arc::new(Mutex::new(Awareness::new(doc)));
        let (out, mut out_rx) = mpsc::unbounded_channel::<WsMessage>();
        let (seen_tx, seen) = watch::channel(Seen::default());

        let writer = tokio::spawn(async move {
            while let Some(msg) = out_rx.recv().await {
                let closing = matches!(msg, WsMessage::Close(_));
                if sink.send(msg).await.is_err() || closing {
                    break;
                }
            }
        });

        let step1 = {
            let aw = awareness.lock().unwrap();
            let sv = aw.doc().transact().state_vector();
            Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1()
        };
        out.send(WsMessage::Binary(step1.into())).unwrap();

        let reader_awareness = awareness.clone();
        let reader_out = out.clone();
        let reader = tokio::spawn(async move {
            while let Some(frame) = stream.next().await {
                match frame {
                    Ok(WsMessage::Binary(bytes)) => {
                        let replies = handle_frame(&reader_awareness, &bytes, &seen_tx);
                        for reply in replies {
                            let _ = reader_out.send(WsMessage::Binary(reply.into()));
                        }
                    }
                    Ok(WsMessage::Close(frame)) => {
                        let closed = frame.map(|f| Closed {
                            code: u16::from(f.code),
                            reason: f.reason.to_string(),
                        });
                        seen_tx.send_modify(|s| {
                            s.closed = Some(closed.unwrap_or(Closed {
                                code: 1005,
                                reason: String::new(),
                            }));
                            s.messages += 1;
                        });
                        return;
                    }
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            seen_tx.send_modify(|s| {
                if s.closed.is_none() {
                    s.closed = Some(Closed {
                        code: 1006,
                        reason: "connection dropped".into(),
                    });
                }
                s.messages += 1;
            });
        });

        Ok(TestClient {
            awareness,
            out,
            seen,
            tasks: vec![writer, reader],
        })
    }

    pub fn doc(&self) -> yrs::Doc {
        self.awareness.lock().unwrap().doc().clone()
    }

    pub fn text(&self) -> String {
        let doc = self.doc();
        let text = doc.get_or_insert_text(TEXT);
        let txn = doc.transact();
        text.get_string(&txn)
    }

    /// Edits locally and sends the change as an update, as the JS provider does.
    pub fn insert(&self, s: &str) {
        let doc = self.doc();
        let text = doc.get_or_insert_text(TEXT);
        let update = {
            let mut txn = doc.transact_mut();
            let len = text.len(&txn);
            text.insert(&mut txn, len, s);
            txn.encode_update_v1()
        };
        self.send(Message::Sync(SyncMessage::Update(update)).encode_v1());
    }

    /// Asks the server whether it has stored everything sent so far, as the JS provider's
    /// resync does: a sync step 1 with this client's state vector. The answer is counted in
    /// [`Seen::answers`]; the connect sends the first step 1.
    pub fn ask_saved(&self) {
        let step1 = {
            let aw = self.awareness.lock().unwrap();
            let sv = aw.doc().transact().state_vector();
            Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1()
        };
        self.send(step1);
    }

    pub fn send(&self, frame: Vec<u8>) {
        let _ = self.out.send(WsMessage::Binary(frame.into()));
    }

    pub fn send_text_frame(&self, text: &str) {
        let _ = self.out.send(WsMessage::Text(text.into()));
    }

    /// Sets this client's awareness state and sends it.
    pub fn set_awareness(&self, state: serde_json::Value) {
        let frame = {
            let mut aw = self.awareness.lock().unwrap();
            aw.set_local_state(state).unwrap();
            let id = aw.client_id();
            Message::Awareness(aw.update_with_clients([id]).unwrap()).encode_v1()
        };
        self.send(frame);
    }

    /// Every other client's awareness state, by client id.
    pub fn peers(&self) -> Vec<(u64, serde_json::Value)> {
        let aw = self.awareness.lock().unwrap();
        let me = aw.client_id();
        aw.iter()
            .filter(|(id, _)| *id != me)
            .filter_map(|(id, s)| Some((id.get(), serde_json::from_str(s.data.as_deref()?).ok()?)))
            .collect()
    }

    pub fn close(&self) {
        let _ = self.out.send(WsMessage::Close(Some(
            tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            },
        )));
    }

    pub fn seen(&self) -> Seen {
        self.seen.borrow().clone()
    }

    /// Waits until `ready(self)` holds, re-checking after every message; panics after 10 s.
    pub async fn wait_until(&self, what: &str, ready: impl Fn(&TestClient) -> bool) {
        let mut seen = self.seen.clone();
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            if ready(self) {
                return;
            }
            match tokio::time::timeout_at(deadline, seen.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    assert!(ready(self), "connection ended before: {what}");
                    return;
                }
                Err(_) => panic!(
                    "timed out waiting for: {what}; text is {:?}, seen {:?}",
                    self.text(),
                    self.seen()
                ),
            }
        }
    }

    pub async fn synced(&self) {
        self.wait_until("initial sync", |c| c.seen().synced).await;
    }

    pub async fn wait_text(&self, expected: &str) {
        self.wait_until(&format!("text {expected:?}"), |c| c.text() == expected)
            .await;
    }

    pub async fn wait_closed(&self) -> Closed {
        self.wait_until("close", |c| c.seen().closed.is_some())
            .await;
        self.seen().closed.unwrap()
    }
}

/// Applies one server frame; returns the replies to send.
fn handle_frame(
    awareness: &Arc<Mutex<Awareness>>,
    bytes: &[u8],
    seen: &watch::Sender<Seen>,
) -> Vec<Vec<u8>> {
    let mut replies = Vec::new();
    let mut decoder = DecoderV1::from(bytes);
    let mut aw = awareness.lock().unwrap();
    for msg in MessageReader::new(&mut decoder) {
        let msg = msg.expect("server sends well-formed messages");
        match msg {
            Message::Sync(SyncMessage::SyncStep1(sv)) => {
                let diff = aw.doc().transact().encode_diff_v1(&sv);
                replies.push(Message::Sync(SyncMessage::SyncStep2(diff)).encode_v1());
            }
            Message::Sync(SyncMessage::SyncStep2(u)) => {
                aw.doc()
                    .transact_mut()
                    .apply_update(Update::decode_v1(&u).unwrap())
                    .unwrap();
                seen.send_modify(|s| {
                    s.synced = true;
                    s.answers += 1;
                });
            }
            Message::Sync(SyncMessage::Update(u)) => {
                aw.doc()
                    .transact_mut()
                    .apply_update(Update::decode_v1(&u).unwrap())
                    .unwrap();
                seen.send_modify(|s| s.updates += 1);
            }
            Message::Awareness(update) => {
                aw.apply_update(update).unwrap();
            }
            Message::Auth(Some(reason)) => seen.send_modify(|s| s.denied.push(reason)),
            _ => {}
        }
    }
    seen.send_modify(|s| s.messages += 1);
    replies
}
