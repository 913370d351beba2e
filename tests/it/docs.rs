//! The realtime document protocol over real sockets: Rust clients (tokio-tungstenite + yrs)
//! against an in-process server on SQLite.

use serde_json::json;
use server::config::TicketAccess::{Read, Write};

use crate::support::client::TestClient;
use crate::support::server::{Options, TestServer};

#[tokio::test]
async fn two_clients_converge_after_concurrent_edits() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("d", "alice", Write)).await;
    let b = TestClient::connect(&server.doc_url("d", "bob", Write)).await;
    a.synced().await;
    b.synced().await;

    for i in 0..20 {
        a.insert(&format!("a{i};"));
        b.insert(&format!("b{i};"));
    }

    a.wait_until("all 40 edits at a", |c| c.text().matches(';').count() == 40)
        .await;
    b.wait_until("all 40 edits at b", |c| c.text().matches(';').count() == 40)
        .await;
    assert_eq!(a.text(), b.text());
}

#[tokio::test]
async fn twenty_clients_converge_after_concurrent_edits() {
    let server = TestServer::start().await;
    let mut clients = Vec::new();
    for i in 0..20 {
        clients.push(TestClient::connect(&server.doc_url("d20", &format!("user{i}"), Write)).await);
    }
    for c in &clients {
        c.synced().await;
    }

    for round in 0..5 {
        for (i, c) in clients.iter().enumerate() {
            c.insert(&format!("{i}.{round};"));
        }
    }

    for c in &clients {
        c.wait_until("all 100 edits", |c| c.text().matches(';').count() == 100)
            .await;
    }
    let first = clients[0].text();
    assert!(
        clients.iter().all(|c| c.text() == first),
        "every client sees the same text"
    );
}

#[tokio::test]
async fn a_client_edits_offline_and_merges_on_reconnect() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("off", "alice", Write)).await;
    let b = TestClient::connect(&server.doc_url("off", "bob", Write)).await;
    a.insert("shared;");
    b.wait_text("shared;").await;

    // Bob goes offline, keeping his document; both edit.
    let offline = b.doc();
    b.close();
    b.wait_closed().await;
    a.insert("online;");
    {
        use yrs::{Text, Transact};
        let text = offline.get_or_insert_text("t");
        let mut txn = offline.transact_mut();
        text.insert(&mut txn, 0, "offline;");
    }

    let b = TestClient::connect_with(&server.doc_url("off", "bob", Write), offline).await;
    a.wait_until("offline edit arrives", |c| c.text().contains("offline;"))
        .await;
    b.wait_until("online edit arrives", |c| c.text().contains("online;"))
        .await;
    assert_eq!(a.text(), b.text());
    assert!(a.text().contains("shared;"));
}

#[tokio::test]
async fn a_late_joiner_gets_the_full_state() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("late", "alice", Write)).await;
    for i in 0..50 {
        a.insert(&format!("{i},"));
    }
    a.wait_until("echoes of all 50", |c| c.seen().updates >= 50)
        .await;
    a.close();

    let late = TestClient::connect(&server.doc_url("late", "carol", Read)).await;
    late.synced().await;
    assert_eq!(late.text(), a.text());
}

#[tokio::test]
async fn the_sender_gets_its_update_echoed_after_commit() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("echo", "alice", Write)).await;
    a.synced().await;
    a.insert("x");
    a.wait_until("echo", |c| c.seen().updates == 1).await;
}

#[tokio::test]
async fn a_read_only_client_is_refused_and_told_and_nothing_is_stored() {
    let server = TestServer::start().await;
    let writer = TestClient::connect(&server.doc_url("ro", "alice", Write)).await;
    writer.insert("official;");
    let reader = TestClient::connect(&server.doc_url("ro", "mallory", Read)).await;
    reader.wait_text("official;").await;

    reader.insert("forged;");

    reader
        .wait_until("permission denied", |c| !c.seen().denied.is_empty())
        .await;
    assert_eq!(
        reader.seen().denied,
        vec![collab::READ_ONLY_REASON.to_string()]
    );
    // The reader stays connected and keeps receiving the writer's edits.
    writer.insert("more;");
    reader
        .wait_until("writer's next edit", |c| c.text().contains("more;"))
        .await;
    let fresh = TestClient::connect(&server.doc_url("ro", "carol", Read)).await;
    fresh.synced().await;
    assert_eq!(fresh.text(), "official;more;");
    assert!(
        fresh.seen().denied.is_empty(),
        "a read-only client that changes nothing is not scolded"
    );

    // And nothing of it was stored: a restart reloads only the writer's text.
    drop((writer, reader, fresh));
    let dir = server.stop().await;
    let server = TestServer::start_in(dir, Default::default()).await;
    let after = TestClient::connect(&server.doc_url("ro", "carol", Read)).await;
    after.synced().await;
    assert_eq!(after.text(), "official;more;");
}

#[tokio::test]
async fn awareness_user_fields_are_set_by_the_server_not_the_client() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("aw", "alice", Write)).await;
    let b = TestClient::connect(&server.doc_url("aw", "bob", Read)).await;
    a.synced().await;
    b.synced().await;

    a.set_awareness(json!({ "user": { "name": "The Bureau Chief", "org": "bureau", "color": "#ff0000" }, "cursor": 3 }));

    b.wait_until("alice's presence", |c| !c.peers().is_empty())
        .await;
    let (_, state) = &b.peers()[0];
    assert_eq!(state["user"]["name"], "alice (name)");
    assert_eq!(state["user"]["org"], "alice-org");
    assert_eq!(state["user"]["id"], "alice");
    assert_eq!(state["user"]["color"], "#ff0000");
    assert_eq!(state["cursor"], 3);
}

#[tokio::test]
async fn awareness_is_cleaned_when_a_client_drops() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("gone", "alice", Write)).await;
    let b = TestClient::connect(&server.doc_url("gone", "bob", Write)).await;
    a.set_awareness(json!({ "cursor": 1 }));
    b.wait_until("alice's presence", |c| c.peers().len() == 1)
        .await;

    drop(a); // no close frame: the socket just goes away

    b.wait_until("alice's presence removed", |c| c.peers().is_empty())
        .await;
}

#[tokio::test]
async fn a_client_cannot_change_another_clients_awareness_state() {
    let server = TestServer::start().await;
    let a = TestClient::connect(&server.doc_url("spoof", "alice", Write)).await;
    let b = TestClient::connect(&server.doc_url("spoof", "bob", Write)).await;
    a.set_awareness(json!({ "cursor": 1 }));
    b.wait_until("alice's presence", |c| c.peers().len() == 1)
        .await;
    let (alice_id, _) = b.peers()[0].clone();

    // Bob sends a removal of Alice's state under Alice's client id.
    let removal = {
        use yrs::sync::{AwarenessUpdate, Message};
        use yrs::updates::encoder::Encode;
        let mut clients = std::collections::HashMap::new();
        clients.insert(
            yrs::block::ClientID::new(alice_id),
            yrs::sync::awareness::AwarenessUpdateEntry {
                clock: 1000,
                json: "null".into(),
            },
        );
        Message::Awareness(AwarenessUpdate { clients }).encode_v1()
    };
    b.send(removal);
    b.insert("sync point;");
    a.wait_text("sync point;").await;

    let c = TestClient::connect(&server.doc_url("spoof", "carol", Read)).await;
    c.wait_until("alice still present", |c| c.peers().len() == 1)
        .await;
}

#[tokio::test]
async fn a_reconnecting_user_keeps_their_presence_while_the_old_socket_lingers() {
    // A browser whose network dropped reconnects with the same Yjs client id (and a later
    // awareness clock) before the server has noticed the old socket is dead.
    let server = TestServer::start().await;
    let observer = TestClient::connect(&server.doc_url("rejoin", "bob", Write)).await;
    let url = server.doc_url("rejoin", "alice", Write);
    let old = TestClient::connect_with(&url, yrs::Doc::with_client_id(4242)).await;
    old.set_awareness(json!({ "cursor": 1 }));
    observer
        .wait_until("alice present", |c| c.peers().len() == 1)
        .await;

    let new = TestClient::connect_with(&url, yrs::Doc::with_client_id(4242)).await;
    new.synced().await;
    new.set_awareness(json!({ "cursor": 2 }));
    new.set_awareness(json!({ "cursor": 3 }));
    observer
        .wait_until("alice's presence from her new connection", |c| {
            c.peers() == vec![(4242, c.peers()[0].1.clone())] && c.peers()[0].1["cursor"] == 3
        })
        .await;

    // The old socket finally goes away; the presence it set is now the new connection's and
    // stays.
    drop(old);
    crate::ops::wait_for_metric(
        &server,
        "concord_connections",
        "the old socket closed",
        |v| v == 2.0,
    )
    .await;
    let late = TestClient::connect(&server.doc_url("rejoin", "carol", Read)).await;
    late.wait_until("alice present for a late joiner", |c| {
        c.peers()
            .iter()
            .any(|(id, s)| *id == 4242 && s["cursor"] == 3)
    })
    .await;
    assert_eq!(observer.peers().len(), 1, "{:?}", observer.peers());

    // Another user still cannot take that client id over.
    let mallory = TestClient::connect_with(
        &server.doc_url("rejoin", "mallory", Write),
        yrs::Doc::with_client_id(4242),
    )
    .await;
    for cursor in [10, 11, 12, 13] {
        mallory.set_awareness(json!({ "cursor": cursor }));
    }
    mallory.insert("sync point;");
    observer.wait_text("sync point;").await;
    let (_, state) = &observer.peers()[0];
    assert_eq!(state["cursor"], 3);
    assert_eq!(state["user"]["id"], "alice");
}

#[tokio::test]
async fn a_presence_not_renewed_expires() {
    let mut options = Options::default();
    options.limits.awareness_timeout_secs = 1;
    let server = TestServer::start_with(options).await;
    let a = TestClient::connect(&server.doc_url("stale", "alice", Write)).await;
    let b = TestClient::connect(&server.doc_url("stale", "bob", Write)).await;
    a.set_awareness(json!({ "cursor": 1 }));
    b.wait_until("alice's presence", |c| c.peers().len() == 1)
        .await;

    // Alice stays connected but never renews her state (a frozen tab).
    b.wait_until("alice's stale presence removed", |c| c.peers().is_empty())
        .await;
}
