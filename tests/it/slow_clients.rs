//! Slow clients and large documents (issue #24): a client is judged by whether bytes keep
//! moving to it, presence waiting for a busy client is coalesced, and a reconnecting client
//! that has the state is answered with a short diff.
//!
//! The clients here are raw sockets whose reading the test paces ([`Paced`]): a line or a
//! busy browser that takes 64 KiB a second, or one that stops reading altogether.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use server::config::TicketAccess::{Read, Write};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::WebSocketStream;
use yrs::sync::{Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::Encode;
use yrs::{ReadTxn, StateVector, Transact, Update};

use crate::support::client::TestClient;
use crate::support::http;
use crate::support::server::{Options, TestServer};

/// Reading paused.
const PAUSED: u64 = 0;
/// Reading as fast as the socket gives.
const UNLIMITED: u64 = u64::MAX;

/// A TCP stream whose reads are paced to `rate` bytes a second (shared, so the test can change
/// it while the websocket owns the stream). Writes are not paced: pongs leave at once.
struct Paced {
    tcp: TcpStream,
    rate: Arc<AtomicU64>,
    /// Bytes that may be read now; refilled with time at `rate`.
    budget: f64,
    refilled: Instant,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Paced {
    fn new(tcp: TcpStream, rate: Arc<AtomicU64>) -> Paced {
        Paced {
            tcp,
            rate,
            budget: 0.0,
            refilled: Instant::now(),
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }
}

impl AsyncRead for Paced {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            let rate = this.rate.load(Relaxed);
            if rate == UNLIMITED {
                return Pin::new(&mut this.tcp).poll_read(cx, buf);
            }
            let now = Instant::now();
            let elapsed = now.duration_since(this.refilled).as_secs_f64();
            this.refilled = now;
            // At most a tenth of a second's worth at once, so the pace stays even.
            this.budget = (this.budget + elapsed * rate as f64).min(rate as f64 / 10.0);
            if rate > 0 && this.budget >= 1.0 {
                let n = (this.budget as usize).min(buf.remaining());
                let mut limited = ReadBuf::new(buf.initialize_unfilled_to(n));
                let polled = Pin::new(&mut this.tcp).poll_read(cx, &mut limited);
                let read = limited.filled().len();
                if let Poll::Ready(Ok(())) = polled {
                    buf.advance(read);
                    this.budget -= read as f64;
                }
                return polled;
            }
            this.sleep
                .as_mut()
                .reset(tokio::time::Instant::now() + Duration::from_millis(20));
            if this.sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

impl AsyncWrite for Paced {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// A raw y-websocket client that reads at a pace the test sets.
struct RawClient {
    ws: WebSocketStream<Paced>,
    rate: Arc<AtomicU64>,
}

/// What a raw client read until the server closed or the test stopped reading.
#[derive(Debug, Default)]
struct Received {
    /// Byte size of each sync step 2 message's update.
    step2: Vec<usize>,
    /// Every awareness message received after the first sync step 2, as its entries'
    /// `(client id, state)`.
    awareness_after_state: Vec<Vec<(u64, String)>>,
    /// The document as received.
    state: Option<yrs::Doc>,
    close: Option<(u16, String)>,
}

impl RawClient {
    /// Connects reading at `rate` bytes a second and sends sync step 1 with `sv`.
    async fn connect(url: &str, rate: u64, sv: StateVector) -> RawClient {
        let addr = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let tcp = TcpStream::connect(&addr).await.unwrap();
        // The handshake is read at full speed; the pace starts with the document.
        let pace = Arc::new(AtomicU64::new(UNLIMITED));
        let (mut ws, _) = tokio_tungstenite::client_async(url, Paced::new(tcp, pace.clone()))
            .await
            .expect("websocket handshake");
        pace.store(rate, Relaxed);
        ws.send(WsMessage::Binary(
            Message::Sync(SyncMessage::SyncStep1(sv)).encode_v1().into(),
        ))
        .await
        .unwrap();
        RawClient { ws, rate: pace }
    }

    fn set_rate(&self, rate: u64) {
        self.rate.store(rate, Relaxed);
    }

    /// Reads until `done` holds, the server closes, or `within` passes.
    async fn read_until(&mut self, within: Duration, done: impl Fn(&Received) -> bool) -> Received {
        let mut received = Received::default();
        let doc = yrs::Doc::new();
        let deadline = tokio::time::Instant::now() + within;
        while !done(&received) {
            let frame = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!("timed out reading; so far {received:?}"),
                Ok(None) => break,
                Ok(Some(Err(e))) => panic!("socket failed: {e}; so far {received:?}"),
                Ok(Some(Ok(frame))) => frame,
            };
            match frame {
                WsMessage::Binary(bytes) => {
                    let mut decoder = DecoderV1::from(bytes.as_ref());
                    for msg in MessageReader::new(&mut decoder) {
                        match msg.expect("well-formed messages") {
                            Message::Sync(SyncMessage::SyncStep2(u)) => {
                                received.step2.push(u.len());
                                doc.transact_mut()
                                    .apply_update(Update::decode_v1(&u).unwrap())
                                    .unwrap();
                                received.state = Some(doc.clone());
                            }
                            Message::Sync(SyncMessage::Update(u)) => {
                                doc.transact_mut()
                                    .apply_update(Update::decode_v1(&u).unwrap())
                                    .unwrap();
                            }
                            Message::Awareness(update) if !received.step2.is_empty() => {
                                received.awareness_after_state.push(
                                    update
                                        .clients
                                        .iter()
                                        .map(|(id, e)| (id.get(), e.json.to_string()))
                                        .collect(),
                                );
                            }
                            _ => {}
                        }
                    }
                }
                WsMessage::Close(frame) => {
                    received.close = frame.map(|f| (u16::from(f.code), f.reason.to_string()));
                    break;
                }
                _ => {}
            }
        }
        received
    }
}

/// Writes a document of at least `bytes` (mixed Chinese and ASCII text, in updates under the
/// frame limit) and returns its writer, synced, with its state.
async fn large_document(server: &TestServer, doc: &str, bytes: usize) -> TestClient {
    let writer = TestClient::connect(&server.doc_url(doc, "writer", Write)).await;
    writer.synced().await;
    let line = "联合调查组会议纪要 minutes of the joint group, item ";
    let mut chunk = String::new();
    while chunk.len() < 700 * 1024 {
        chunk.push_str(line);
        chunk.push_str(&chunk.len().to_string());
        chunk.push('\n');
    }
    let chunks = bytes.div_ceil(chunk.len());
    for i in 0..chunks {
        writer.insert(&chunk);
        writer
            .wait_until("the chunk's echo", |c| c.seen().updates == i + 1)
            .await;
    }
    writer
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("metric {name} missing from:\n{text}"))
        .trim()
        .parse::<f64>()
        .unwrap() as u64
}

async fn metrics(server: &TestServer) -> String {
    http::get(server.addr, "/metrics").await.1
}

const CLOSED_NO_PROGRESS: &str = r#"concord_clients_closed_total{cause="no_progress"}"#;
const CLOSED_QUEUE_BOUND: &str = r#"concord_clients_closed_total{cause="queue_bound"}"#;
const CLOSED_PONG: &str = r#"concord_clients_closed_total{cause="pong"}"#;

fn text_of(doc: &yrs::Doc) -> String {
    use yrs::GetString;
    let text = doc.get_or_insert_text(crate::support::client::TEXT);
    let txn = doc.transact();
    text.get_string(&txn)
}

#[tokio::test]
async fn a_client_reading_64_kib_a_second_receives_a_5_mb_document_without_being_closed() {
    // Pings every second: a pong queued behind megabytes must not close the client either.
    let mut options = Options::default();
    options.limits.ping_secs = 1;
    options.limits.client_no_progress_secs = 10;
    let server = TestServer::start_with(options).await;
    let writer = large_document(&server, "big", 5 * 1000 * 1000).await;

    let started = Instant::now();
    let mut slow = RawClient::connect(
        &server.doc_url("big", "slow", Read),
        64 * 1024,
        StateVector::default(),
    )
    .await;
    let received = slow
        .read_until(Duration::from_secs(240), |r| r.state.is_some())
        .await;

    let took = started.elapsed();
    assert_eq!(received.close, None, "the slow client was closed");
    let size = received.step2[0];
    assert!(size >= 5_000_000, "the state is {size} bytes");
    assert_eq!(text_of(received.state.as_ref().unwrap()), writer.text());
    // It really was slow: about 64 KiB a second, so over a minute.
    assert!(took >= Duration::from_secs(60), "took only {took:?}");
    let text = metrics(&server).await;
    assert_eq!(metric(&text, CLOSED_NO_PROGRESS), 0);
    assert_eq!(metric(&text, CLOSED_PONG), 0);
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_after_the_configured_time_with_that_reason() {
    let mut options = Options::default();
    options.limits.client_no_progress_secs = 2;
    let server = TestServer::start_with(options).await;
    let _writer = large_document(&server, "stalled", 2 * 1000 * 1000).await;

    let started = Instant::now();
    let mut stopped = RawClient::connect(
        &server.doc_url("stalled", "stopped", Read),
        PAUSED,
        StateVector::default(),
    )
    .await;
    // The server gives up on its own while the client reads nothing.
    let deadline = Instant::now() + Duration::from_secs(20);
    while metric(&metrics(&server).await, CLOSED_NO_PROGRESS) == 0 {
        assert!(Instant::now() < deadline, "never closed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let closed_after = started.elapsed();

    // Reading again, the client gets what was being written, then the reason.
    stopped.set_rate(UNLIMITED);
    let received = stopped.read_until(Duration::from_secs(20), |_| false).await;
    assert!(
        closed_after >= Duration::from_secs(2),
        "closed after {closed_after:?}"
    );
    let (code, reason) = received.close.expect("a close frame");
    assert_eq!(code, collab::close_code::NO_PROGRESS);
    assert!(
        reason.contains("秒内客户端未接收任何数据")
            && reason.contains("no byte reached the client"),
        "{reason}"
    );
    assert!(reason.len() <= 123);
}

#[tokio::test]
async fn presence_waiting_for_a_client_receiving_its_state_is_one_message_per_client_id() {
    // A queue of 64 messages: 5,000 presence changes queued one by one would close it.
    let mut options = Options::default();
    options.limits.client_queue = 64;
    let server = TestServer::start_with(options).await;
    let _writer = large_document(&server, "presence", 2 * 1000 * 1000).await;
    let mut others = Vec::new();
    for i in 0..3 {
        let other = TestClient::connect(&server.doc_url("presence", &format!("u{i}"), Write)).await;
        other.synced().await;
        others.push(other);
    }

    let mut slow = RawClient::connect(
        &server.doc_url("presence", "slow", Read),
        PAUSED,
        StateVector::default(),
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(&metrics(&server).await, "concord_joins_in_flight") == 0 {
        assert!(Instant::now() < deadline, "the slow client never joined");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = metric(&metrics(&server).await, "concord_awareness_coalesced_total");
    for n in 0..5000 {
        others[n % 3].set_awareness(serde_json::json!({ "n": n }));
    }
    // Every change reached the fast clients…
    for (i, other) in others.iter().enumerate() {
        let last = (0..5000).rev().find(|n| n % 3 == i).unwrap();
        for peer in others.iter().filter(|p| !std::ptr::eq(*p, other)) {
            peer.wait_until("the last presence", |c| {
                c.peers().iter().any(|(_, s)| s["n"] == last)
            })
            .await;
        }
    }
    // …while the slow one still receives its state, with the rest waiting coalesced.
    let text = metrics(&server).await;
    assert_eq!(metric(&text, "concord_joins_in_flight"), 1);
    // Each client id's changes are replaced in the room's batches or in the slow client's
    // queue, all but its latest. One batch may wait as it is (the room's shared frame) if it
    // came while the slow client's queue was empty (its last slice being written): its up to
    // three entries are sent as they are, not replaced.
    let coalesced = metric(&text, "concord_awareness_coalesced_total") - before;
    assert!(coalesced >= 5000 - 3 - 3, "only {coalesced} coalesced");
    assert_eq!(metric(&text, CLOSED_QUEUE_BOUND), 0);

    slow.set_rate(UNLIMITED);
    // The latest `n` of each client id in the awareness messages after the state, in order.
    let latest = |r: &Received| {
        let mut latest = BTreeMap::new();
        for (client, json) in r.awareness_after_state.iter().flatten() {
            let n = serde_json::from_str::<serde_json::Value>(json).unwrap()["n"]
                .as_u64()
                .unwrap();
            latest.insert(*client, n);
        }
        latest.into_values().collect::<Vec<u64>>()
    };
    let received = slow
        .read_until(Duration::from_secs(30), |r| {
            r.state.is_some() && latest(r).len() == 3
        })
        .await;
    assert_eq!(received.close, None);
    // At most two awareness messages after the state (the one batch that may have waited as
    // it was, and the rest coalesced), holding each client id's latest.
    let entries = &received.awareness_after_state;
    assert!(entries.len() <= 2, "{entries:?}");
    let mut latest = latest(&received);
    latest.sort_unstable();
    assert_eq!(latest, vec![4997, 4998, 4999], "{entries:?}");
}

#[tokio::test]
async fn a_reconnecting_client_with_the_full_state_receives_a_small_step_2() {
    let server = TestServer::start().await;
    let writer = large_document(&server, "again", 2 * 1000 * 1000).await;
    let sv = writer.doc().transact().state_vector();
    writer.close();
    writer.wait_closed().await;

    let mut back =
        RawClient::connect(&server.doc_url("again", "writer", Write), UNLIMITED, sv).await;
    let received = back
        .read_until(Duration::from_secs(10), |r| !r.step2.is_empty())
        .await;

    let first = RawClient::connect(
        &server.doc_url("again", "newcomer", Read),
        UNLIMITED,
        StateVector::default(),
    )
    .await
    .read_until(Duration::from_secs(30), |r| !r.step2.is_empty())
    .await;
    assert!(
        first.step2[0] >= 2_000_000,
        "the whole state is {}",
        first.step2[0]
    );
    assert!(
        received.step2[0] < 64,
        "the reconnect's step 2 is {} bytes",
        received.step2[0]
    );
}
