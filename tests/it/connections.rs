//! Connections before their first request: slowloris clients, idle sockets and floods of
//! connections from one address are closed or refused within the configured limits, while
//! ordinary requests and websockets go on as before.

use std::time::Duration;

use server::config::TicketAccess::Write;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::support::client::TestClient;
use crate::support::http;
use crate::support::server::{Options, TestServer};

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("metric {name} missing from:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

/// A server whose waiting connections may wait `first_request` seconds and whose request
/// heads must arrive within `header` seconds.
async fn server_with_timeouts(first_request: u64, header: u64) -> TestServer {
    let mut options = Options::default();
    options.connections.first_request_timeout_secs = first_request;
    options.connections.header_read_timeout_secs = header;
    TestServer::start_with(options).await
}

/// Sends `head` one byte every 300 ms (then nothing) until the server closes the connection;
/// answers how long that took, or `None` if it is still open after `give_up`.
async fn trickle_until_closed(
    mut tcp: TcpStream,
    head: &[u8],
    give_up: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    let mut next = 0;
    let mut tick = tokio::time::interval(Duration::from_millis(300));
    while start.elapsed() < give_up {
        tokio::select! {
            read = tcp.read(&mut buf) => match read {
                Ok(0) | Err(_) => return Some(start.elapsed()),
                // An answer (a 408, say) before the close is fine; keep reading to the end.
                Ok(_) => {}
            },
            _ = tick.tick() => {
                if next < head.len() {
                    if tcp.write_all(&head[next..=next]).await.is_err() {
                        return Some(start.elapsed());
                    }
                    next += 1;
                }
            }
        }
    }
    None
}

/// A request head that never ends: a slowloris client sends it a byte at a time.
const ENDLESS_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

#[tokio::test]
async fn slowloris_connections_are_closed_when_their_first_request_is_late() {
    let server = server_with_timeouts(1, 30).await;
    let mut clients = Vec::new();
    for _ in 0..50 {
        let tcp = TcpStream::connect(server.addr).await.unwrap();
        clients.push(tokio::spawn(trickle_until_closed(
            tcp,
            ENDLESS_HEAD,
            Duration::from_secs(10),
        )));
    }

    for client in clients {
        let closed_after = client.await.unwrap().expect("closed by the server");
        assert!(closed_after < Duration::from_secs(4), "{closed_after:?}");
    }
    let (_, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(
        metric(&text, "concord_http_first_request_timeouts_total"),
        50.0
    );
    assert_eq!(
        metric(&text, "concord_http_first_request_timeout_seconds"),
        1.0
    );
}

#[tokio::test]
async fn an_idle_tcp_connection_is_closed_when_its_first_request_is_late() {
    let server = server_with_timeouts(1, 30).await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();

    let closed_after = trickle_until_closed(tcp, b"", Duration::from_secs(10)).await;

    let closed_after = closed_after.expect("closed by the server");
    assert!(
        closed_after >= Duration::from_millis(900),
        "{closed_after:?}"
    );
    assert!(closed_after < Duration::from_secs(4), "{closed_after:?}");
}

#[tokio::test]
async fn a_slow_head_after_the_first_request_is_closed_by_the_header_timeout() {
    let server = server_with_timeouts(30, 1).await;
    let mut tcp = TcpStream::connect(server.addr).await.unwrap();
    let request = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut buf = [0u8; 1024];
    let n = tcp.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));

    // Kept alive, then a second head that never ends: the header timer closes it, although
    // the first-request deadline (30 s) is long passed being relevant.
    let closed_after = trickle_until_closed(tcp, ENDLESS_HEAD, Duration::from_secs(10)).await;

    let closed_after = closed_after.expect("closed by the server");
    assert!(closed_after < Duration::from_secs(4), "{closed_after:?}");
    let (_, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(metric(&text, "concord_http_header_timeouts_total"), 1.0);
}

/// Reads what the server says to a refused connection, up to its close.
async fn refusal(mut tcp: TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(2), tcp.read_to_end(&mut answer))
        .await
        .expect("a refused connection is closed at once")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn one_address_may_keep_only_so_many_connections_without_a_request() {
    let mut options = Options::default();
    options.connections.max_waiting_connections_per_address = 3;
    let server = TestServer::start_with(options).await;
    let mut waiting = Vec::new();
    for _ in 0..3 {
        waiting.push(TcpStream::connect(server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;

    let answer = refusal(TcpStream::connect(server.addr).await.unwrap()).await;
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    assert!(answer.contains("\"too_many_requests\""), "{answer}");

    // One of the three sends its request: it waits no longer, and makes room for another.
    let first = &mut waiting[0];
    first
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = first.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    drop(waiting.remove(0));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(
        metric(&text, "concord_http_connections_refused_per_address_total"),
        1.0
    );
    // The two left, and none other: the metrics request was served before it was counted.
    assert_eq!(metric(&text, "concord_http_waiting_connections"), 2.0);
}

#[tokio::test]
async fn the_server_keeps_only_so_many_connections_without_a_request_in_all() {
    let mut options = Options::default();
    options.connections.max_waiting_connections = 2;
    let server = TestServer::start_with(options).await;
    let _waiting = [
        TcpStream::connect(server.addr).await.unwrap(),
        TcpStream::connect(server.addr).await.unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(200)).await;

    let answer = refusal(TcpStream::connect(server.addr).await.unwrap()).await;

    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"unavailable\""), "{answer}");
}

#[tokio::test]
async fn requests_and_websockets_outlive_the_short_timeouts() {
    let server = server_with_timeouts(1, 1).await;
    let writer = TestClient::connect(&server.doc_url("kept", "alice", Write)).await;
    let reader = TestClient::connect(&server.doc_url("kept", "bob", Write)).await;
    writer.synced().await;

    tokio::time::sleep(Duration::from_secs(3)).await;

    writer.insert("still here;");
    reader.wait_text("still here;").await;
    assert_eq!(http::get(server.addr, "/healthz").await.0, 200);
    let (_, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(
        metric(&text, "concord_http_first_request_timeouts_total"),
        0.0
    );
}

#[tokio::test]
async fn the_public_logs_read_budget_follows_its_flags_and_refusals_are_counted() {
    let mut options = Options::default();
    options.identity.public_log_read_burst = 3;
    options.identity.public_log_reads_per_second = 1;
    let server = TestServer::start_with(options).await;

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(http::get(server.addr, "/api/log/key").await.0);
    }
    let (_, text) = http::get(server.addr, "/metrics").await;

    assert_eq!(statuses, [200, 200, 200, 429]);
    assert_eq!(metric(&text, "concord_public_log_reads_refused_total"), 1.0);
    assert_eq!(metric(&text, "concord_public_log_read_burst"), 3.0);
    assert_eq!(metric(&text, "concord_public_log_reads_per_second"), 1.0);
}
