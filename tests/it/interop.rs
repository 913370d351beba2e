//! The stock JavaScript client (`y-websocket`'s `WebsocketProvider` on Node, see
//! `tests/interop/peer.mjs`) and the Rust test client on one document.

use serde_json::json;
use server::config::TicketAccess::{Read, Write};

use crate::support::client::TestClient;
use crate::support::node::NodePeer;
use crate::support::server::TestServer;

#[tokio::test]
async fn the_stock_javascript_client_and_a_rust_client_converge_both_ways() {
    let server = TestServer::start().await;
    let mut js = NodePeer::connect(&server.doc_url("both", "js", Write)).await;
    let rust = TestClient::connect(&server.doc_url("both", "rust", Write)).await;
    js.synced().await;
    rust.synced().await;

    js.insert("from js;").await;
    rust.wait_text("from js;").await;

    rust.insert("from rust;");
    js.wait_text("from js;from rust;").await;

    for i in 0..10 {
        js.insert(&format!("j{i};")).await;
        rust.insert(&format!("r{i};"));
    }
    let all = |text: &str| text.matches(';').count() == 22;
    rust.wait_until("all 22 edits at rust", |c| all(&c.text()))
        .await;
    js.wait_until("all 22 edits at js", |s| all(&s.text)).await;
    let state = js.state().await;
    assert!(state.synced);
    assert_eq!(state.text, rust.text());
}

#[tokio::test]
async fn awareness_flows_between_the_javascript_and_rust_clients() {
    let server = TestServer::start().await;
    let mut js = NodePeer::connect(&server.doc_url("presence", "js", Write)).await;
    let rust = TestClient::connect(&server.doc_url("presence", "rust", Write)).await;
    js.synced().await;
    rust.synced().await;

    js.set_awareness(json!({
        "user": { "name": "The Bureau Chief", "org": "bureau", "color": "#30bced" },
        "cursor": 5
    }))
    .await;
    // The stock client announces an empty state (`{}`) on connect; wait for the one just set.
    rust.wait_until("js's cursor", |c| {
        c.peers().iter().any(|(_, s)| s["cursor"] == 5)
    })
    .await;
    assert_eq!(rust.peers().len(), 1);
    let (_, state) = &rust.peers()[0];
    assert_eq!(state["user"]["name"], "js (name)");
    assert_eq!(state["user"]["org"], "js-org");
    assert_eq!(state["user"]["id"], "js");
    assert_eq!(state["user"]["color"], "#30bced");
    assert_eq!(state["cursor"], 5);

    rust.set_awareness(json!({ "user": { "name": "Someone Else" }, "cursor": 9 }));
    js.wait_until("rust's presence", |s| {
        s.peers.iter().any(|p| p["cursor"] == 9)
    })
    .await;
    let peers = js.state().await.peers;
    assert_eq!(peers.len(), 1, "js sees only rust: {peers:?}");
    assert_eq!(peers[0]["user"]["name"], "rust (name)");
    assert_eq!(peers[0]["user"]["org"], "rust-org");

    js.kill().await;
    rust.wait_until("js's presence removed", |c| c.peers().is_empty())
        .await;
}

#[tokio::test]
async fn a_read_only_javascript_client_is_told_permission_denied() {
    let server = TestServer::start().await;
    let writer = TestClient::connect(&server.doc_url("ro-js", "alice", Write)).await;
    writer.insert("official;");
    let mut js = NodePeer::connect(&server.doc_url("ro-js", "js", Read)).await;
    js.wait_text("official;").await;
    assert!(
        !js.has_event("permission-denied"),
        "syncing without changes is not refused: {:?}",
        js.events
    );

    js.insert("forged;").await;
    let denied = js.wait_event("permission-denied").await;
    assert_eq!(denied["reason"], collab::READ_ONLY_REASON);

    // It stays connected and keeps receiving the writer's edits; the forgery went nowhere.
    writer.insert("more;");
    js.wait_until("writer's next edit", |s| s.text.contains("more;"))
        .await;
    assert!(!js.has_event("closed"), "not disconnected: {:?}", js.events);
    let fresh = TestClient::connect(&server.doc_url("ro-js", "carol", Read)).await;
    fresh.synced().await;
    assert_eq!(fresh.text(), "official;more;");
    assert_eq!(writer.text(), "official;more;");
}

/// A document large enough to be sent in slices (`collab/src/initial.rs`), written by three
/// clients in turn so that each one's text follows another's: the stock client must integrate
/// every slice in order and report itself synced only once it has all of it.
#[tokio::test]
async fn the_stock_javascript_client_gets_a_large_document_in_slices_and_is_synced_with_all_of_it()
{
    let server = TestServer::start().await;
    let mut writers = Vec::new();
    for name in ["a", "b", "c"] {
        let client = TestClient::connect(&server.doc_url("large", name, Write)).await;
        client.synced().await;
        writers.push(client);
    }
    let mut expected = String::new();
    for round in 0..12 {
        for (i, writer) in writers.iter().enumerate() {
            let chunk = format!("【第{round}轮 {i}】{}", "执法记录内容。".repeat(2_000));
            writer.insert(&chunk);
            expected.push_str(&chunk);
            // The next writer appends after this text, so its edit refers to this one's.
            let next = &writers[(i + 1) % writers.len()];
            let len = expected.len();
            next.wait_until("the previous writer's text", |c| c.text().len() == len)
                .await;
        }
    }
    assert!(expected.len() > 1_500_000, "{} bytes", expected.len());

    let mut js = NodePeer::connect(&server.doc_url("large", "js", Read)).await;
    js.synced().await;
    let state = js.state().await;
    assert!(state.synced);
    assert_eq!(state.text.len(), expected.len(), "synced with all of it");
    assert_eq!(state.text, expected);
}
