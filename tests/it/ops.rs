//! Operations: health, readiness, metrics, audit attribution, room lifecycle and shutdown.

use std::time::Duration;

use server::config::TicketAccess::{Read, Write};

use crate::support::client::TestClient;
use crate::support::http;
use crate::support::server::{ChildServer, Options, TestServer};

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("metric {name} missing from:\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

/// Open sockets whose access a re-check changed: what a test waits for after an operation
/// that changes access, instead of sleeping.
pub(crate) const WS_ACCESS_CHANGED: &str = "concord_ws_access_changed_total";

/// The value of the metric `name` on `server` now.
pub(crate) async fn read_metric(server: &TestServer, name: &str) -> f64 {
    let (_, text) = http::get(server.addr, "/metrics").await;
    metric(&text, name)
}

/// Polls `/metrics` until `name` satisfies `ready`; panics after 10 s.
pub(crate) async fn wait_for_metric(
    server: &TestServer,
    name: &str,
    what: &str,
    ready: impl Fn(f64) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_, text) = http::get(server.addr, "/metrics").await;
        if ready(metric(&text, name)) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let server = TestServer::start().await;
    assert_eq!(
        http::get(server.addr, "/healthz").await,
        (200, r#"{"status":"ok"}"#.into())
    );
    assert_eq!(
        http::get(server.addr, "/readyz").await,
        (200, r#"{"status":"ready"}"#.into())
    );

    let writer = TestClient::connect(&server.doc_url("m", "alice", Write)).await;
    let reader = TestClient::connect(&server.doc_url("m", "bob", Read)).await;
    writer.insert("one;");
    reader.wait_text("one;").await;
    reader.insert("refused;");
    reader
        .wait_until("denied", |c| !c.seen().denied.is_empty())
        .await;

    let (status, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(metric(&text, "concord_connections"), 2.0);
    assert_eq!(metric(&text, "concord_open_rooms"), 1.0);
    assert_eq!(metric(&text, "concord_updates_applied_total"), 1.0);
    assert_eq!(metric(&text, "concord_updates_rejected_total"), 1.0);
    assert!(metric(&text, "concord_commit_seconds_count") >= 1.0);
    assert!(text.contains("concord_fanout_queue_depth"));
}

#[tokio::test]
async fn every_stored_update_records_the_authenticated_user_and_organization() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("audit", "alice", Write)).await;
    a.set_awareness(serde_json::json!({ "user": { "name": "someone else" } }));
    a.insert("x");
    a.wait_until("echo", |c| c.seen().updates == 1).await;
    let b = TestClient::connect(&server.doc_url("audit", "bob", Write)).await;
    b.insert("y");
    b.wait_until("echo", |c| c.seen().updates == 1).await;
    drop((a, b));
    let dir = server.stop().await;

    let db = server::connect(&server::config::StorageArgs {
        data_dir: dir.path().to_path_buf(),
        database_url: None,
        sqlite_synchronous: Default::default(),
    })
    .await
    .unwrap();
    let authors = db
        .update_authors(&collab::DocId::parse("audit").unwrap())
        .await
        .unwrap();
    let who: Vec<(&str, &str)> = authors
        .iter()
        .map(|a| (a.user_id.as_str(), a.org_id.as_str()))
        .collect();
    assert_eq!(who, vec![("alice", "alice-org"), ("bob", "bob-org")]);
    let now = time::OffsetDateTime::now_utc();
    assert!(authors
        .iter()
        .all(|a| (now - a.created_at).whole_seconds().abs() < 60));
}

#[tokio::test]
async fn a_document_is_loaded_once_however_many_join_at_the_same_moment() {
    let server = TestServer::start().await;
    let seed = TestClient::connect(&server.doc_url("crowd", "alice", Write)).await;
    seed.insert("seed;");
    seed.wait_until("echo", |c| c.seen().updates == 1).await;
    drop(seed);
    let server = TestServer::start_in(server.stop().await, Options::default()).await;

    let urls: Vec<String> = (0..30)
        .map(|i| server.doc_url("crowd", &format!("u{i}"), Write))
        .collect();
    let clients = futures_util::future::join_all(urls.iter().map(|u| TestClient::connect(u))).await;
    for c in &clients {
        c.wait_text("seed;").await;
    }
    clients[0].insert("one;");
    for c in &clients {
        c.wait_until("the edit everywhere", |c| c.text().ends_with("one;"))
            .await;
    }
    let (_, text) = http::get(server.addr, "/metrics").await;
    assert_eq!(metric(&text, "concord_room_loads_total"), 1.0);
    assert_eq!(metric(&text, "concord_open_rooms"), 1.0);
}

#[tokio::test]
async fn an_idle_document_leaves_memory_and_comes_back_intact() {
    let mut options = Options::default();
    options.limits.idle_unload_secs = 0;
    let server = TestServer::start_with(options).await;
    let a = TestClient::connect(&server.doc_url("idle", "alice", Write)).await;
    a.insert("kept;");
    a.wait_until("echo", |c| c.seen().updates == 1).await;
    drop(a);

    wait_for_metric(
        &server,
        "concord_open_rooms",
        "the idle room to unload",
        |v| v == 0.0,
    )
    .await;
    let b = TestClient::connect(&server.doc_url("idle", "bob", Read)).await;
    b.wait_text("kept;").await;
}

#[tokio::test]
async fn a_long_log_is_compacted_and_loads_the_same_after_restart() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("long", "alice", Write)).await;
    for i in 0..1100 {
        a.insert(&format!("{i},"));
    }
    a.wait_until("all echoes", |c| c.seen().updates == 1100)
        .await;
    wait_for_metric(&server, "concord_compactions_total", "a compaction", |v| {
        v >= 1.0
    })
    .await;
    // Edits during and after compaction are kept too.
    a.insert("after;");
    a.wait_until("echo", |c| c.seen().updates == 1101).await;
    let expected = a.text();
    drop(a);

    let dir = server.stop().await;
    let server = TestServer::start_in(dir, Options::default()).await;
    let b = TestClient::connect(&server.doc_url("long", "bob", Read)).await;
    b.synced().await;
    assert_eq!(b.text(), expected);
}

#[tokio::test]
async fn sigterm_closes_sockets_with_1012_and_keeps_every_committed_edit() {
    let data_dir = tempfile::tempdir().unwrap();
    let server = ChildServer::start(data_dir.path(), None).await;
    let key = server::auth::TicketKey::load(None, data_dir.path()).unwrap();
    let url = |addr, user: &str| {
        format!(
            "ws://{addr}/ws/docs/term?ticket={}",
            crate::support::server::issue(&key, "term", user, Write)
        )
    };
    let a = TestClient::connect(&url(server.addr, "alice")).await;
    for i in 0..200 {
        a.insert(&format!("{i};"));
    }
    a.wait_until("all echoes", |c| c.seen().updates == 200)
        .await;

    let pid = server.child.id().expect("running") as i32;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let closed = a.wait_closed().await;
    assert_eq!(closed.code, 1012, "service restart: {closed:?}");
    assert!(
        closed.reason.starts_with("服务重启"),
        "a Chinese-first reason: {closed:?}"
    );
    let mut child = server.child;
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(exit.success(), "clean exit after SIGTERM: {exit:?}");

    let again = ChildServer::start(data_dir.path(), None).await;
    let b = TestClient::connect(&url(again.addr, "bob")).await;
    b.synced().await;
    assert_eq!(b.text(), a.text());
}

#[tokio::test]
async fn a_socket_that_never_answers_pings_is_closed() {
    let mut options = Options::default();
    options.limits.ping_secs = 1;
    // A missing pong closes a socket once nothing has moved to it for this long as well (a
    // pong may wait behind bytes the client has not read yet).
    options.limits.client_no_progress_secs = 2;
    let server = TestServer::start_with(options).await;
    // Upgraded, then never read: no pong ever goes back.
    let (_silent, _) = tokio_tungstenite::connect_async(server.doc_url("ka", "ghost", Read))
        .await
        .unwrap();
    let live = TestClient::connect(&server.doc_url("ka", "alice", Read)).await;
    live.synced().await;

    wait_for_metric(
        &server,
        "concord_connections",
        "the silent socket to be closed",
        |v| v == 1.0,
    )
    .await;
    // The client that answers pings stays.
    assert!(live.seen().closed.is_none());
}
